"""Comments per entry, and the translators' daily digest: wb_comments, wb_digest, wb_users' mail settings.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06

wb_comments holds the notes translators and the city's editors leave on an entry (open until one
resolves it); wb_digest remembers, per locale, which entries were untranslated or outdated when the
last digest went out, so the next one tells only what is new since; wb_users gains the address a
digest goes to (NULL: the user name, when it is one), whether it goes at all and in which language.
"""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | tuple[str, ...] | None = None
depends_on: str | tuple[str, ...] | None = None

COMMENT_STATES = "state IN ('open', 'resolved')"


def _now() -> sa.ColumnElement:
    """The server default of the timestamp columns: ISO 8601 text in UTC, in the dialect's own SQL."""
    if op.get_context().dialect.name == "postgresql":
        return sa.literal_column("to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')")
    return sa.literal_column("strftime('%Y-%m-%dT%H:%M:%SZ', 'now')")


def upgrade() -> None:
    """Add wb_comments, wb_digest and wb_users.email, .digest and .mail_locale (every account keeps its rows)."""
    op.create_table(
        "wb_comments",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("created", sa.Text, nullable=False, server_default=_now()),
        sa.Column("locale", sa.Text, nullable=False),
        sa.Column("entry", sa.Text, nullable=False),
        sa.Column("msgid", sa.Text, nullable=False),
        sa.Column("username", sa.Text, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("state", sa.Text, sa.CheckConstraint(COMMENT_STATES, name="wb_comments_state"), nullable=False,
                  server_default="open"),
        sa.Column("resolved_by", sa.Text),
        sa.Column("resolved_at", sa.Text),
    )
    op.create_index("wb_comments_entry", "wb_comments", ["locale", "entry"])
    op.create_index("wb_comments_queue", "wb_comments", ["locale", "state", "created"])
    op.create_table(
        "wb_digest",
        sa.Column("locale", sa.Text, primary_key=True),
        sa.Column("entries", sa.Text, nullable=False),
        sa.Column("updated", sa.Text, nullable=False),
    )
    op.add_column("wb_users", sa.Column("email", sa.Text))
    op.add_column("wb_users", sa.Column("digest", sa.Integer, nullable=False, server_default=sa.text("1")))
    op.add_column("wb_users", sa.Column("mail_locale", sa.Text))


def _users_0005() -> sa.Table:
    """wb_users as 0005 left it, for SQLite's copy-and-move (its named CHECK written out, not reflected)."""
    columns: list[sa.Column[Any]] = [
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("username", sa.Text, nullable=False, unique=True),
        sa.Column("password", sa.Text, nullable=False),
        sa.Column("role", sa.Text, sa.CheckConstraint("role IN ('admin', 'translator', 'accessibility')",
                                                      name="wb_users_role"), nullable=False),
        sa.Column("locales", sa.Text, nullable=False, server_default=sa.text("''")),
        sa.Column("created", sa.Text, nullable=False, server_default=_now()),
        sa.Column("removed_at", sa.Text),
    ]
    return sa.Table("wb_users", sa.MetaData(), *columns)


def downgrade() -> None:
    """Back to 0005: comments, digest snapshots and the accounts' mail settings go."""
    if op.get_context().dialect.name == "sqlite":
        with op.batch_alter_table("wb_users", recreate="always", copy_from=_users_0005()):
            pass
    else:
        for column in ("mail_locale", "digest", "email"):
            op.drop_column("wb_users", column)
    op.drop_table("wb_digest")
    op.drop_index("wb_comments_queue", "wb_comments")
    op.drop_index("wb_comments_entry", "wb_comments")
    op.drop_table("wb_comments")
