"""Index on updated_at: the alert engine asks for mentions stored or changed since its last look.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE INDEX ix_mentions_updated ON mentions (updated_at)")


def downgrade() -> None:
    op.execute("DROP INDEX ix_mentions_updated")
