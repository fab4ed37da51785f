"""Rowids in publication order, and the roll-up tables kept at ingest (see index.rollups).

Why: newest-first search and time ranges become rowid order and rowid ranges, which FTS5 and the mentions
table walk without sorting; facets, trends and word lists read the roll-ups instead of every mention.
Existing mentions are re-keyed, segmented again (jieba-rs, see index.text) and counted here, once.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03
"""

from alembic import op

from index.sqlite_write import backfill_rollups, rekey_rowids

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Keys start with the brand set: a brand's counts over a range are one contiguous read per set.
    op.execute("CREATE TABLE rollup_brandsets (set_id INTEGER PRIMARY KEY, brands TEXT NOT NULL UNIQUE)")
    for table, unit in (("rollup_hours", "hour"), ("rollup_days", "day")):
        op.execute(
            f"""
            CREATE TABLE {table} (
                {unit} INTEGER NOT NULL,  -- epoch milliseconds // length of the unit (UTC)
                set_id INTEGER NOT NULL,
                platform TEXT NOT NULL,
                sentiment_label TEXT NOT NULL,
                category TEXT NOT NULL,  -- '' when the mention has none
                language TEXT NOT NULL,
                n INTEGER NOT NULL,
                PRIMARY KEY (set_id, {unit}, platform, sentiment_label, category, language)
            ) WITHOUT ROWID
            """
        )
    op.execute(
        """
        CREATE TABLE rollup_words (
            day INTEGER NOT NULL,
            set_id INTEGER NOT NULL,
            word TEXT NOT NULL,
            n INTEGER NOT NULL,
            PRIMARY KEY (set_id, day, word)
        ) WITHOUT ROWID
        """
    )
    conn = op.get_bind()
    rekey_rowids(conn)
    backfill_rollups(conn)


def downgrade() -> None:
    for table in ("rollup_words", "rollup_days", "rollup_hours", "rollup_brandsets"):
        op.execute(f"DROP TABLE {table}")
