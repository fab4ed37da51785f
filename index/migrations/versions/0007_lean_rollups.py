"""The lean roll-ups: per brand (and all brands) × day / hour × estimated date, the count per facet value.

Why: the brand-set roll-ups hold one row per combination of brand set, platform, label, category and language,
which at thousands of mentions a day is nearly a row per mention, so a 30-day facet still read tens of
thousands of rows. These hold one row per value of each field (see index.rollups), so the dashboard's facets,
trends and the volume rules' dated-only counts read a few hundred. Existing mentions are counted here, once.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""

from alembic import op

from index.sqlite_write import backfill_lean

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table, unit in (("rollup_brand_hours", "hour"), ("rollup_brand_days", "day")):
        op.execute(
            f"""
            CREATE TABLE {table} (
                brand TEXT NOT NULL,  -- '' counts every mention once
                {unit} INTEGER NOT NULL,  -- epoch milliseconds // length of the unit (UTC)
                estimated INTEGER NOT NULL,  -- mentions.date_estimated
                field TEXT NOT NULL,  -- index.rollups.LEAN_FIELDS
                value TEXT NOT NULL,
                n INTEGER NOT NULL,
                PRIMARY KEY (brand, {unit}, estimated, field, value)
            ) WITHOUT ROWID
            """
        )
    backfill_lean(op.get_bind())


def downgrade() -> None:
    for table in ("rollup_brand_days", "rollup_brand_hours"):
        op.execute(f"DROP TABLE {table}")
