"""Incremental crawling cursors; shape errors, saved samples and a longer status on source runs.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

from foundation.db import JSONType, UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "source_cursors",
        sa.Column("source", sa.String(64), primary_key=True),
        sa.Column("key", sa.String(500), primary_key=True),
        sa.Column("high_water", UTCDateTime),
        sa.Column("state", JSONType, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
    )
    with op.batch_alter_table("source_runs") as batch:
        # "needs_credentials" does not fit the 16 characters of 0001.
        batch.alter_column("status", type_=sa.String(32), existing_type=sa.String(16), existing_nullable=False)
        batch.add_column(sa.Column("shape_errors", sa.Integer, nullable=False, server_default="0"))
        batch.add_column(sa.Column("samples", JSONType, nullable=False, server_default="[]"))


def downgrade() -> None:
    with op.batch_alter_table("source_runs") as batch:
        batch.drop_column("samples")
        batch.drop_column("shape_errors")
        batch.alter_column("status", type_=sa.String(16), existing_type=sa.String(32), existing_nullable=False)
    op.drop_table("source_cursors")
