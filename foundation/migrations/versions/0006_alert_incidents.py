"""Alert incidents: when an open incident last notified someone, and since when its condition is clear.

Both columns are nullable: an incident open before this revision counts as last notified when it fired, and
as not clearing.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

from foundation.db import UTCDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("alert_states") as batch:
        batch.add_column(sa.Column("last_notified_at", UTCDateTime))
        batch.add_column(sa.Column("clear_since", UTCDateTime))


def downgrade() -> None:
    with op.batch_alter_table("alert_states") as batch:
        batch.drop_column("clear_since")
        batch.drop_column("last_notified_at")
