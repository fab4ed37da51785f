"""Delivery of notifications to channels (an outbox with retries), and the event rules' cursor.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

from foundation.db import JSONType, UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("notifications") as batch:
        batch.add_column(sa.Column("channel", sa.String(64)))
        batch.add_column(sa.Column("payload", JSONType))
        batch.add_column(sa.Column("last_error", sa.Text))
        batch.add_column(sa.Column("next_attempt_at", UTCDateTime))
        batch.create_index("ix_notifications_status_next", ["status", "next_attempt_at"])
    with op.batch_alter_table("alert_rule_health") as batch:
        batch.add_column(sa.Column("cursor", UTCDateTime))


def downgrade() -> None:
    with op.batch_alter_table("alert_rule_health") as batch:
        batch.drop_column("cursor")
    with op.batch_alter_table("notifications") as batch:
        batch.drop_index("ix_notifications_status_next")
        for name in ("next_attempt_at", "last_error", "payload", "channel"):
            batch.drop_column(name)
