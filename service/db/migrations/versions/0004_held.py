"""Messages held past the forms' soft cap: feedback and suggestions gain ``held``.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06

Past the hourly soft cap of all visitors' messages, a message is stored and marked held instead of
refused (service/intake.py): one actor can no longer close a form for everyone.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | tuple[str, ...] | None = None
depends_on: str | tuple[str, ...] | None = None

TABLES = ("feedback", "wb_suggestions")


def upgrade() -> None:
    """Add ``held`` (0 for every message stored so far)."""
    for table in TABLES:
        op.add_column(table, sa.Column("held", sa.Integer, nullable=False, server_default=sa.text("0")))


def downgrade() -> None:
    """Drop ``held`` (held messages stay, as ordinary ones)."""
    for table in TABLES:
        with op.batch_alter_table(table, table_args=table_args(table)) as batch:
            batch.drop_column("held")


def table_args(table: str) -> tuple[sa.CheckConstraint, ...]:
    """wb_suggestions' unnamed rule on its states, which SQLite's table rebuild would otherwise drop."""
    # A new object each time: a constraint belongs to the one table it was given to.
    return (sa.CheckConstraint("state IN ('open', 'done', 'dismissed')"),) if table == "wb_suggestions" else ()
