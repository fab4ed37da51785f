"""Alembic environment for the embedded SQLite mention index (run through ``foundation.db.run_migrations``).

Why a tree of its own: the mention index is a separate SQLite file (``mentions.sqlite3``) that can be rebuilt,
moved or replaced by Elasticsearch independently of the relational database (``foundation/migrations``).
"""

from alembic import context

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=None, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
