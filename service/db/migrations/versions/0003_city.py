"""The city's operation: a feedback inbox, the accessibility role, removed accounts kept for a while, a mail outbox.

Revision ID: 0003
Revises: 0001
Create Date: 2026-11-30

feedback gains its handling (state, note, who, when); wb_users the role 'accessibility' and
removed_at (accounts are removed softly, then purged after the retention period); mail_outbox
holds notifications until they are delivered; maintenance records when the purge last ran.
"""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | tuple[str, ...] | None = None
depends_on: str | tuple[str, ...] | None = None

NEW_ROLES = "role IN ('admin', 'translator', 'accessibility')"
OLD_ROLES = "role IN ('admin', 'translator')"


def _now() -> sa.ColumnElement:
    """The server default of the timestamp columns: ISO 8601 text in UTC, in the dialect's own SQL."""
    if op.get_context().dialect.name == "postgresql":
        return sa.literal_column("to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')")
    return sa.literal_column("strftime('%Y-%m-%dT%H:%M:%SZ', 'now')")


def _users(check: str, removed_at: bool) -> sa.Table:
    """wb_users as SQLite's copy-and-move rebuilds it: every column of 0001, its CHECK named (and removed_at)."""
    columns: list[sa.Column[Any]] = [
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("username", sa.Text, nullable=False, unique=True),
        sa.Column("password", sa.Text, nullable=False),
        sa.Column("role", sa.Text, sa.CheckConstraint(check, name="wb_users_role"), nullable=False),
        sa.Column("locales", sa.Text, nullable=False, server_default=sa.text("''")),
        sa.Column("created", sa.Text, nullable=False, server_default=_now()),
    ]
    if removed_at:
        columns.append(sa.Column("removed_at", sa.Text))
    return sa.Table("wb_users", sa.MetaData(), *columns)


def _set_roles(check: str, with_removed_at: bool) -> None:
    """Replace the role CHECK (unnamed in 0001): SQLite rebuilds the table, PostgreSQL swaps the constraint."""
    if op.get_context().dialect.name == "sqlite":
        # copy_from: the table as it is, so the old unnamed CHECK is not carried over by reflection.
        with op.batch_alter_table("wb_users", recreate="always", copy_from=_users(check, with_removed_at)):
            pass
        return
    op.execute("ALTER TABLE wb_users DROP CONSTRAINT IF EXISTS wb_users_role_check")
    op.execute("ALTER TABLE wb_users DROP CONSTRAINT IF EXISTS wb_users_role")
    op.create_check_constraint("wb_users_role", "wb_users", check)


def upgrade() -> None:
    """Add the inbox columns, the role and removed_at, the outbox and the maintenance marker."""
    op.add_column("feedback", sa.Column("state", sa.Text, nullable=False, server_default="open"))
    op.add_column("feedback", sa.Column("note", sa.Text, nullable=False, server_default=sa.text("''")))
    op.add_column("feedback", sa.Column("handled_by", sa.Text))
    op.add_column("feedback", sa.Column("handled_at", sa.Text))
    op.create_index("feedback_state", "feedback", ["state", "created"])
    op.add_column("wb_users", sa.Column("removed_at", sa.Text))
    _set_roles(NEW_ROLES, with_removed_at=True)
    op.create_table(
        "mail_outbox",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("created", sa.Text, nullable=False, server_default=_now()),
        sa.Column("topic", sa.Text, nullable=False),
        sa.Column("ref_id", sa.Integer, nullable=False),
        sa.Column("recipients", sa.Text, nullable=False),
        sa.Column("subject", sa.Text, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("reply_to", sa.Text, nullable=False, server_default=sa.text("''")),
        sa.Column("attempts", sa.Integer, nullable=False, server_default=sa.text("0")),
        sa.Column("next_attempt", sa.Text, nullable=False),
        sa.Column("last_error", sa.Text, nullable=False, server_default=sa.text("''")),
        sa.Column("sent_at", sa.Text),
    )
    op.create_index("mail_outbox_due", "mail_outbox", ["sent_at", "next_attempt"])
    op.create_table(
        "maintenance",
        sa.Column("name", sa.Text, primary_key=True),
        sa.Column("last_run", sa.Text, nullable=False),
    )


def downgrade() -> None:
    """Back to 0001: removed accounts and accessibility accounts are deleted first (0001 knows neither)."""
    op.drop_table("maintenance")
    op.drop_index("mail_outbox_due", "mail_outbox")
    op.drop_table("mail_outbox")
    op.execute("DELETE FROM wb_users WHERE removed_at IS NOT NULL OR role = 'accessibility'")
    if op.get_context().dialect.name == "sqlite":
        _set_roles(OLD_ROLES, with_removed_at=False)
    else:
        op.drop_column("wb_users", "removed_at")
        _set_roles(OLD_ROLES, with_removed_at=False)
    op.drop_index("feedback_state", "feedback")
    for column in ("handled_at", "handled_by", "note", "state"):
        op.drop_column("feedback", column)
