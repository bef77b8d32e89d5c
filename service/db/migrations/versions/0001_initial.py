"""The tables as the code before Alembic created them: feedback, rate limits and the translator workbench.

Revision ID: 0001
Revises:
Create Date: 2026-11-30

A database made by that code is not run through this revision but stamped at it
(service/db/legacy.py): the statements here create the same tables, column for column.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | tuple[str, ...] | None = None
depends_on: str | tuple[str, ...] | None = None


def _now() -> sa.ColumnElement:
    """The server default of the timestamp columns: ISO 8601 text in UTC, in the dialect's own SQL."""
    if op.get_context().dialect.name == "postgresql":
        return sa.literal_column("to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')")
    return sa.literal_column("strftime('%Y-%m-%dT%H:%M:%SZ', 'now')")


def upgrade() -> None:
    """Create the five tables and their indexes."""
    op.create_table(
        "feedback",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("created", sa.Text, nullable=False, server_default=_now()),
        sa.Column("locale", sa.Text, nullable=False),
        sa.Column("page", sa.Text, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("email", sa.Text, nullable=False),
        sa.Column("message", sa.Text, nullable=False),
    )
    op.create_table(
        "rate_events",
        sa.Column("bucket", sa.Text, nullable=False),
        # PostgreSQL's REAL has 4 bytes, too coarse for epoch seconds; SQLite's has 8.
        sa.Column("at", sa.REAL().with_variant(postgresql.DOUBLE_PRECISION(), "postgresql"), nullable=False),
    )
    op.create_index("rate_events_bucket", "rate_events", ["bucket", "at"])
    op.create_table(
        "wb_users",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("username", sa.Text, nullable=False, unique=True),
        sa.Column("password", sa.Text, nullable=False),
        sa.Column("role", sa.Text, sa.CheckConstraint("role IN ('admin', 'translator')"), nullable=False),
        sa.Column("locales", sa.Text, nullable=False, server_default=""),
        sa.Column("created", sa.Text, nullable=False, server_default=_now()),
    )
    op.create_table(
        "wb_audit",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", sa.Text, nullable=False, server_default=_now()),
        sa.Column("username", sa.Text, nullable=False),
        sa.Column("locale", sa.Text, nullable=False),
        sa.Column("action", sa.Text, nullable=False),
        sa.Column("msgid", sa.Text, nullable=False),
        sa.Column("old", sa.Text, nullable=False),
        sa.Column("new", sa.Text, nullable=False),
        sa.Column("old_flags", sa.Text, nullable=False, server_default=""),
        sa.Column("new_flags", sa.Text, nullable=False, server_default=""),
    )
    op.create_index("wb_audit_locale", "wb_audit", ["locale", "msgid"])
    op.create_table(
        "wb_suggestions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("created", sa.Text, nullable=False, server_default=_now()),
        sa.Column("locale", sa.Text, nullable=False),
        sa.Column("slug", sa.Text, nullable=False),
        sa.Column("block_id", sa.Text, nullable=False),
        sa.Column("msgid", sa.Text, nullable=False),
        sa.Column("shown", sa.Text, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("state", sa.Text, sa.CheckConstraint("state IN ('open', 'done', 'dismissed')"), nullable=False,
                  server_default="open"),
        sa.Column("handled_by", sa.Text),
        sa.Column("handled_at", sa.Text),
    )
    op.create_index("wb_suggestions_queue", "wb_suggestions", ["locale", "state", "msgid"])


def downgrade() -> None:
    """Drop the five tables (and with them every row)."""
    for name in ("wb_suggestions", "wb_audit", "wb_users", "rate_events", "feedback"):
        op.drop_table(name)
