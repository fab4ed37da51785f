"""Generated reports: daily, weekly and monthly complaint reports kept with their XLSX and PDF files.

The files live in the database, not on a disk, because the API (which lists and serves them) and the worker
(which generates them on its schedule) may run in different containers that share only the database.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

from foundation.db import JSONType, UTCDateTime

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reports",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("period", sa.String(16), nullable=False),
        sa.Column("brand", sa.String(100), nullable=False),  # '' for the report over every brand
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("summary", JSONType, nullable=False),
        sa.Column("figures", JSONType, nullable=False),
        sa.Column("xlsx", sa.LargeBinary, nullable=False),
        sa.Column("pdf", sa.LargeBinary, nullable=False),
        sa.Column("pushed_to", JSONType, nullable=False),
        sa.UniqueConstraint("kind", "period", "brand", name="uq_reports_kind_period_brand"),
    )
    op.create_index("ix_reports_created_at", "reports", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_reports_created_at", "reports")
    op.drop_table("reports")
