"""Mentions, their brands and the FTS5 index over segmented text.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE mentions (
            rowid INTEGER PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            platform TEXT NOT NULL,
            post_id TEXT NOT NULL,
            source TEXT NOT NULL,
            url TEXT,
            author TEXT,
            title TEXT,
            text TEXT NOT NULL,
            published_at INTEGER NOT NULL,  -- epoch milliseconds, UTC
            collected_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL,
            language TEXT NOT NULL,
            rating REAL,
            likes INTEGER,
            reposts INTEGER,
            comments INTEGER,
            parent_id TEXT,
            sentiment_score REAL,
            sentiment_label TEXT NOT NULL,
            matched_keywords TEXT NOT NULL,  -- JSON list
            extra TEXT NOT NULL,  -- JSON object
            content_hash TEXT NOT NULL
        )
        """
    )
    op.execute("CREATE INDEX ix_mentions_published ON mentions (published_at, id)")
    op.execute("CREATE INDEX ix_mentions_platform_published ON mentions (platform, published_at)")
    op.execute("CREATE INDEX ix_mentions_source ON mentions (source)")
    op.execute(
        """
        CREATE TABLE mention_brands (
            brand TEXT NOT NULL,
            mention_rowid INTEGER NOT NULL REFERENCES mentions (rowid) ON DELETE CASCADE,
            published_at INTEGER NOT NULL,
            PRIMARY KEY (brand, published_at, mention_rowid)
        ) WITHOUT ROWID
        """
    )
    op.execute("CREATE INDEX ix_mention_brands_rowid ON mention_brands (mention_rowid)")
    op.execute(
        "CREATE VIRTUAL TABLE mentions_fts USING fts5(title_seg, text_seg, text_sub, "
        "tokenize = 'unicode61 remove_diacritics 2')"
    )


def downgrade() -> None:
    op.execute("DROP TABLE mentions_fts")
    op.execute("DROP TABLE mention_brands")
    op.execute("DROP TABLE mentions")
