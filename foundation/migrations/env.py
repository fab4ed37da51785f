"""Alembic environment for the relational database (tickets, alert state, source state).

Run through :func:`foundation.db.run_migrations` (``yuqing db upgrade``), which hands over a connection.
"""

from alembic import context

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=None, render_as_batch=connection.dialect.name == "sqlite")
with context.begin_transaction():
    context.run_migrations()
