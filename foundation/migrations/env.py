"""Alembic environment for the relational database (tickets, alert state, source runs and cursors, saved searches).

Why one tree here: every domain's tables share this one database (SQLite or PostgreSQL), so they share one
linear history; the mention index is a different store with its own tree (``index/migrations``).
Run through :func:`foundation.db.run_migrations` (``yuqing db upgrade``), which hands over a connection.
"""

from alembic import context

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=None, render_as_batch=connection.dialect.name == "sqlite")
with context.begin_transaction():
    context.run_migrations()
