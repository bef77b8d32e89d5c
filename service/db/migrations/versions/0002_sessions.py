"""Server-side workbench sessions, catalog save intents, and rate-limit rows that expire.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-07

wb_sessions: a row per signed-in session, so logout, a new password, a role change or the
removal of an account end every session at once. wb_intents: a catalog save records the .po it
is about to write and its audit rows before the rename; start-up completes (the file is in place:
the audit rows are written) or rolls back (it is not: the intent goes) what a killed process left.
rate_events.expires: when a counted attempt leaves its window and goes.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | tuple[str, ...] | None = None
depends_on: str | tuple[str, ...] | None = None


def _epoch() -> sa.types.TypeEngine:
    """Seconds since the epoch: 8 bytes in both dialects."""
    return sa.REAL().with_variant(postgresql.DOUBLE_PRECISION(), "postgresql")


def _now() -> sa.ColumnElement:
    """The server default of the timestamp columns: ISO 8601 text in UTC, in the dialect's own SQL."""
    if op.get_context().dialect.name == "postgresql":
        return sa.literal_column("to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')")
    return sa.literal_column("strftime('%Y-%m-%dT%H:%M:%SZ', 'now')")


def upgrade() -> None:
    """Create wb_sessions and wb_intents; give rate_events an expiry."""
    op.create_table(
        "wb_sessions",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("user_id", sa.Integer, nullable=False),
        sa.Column("created", _epoch(), nullable=False),
        sa.Column("seen", _epoch(), nullable=False),
    )
    op.create_index("wb_sessions_user", "wb_sessions", ["user_id"])
    op.create_table(
        "wb_intents",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("created", sa.Text, nullable=False, server_default=_now()),
        sa.Column("locale", sa.Text, nullable=False),
        sa.Column("domain", sa.Text, nullable=False),
        sa.Column("po_sha256", sa.Text, nullable=False),
        sa.Column("changes", sa.Text, nullable=False),
    )
    op.add_column("rate_events", sa.Column("expires", _epoch()))
    op.create_index("rate_events_expires", "rate_events", ["expires"])


def downgrade() -> None:
    """Drop what upgrade made (open sessions and intents go with it)."""
    op.drop_index("rate_events_expires", "rate_events")
    with op.batch_alter_table("rate_events") as batch:
        batch.drop_column("expires")
    op.drop_table("wb_intents")
    op.drop_index("wb_sessions_user", "wb_sessions")
    op.drop_table("wb_sessions")
