"""The complaint process: the full record, SLA clock, users and roles, comments, audit log, notifications,
export approvals. The two audit tables are made append-only in the database itself.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

from foundation.db import JSONType, UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

APPEND_ONLY = ("ticket_events", "audit_log")


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(64), nullable=False, unique=True),
        sa.Column("display_name", sa.String(100), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("level", sa.String(16), nullable=False),
        sa.Column("departments", JSONType, nullable=False),
        sa.Column("brands", JSONType, nullable=False),
        sa.Column("permissions", JSONType, nullable=False),
        sa.Column("key_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
    )
    epoch = sa.text("'1970-01-01 00:00:00'")
    with op.batch_alter_table("tickets") as batch:
        for column in (
            sa.Column("customer_name", sa.String(100)),
            sa.Column("customer_gender", sa.String(16), nullable=False, server_default="unknown"),
            sa.Column("customer_nickname", sa.String(100)),
            sa.Column("customer_phone", sa.String(32)),
            sa.Column("customer_email", sa.String(200)),
            sa.Column("customer_type", sa.String(16), nullable=False, server_default="new"),
            sa.Column("category", sa.String(32), nullable=False, server_default="other"),
            sa.Column("category_confidence", sa.Float, nullable=False, server_default="0"),
            sa.Column("classification", JSONType),
            sa.Column("needs_confirmation", sa.Boolean, nullable=False, server_default=sa.false()),
            sa.Column("occurred_at", UTCDateTime),
            sa.Column("product", sa.String(200)),
            sa.Column("department", sa.String(100)),
            sa.Column("assignee_id", sa.Integer, sa.ForeignKey("users.id", name="fk_tickets_assignee_id_users")),
            sa.Column("received_at", UTCDateTime, nullable=False, server_default=epoch),
            sa.Column("actions_taken", sa.Text),
            sa.Column("remarks", sa.Text),
            sa.Column("improvement_suggestion", sa.Text),
            sa.Column("respond_due_at", UTCDateTime),
            sa.Column("mobilise_due_at", UTCDateTime),
            sa.Column("resolve_due_at", UTCDateTime),
            sa.Column("clock_started_at", UTCDateTime, nullable=False, server_default=epoch),
            sa.Column("responded_at", UTCDateTime),
            sa.Column("completed_at", UTCDateTime),
            sa.Column("closed_at", UTCDateTime),
            sa.Column("paused_since", UTCDateTime),
            sa.Column("paused_seconds", sa.Float, nullable=False, server_default="0"),
            sa.Column("escalation_level", sa.Integer, nullable=False, server_default="0"),
            sa.Column("escalated_at", UTCDateTime),
            sa.Column("warned_at", UTCDateTime),
            sa.Column("satisfaction", sa.String(32)),
            sa.Column("revisit_due_at", UTCDateTime),
            sa.Column("revisited_at", UTCDateTime),
            sa.Column("round", sa.Integer, nullable=False, server_default="1"),
            sa.Column(
                "merged_into_id", sa.Integer, sa.ForeignKey("tickets.id", name="fk_tickets_merged_into_id_tickets")
            ),
            sa.Column("verification_code", sa.String(16), nullable=False, server_default=""),
        ):
            batch.add_column(column)
        batch.create_index("ix_tickets_department_status", ["department", "status"])
        batch.create_index("ix_tickets_assignee_status", ["assignee_id", "status"])
    # Tickets opened before this revision were received when they were created.
    op.execute("UPDATE tickets SET received_at = created_at, clock_started_at = created_at")
    with op.batch_alter_table("ticket_mentions") as batch:
        batch.add_column(sa.Column("thread_key", sa.String(600)))
        batch.create_index("ix_ticket_mentions_thread_key", ["thread_key"])
    op.create_table(
        "ticket_comments",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("ticket_id", sa.Integer, sa.ForeignKey("tickets.id", ondelete="CASCADE"), nullable=False),
        sa.Column("at", UTCDateTime, nullable=False),
        sa.Column("author", sa.String(100), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
    )
    op.create_index("ix_ticket_comments_ticket_id", "ticket_comments", ["ticket_id"])
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", UTCDateTime, nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("object_type", sa.String(32), nullable=False),
        sa.Column("object_id", sa.String(64)),
        sa.Column("details", JSONType, nullable=False),
    )
    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", UTCDateTime, nullable=False),
        sa.Column("ticket_id", sa.Integer, sa.ForeignKey("tickets.id")),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("department", sa.String(100)),
        sa.Column("level", sa.String(16)),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id")),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("sent_at", UTCDateTime),
    )
    op.create_index("ix_notifications_ticket_id", "notifications", ["ticket_id"])
    op.create_table(
        "export_requests",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("requested_by", sa.String(100), nullable=False),
        sa.Column("requested_at", UTCDateTime, nullable=False),
        sa.Column("format", sa.String(8), nullable=False),
        sa.Column("filters", JSONType, nullable=False),
        sa.Column("unmask", sa.Boolean, nullable=False),
        sa.Column("row_count", sa.Integer, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("decided_by", sa.String(100)),
        sa.Column("decided_at", UTCDateTime),
    )
    op.create_table(
        "assignment_cursors",
        sa.Column("department", sa.String(100), primary_key=True),
        sa.Column("last_user_id", sa.Integer, nullable=False),
    )
    _append_only(op.get_bind().dialect.name)


def _append_only(dialect: str) -> None:
    # History must not be rewritten, even by a bug or a hand-written UPDATE: the database refuses.
    if dialect == "postgresql":
        op.execute(
            "CREATE OR REPLACE FUNCTION yuqing_append_only() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END $$"
        )
        for table in APPEND_ONLY:
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION yuqing_append_only()"
            )
    elif dialect == "sqlite":
        for table in APPEND_ONLY:
            for event in ("UPDATE", "DELETE"):
                op.execute(
                    f"CREATE TRIGGER {table}_no_{event.lower()} BEFORE {event} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
                )


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for table in APPEND_ONLY:
        if dialect == "postgresql":
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
        elif dialect == "sqlite":
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_update")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete")
    if dialect == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS yuqing_append_only()")
    for table in ("assignment_cursors", "export_requests", "notifications", "audit_log", "ticket_comments"):
        op.drop_table(table)
    with op.batch_alter_table("ticket_mentions") as batch:
        batch.drop_index("ix_ticket_mentions_thread_key")
        batch.drop_column("thread_key")
    with op.batch_alter_table("tickets") as batch:
        batch.drop_index("ix_tickets_assignee_status")
        batch.drop_index("ix_tickets_department_status")
        for name in (
            "verification_code",
            "merged_into_id",
            "round",
            "revisited_at",
            "revisit_due_at",
            "satisfaction",
            "warned_at",
            "escalated_at",
            "escalation_level",
            "paused_seconds",
            "paused_since",
            "closed_at",
            "completed_at",
            "responded_at",
            "clock_started_at",
            "resolve_due_at",
            "mobilise_due_at",
            "respond_due_at",
            "improvement_suggestion",
            "remarks",
            "actions_taken",
            "received_at",
            "assignee_id",
            "department",
            "product",
            "occurred_at",
            "needs_confirmation",
            "classification",
            "category_confidence",
            "category",
            "customer_type",
            "customer_email",
            "customer_phone",
            "customer_nickname",
            "customer_gender",
            "customer_name",
        ):
            batch.drop_column(name)
    op.drop_table("users")
