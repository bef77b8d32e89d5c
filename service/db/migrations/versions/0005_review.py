"""Review: proposals waiting for a reviewer, comments on audit rows, uploaded suggestions, upload previews.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06

wb_pending holds a translator's text that waits for review (the .po keeps the reviewed text the
pages show); wb_audit gains a comment (a rejection says why); wb_suggestions an author (a
translator's upload in "add as suggestions" mode; NULL: a reader); wb_upload_previews keeps an
uploaded .po between its preview and the translator's confirmation.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | tuple[str, ...] | None = None
depends_on: str | tuple[str, ...] | None = None


def _now() -> sa.ColumnElement:
    """The server default of the timestamp columns: ISO 8601 text in UTC, in the dialect's own SQL."""
    if op.get_context().dialect.name == "postgresql":
        return sa.literal_column("to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')")
    return sa.literal_column("strftime('%Y-%m-%dT%H:%M:%SZ', 'now')")


def upgrade() -> None:
    """Add wb_pending, wb_upload_previews, wb_audit.comment and wb_suggestions.author."""
    op.create_table(
        "wb_pending",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("created", sa.Text, nullable=False, server_default=_now()),
        sa.Column("locale", sa.Text, nullable=False),
        sa.Column("entry", sa.Text, nullable=False),
        sa.Column("msgid", sa.Text, nullable=False),
        sa.Column("strings", sa.Text, nullable=False),
        sa.Column("base", sa.Text, nullable=False),
        sa.Column("username", sa.Text, nullable=False),
    )
    op.create_index("wb_pending_entry", "wb_pending", ["locale", "entry"], unique=True)
    op.create_table(
        "wb_upload_previews",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("created", sa.Text, nullable=False, server_default=_now()),
        sa.Column("username", sa.Text, nullable=False),
        sa.Column("locale", sa.Text, nullable=False),
        sa.Column("mode", sa.Text, nullable=False),
        sa.Column("data", sa.LargeBinary, nullable=False),
    )
    op.add_column("wb_audit", sa.Column("comment", sa.Text, nullable=False, server_default=sa.text("''")))
    op.add_column("wb_suggestions", sa.Column("author", sa.Text))


def downgrade() -> None:
    """Back to 0003: pending proposals, previews, comments and authors go."""
    # The unnamed rule on the states is given again: SQLite's table rebuild would otherwise drop it.
    states = sa.CheckConstraint("state IN ('open', 'done', 'dismissed')")
    with op.batch_alter_table("wb_suggestions", table_args=(states,)) as batch:
        batch.drop_column("author")
    with op.batch_alter_table("wb_audit") as batch:
        batch.drop_column("comment")
    op.drop_table("wb_upload_previews")
    op.drop_index("wb_pending_entry", "wb_pending")
    op.drop_table("wb_pending")
