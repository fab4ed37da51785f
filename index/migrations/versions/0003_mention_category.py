"""Complaint category of each mention (tickets.enums.Category), set at ingest; NULL for older mentions.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE mentions ADD COLUMN category TEXT")
    # Facets and category: filters group and test by category within a time window.
    op.execute("CREATE INDEX ix_mentions_category_published ON mentions (category, published_at)")


def downgrade() -> None:
    op.execute("DROP INDEX ix_mentions_category_published")
    op.execute("ALTER TABLE mentions DROP COLUMN category")
