"""Each day's top words per brand (index.sqlite_words): long ranges read a few hundred words a day instead of the
whole vocabulary of rollup_words. The lists are derived from rollup_words and rebuilt when a day's version
(bumped by every write that changes its word counts) moves on; they are built here once for every stored day.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03
"""

from alembic import op

from index.sqlite_words import all_brands, build_day, write_days

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE TABLE rollup_word_days (day INTEGER PRIMARY KEY, version INTEGER NOT NULL)")
    op.execute("CREATE TABLE rollup_word_top_days (day INTEGER PRIMARY KEY, version INTEGER NOT NULL)")
    op.execute(
        """
        CREATE TABLE rollup_word_tops (
            brand TEXT NOT NULL,  -- '' counts every mention once
            day INTEGER NOT NULL,  -- epoch milliseconds // 86,400,000 (UTC)
            word TEXT NOT NULL,
            n INTEGER NOT NULL,
            PRIMARY KEY (brand, day, word)
        ) WITHOUT ROWID
        """
    )
    op.execute(
        """
        CREATE TABLE rollup_word_cuts (
            brand TEXT NOT NULL,
            day INTEGER NOT NULL,
            cut INTEGER NOT NULL,  -- the count of the most frequent word left out of the day's list
            PRIMARY KEY (brand, day)
        ) WITHOUT ROWID
        """
    )
    conn = op.get_bind()
    sets = {int(i): str(k) for i, k in conn.exec_driver_sql("SELECT set_id, brands FROM rollup_brandsets")}
    # Per set, its days (the key's prefix), not one scan of every word row.
    days: set[int] = set()
    for set_id in sets:
        days.update(
            int(d) for (d,) in conn.exec_driver_sql("SELECT DISTINCT day FROM rollup_words WHERE set_id = ?", (set_id,))
        )
    if days:
        conn.exec_driver_sql("INSERT INTO rollup_word_days VALUES (?, 1)", [(d,) for d in sorted(days)])
    brands = all_brands(conn)
    for day in sorted(days):
        write_days(conn, [build_day(conn, day, 1, sets)], brands)


def downgrade() -> None:
    for table in ("rollup_word_cuts", "rollup_word_tops", "rollup_word_top_days", "rollup_word_days"):
        op.execute(f"DROP TABLE {table}")
