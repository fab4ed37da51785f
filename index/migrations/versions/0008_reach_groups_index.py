"""An index holding what the top sources and authors by reach read (index.sqlite_sql.reach_sources_sql): they
are counted from its entries within the time range, without reading the mentions' rows (their texts).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03
"""

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE INDEX ix_mentions_reach_groups ON mentions (published_at, platform, source, author, reach, id)")


def downgrade() -> None:
    op.execute("DROP INDEX ix_mentions_reach_groups")
