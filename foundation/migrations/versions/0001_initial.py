"""Tickets, alert state and source runs.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

from foundation.db import JSONType, UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tickets",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("number", sa.String(32), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("brand", sa.String(100)),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("priority", sa.String(32), nullable=False),
        sa.Column("origin", sa.String(16), nullable=False),
        sa.Column("alert_rule", sa.String(64)),
        sa.Column("alert_key", sa.String(200)),
        sa.Column("alert_data", JSONType),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.UniqueConstraint("number", name="uq_tickets_number"),
    )
    op.create_index("ix_tickets_status_created", "tickets", ["status", "created_at"])
    op.create_index("ix_tickets_brand_created", "tickets", ["brand", "created_at"])
    op.create_index("ix_tickets_alert", "tickets", ["alert_rule", "alert_key"])
    op.create_table(
        "ticket_mentions",
        sa.Column("ticket_id", sa.Integer, sa.ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("mention_id", sa.String(64), primary_key=True),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("platform", sa.String(64), nullable=False),
        sa.Column("url", sa.Text),
        sa.Column("title", sa.Text),
        sa.Column("excerpt", sa.Text, nullable=False),
        sa.Column("author", sa.String(200)),
        sa.Column("published_at", UTCDateTime, nullable=False),
        sa.Column("sentiment_score", sa.Float),
        sa.Column("sentiment_label", sa.String(16), nullable=False),
    )
    op.create_table(
        "ticket_events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("ticket_id", sa.Integer, sa.ForeignKey("tickets.id", ondelete="CASCADE"), nullable=False),
        sa.Column("at", UTCDateTime, nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("changes", JSONType, nullable=False),
    )
    op.create_index("ix_ticket_events_ticket_id", "ticket_events", ["ticket_id"])
    op.create_table(
        "ticket_sequences",
        sa.Column("period", sa.String(16), primary_key=True),
        sa.Column("last_value", sa.Integer, nullable=False),
    )
    op.create_table(
        "idempotency_keys",
        sa.Column("key", sa.String(255), primary_key=True),
        sa.Column("request_hash", sa.String(64), nullable=False),
        sa.Column("ticket_id", sa.Integer, sa.ForeignKey("tickets.id", ondelete="CASCADE"), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
    )
    op.create_table(
        "alert_states",
        sa.Column("rule", sa.String(64), primary_key=True),
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("since", UTCDateTime),
        sa.Column("incident", sa.String(64)),
        sa.Column("ticket_number", sa.String(32)),
        sa.Column("ticket_id", sa.Integer),
        sa.Column("last_evaluated_at", UTCDateTime),
        sa.Column("last_fired_at", UTCDateTime),
        sa.Column("last_resolved_at", UTCDateTime),
        sa.Column("numbers", JSONType),
        sa.Column("ticket_request", JSONType),
    )
    op.create_table(
        "alert_events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("rule", sa.String(64), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("at", UTCDateTime, nullable=False),
        sa.Column("window_start", UTCDateTime),
        sa.Column("window_end", UTCDateTime),
        sa.Column("numbers", JSONType),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("mention_ids", JSONType),
        sa.Column("incident", sa.String(64)),
        sa.Column("ticket_number", sa.String(32)),
    )
    op.create_index("ix_alert_events_rule_at", "alert_events", ["rule", "at"])
    op.create_table(
        "alert_rule_health",
        sa.Column("rule", sa.String(64), primary_key=True),
        sa.Column("consecutive_errors", sa.Integer, nullable=False),
        sa.Column("last_error", sa.Text),
        sa.Column("last_error_at", UTCDateTime),
        sa.Column("paused_until", UTCDateTime),
        sa.Column("last_ok_at", UTCDateTime),
    )
    op.create_table(
        "source_runs",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("started_at", UTCDateTime, nullable=False),
        sa.Column("finished_at", UTCDateTime),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("finish_reason", sa.String(64)),
        sa.Column("pages", sa.Integer, nullable=False),
        sa.Column("items_scraped", sa.Integer, nullable=False),
        sa.Column("items_matched", sa.Integer, nullable=False),
        sa.Column("created", sa.Integer, nullable=False),
        sa.Column("updated", sa.Integer, nullable=False),
        sa.Column("unchanged", sa.Integer, nullable=False),
        sa.Column("dropped", JSONType, nullable=False),
        sa.Column("parse_errors", sa.Integer, nullable=False),
        sa.Column("store_errors", sa.Integer, nullable=False),
        sa.Column("http_errors", JSONType, nullable=False),
        sa.Column("robots_blocked", sa.Integer, nullable=False),
        sa.Column("brands", JSONType, nullable=False),
        sa.Column("error", sa.Text),
    )
    op.create_index("ix_source_runs_source_started", "source_runs", ["source", "started_at"])


def downgrade() -> None:
    for table in (
        "source_runs",
        "alert_rule_health",
        "alert_events",
        "alert_states",
        "idempotency_keys",
        "ticket_sequences",
        "ticket_events",
        "ticket_mentions",
        "tickets",
    ):
        op.drop_table(table)
