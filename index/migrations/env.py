"""Alembic environment for the embedded SQLite mention index (run through ``foundation.db.run_migrations``)."""

from alembic import context

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=None, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
