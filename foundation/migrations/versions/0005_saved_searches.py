"""Saved searches; what the alerts API shows (rule type, brand, summary, ticket id); mention exports.

Every new column is nullable or has a server default, so rows written before this revision stay readable:
the API falls back to the config for the rule type and to the key for the brand.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

from foundation.db import JSONType, UTCDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "saved_searches",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("owner", sa.String(100), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("query", sa.Text, nullable=False),
        sa.Column("filters", JSONType, nullable=False),
        sa.Column("shared", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.UniqueConstraint("owner", "name", name="uq_saved_searches_owner_name"),
    )
    op.create_index("ix_saved_searches_shared_name", "saved_searches", ["shared", "name"])
    with op.batch_alter_table("alert_states") as batch:
        batch.add_column(sa.Column("rule_type", sa.String(64)))
        batch.add_column(sa.Column("brand", sa.String(100)))
        batch.add_column(sa.Column("summary", sa.Text))
    with op.batch_alter_table("alert_events") as batch:
        batch.add_column(sa.Column("rule_type", sa.String(64)))
        batch.add_column(sa.Column("brand", sa.String(100)))
        batch.add_column(sa.Column("ticket_id", sa.Integer))
        batch.create_index("ix_alert_events_incident", ["incident"])
        batch.create_index("ix_alert_events_at", ["at"])
    with op.batch_alter_table("export_requests") as batch:
        batch.add_column(sa.Column("kind", sa.String(16), nullable=False, server_default="tickets"))


def downgrade() -> None:
    with op.batch_alter_table("export_requests") as batch:
        batch.drop_column("kind")
    with op.batch_alter_table("alert_events") as batch:
        batch.drop_index("ix_alert_events_at")
        batch.drop_index("ix_alert_events_incident")
        for name in ("ticket_id", "brand", "rule_type"):
            batch.drop_column(name)
    with op.batch_alter_table("alert_states") as batch:
        for name in ("summary", "brand", "rule_type"):
            batch.drop_column(name)
    op.drop_index("ix_saved_searches_shared_name", "saved_searches")
    op.drop_table("saved_searches")
