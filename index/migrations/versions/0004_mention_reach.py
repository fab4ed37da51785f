"""Reach of each mention (index.reach), 0-100; NULL for older mentions and platforms without the fields.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE mentions ADD COLUMN reach REAL")
    # The influential-post rule and "top posts by reach" read the largest reach of a time window.
    op.execute("CREATE INDEX ix_mentions_reach ON mentions (reach)")


def downgrade() -> None:
    op.execute("DROP INDEX ix_mentions_reach")
    op.execute("ALTER TABLE mentions DROP COLUMN reach")
