"""Databases from before Alembic: how to recognise one, and the statements that made it (frozen history).

Until revision 0001 every subsystem ran its own ``CREATE TABLE IF NOT EXISTS`` at start. The
statements never changed once written (``git log -S`` shows each added once), but the tables came
in stages: feedback first, then rate_events, then the workbench's three. A database that missed a
later stage is completed with the same statements, exactly as the old code would have done at its
next start, and is then at revision 0001. Only SQLite ever ran this code.
"""
from __future__ import annotations

from sqlalchemy import Connection, inspect

#: The tables the code before Alembic created.
TABLES = ("feedback", "rate_events", "wb_users", "wb_audit", "wb_suggestions")

#: The revision whose tables are exactly these.
REVISION = "0001"

STATEMENTS = (
    """CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY,
    created TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    locale TEXT NOT NULL,
    page TEXT NOT NULL,
    name TEXT NOT NULL,
    email TEXT NOT NULL,
    message TEXT NOT NULL
)""",
    """CREATE TABLE IF NOT EXISTS rate_events (
    bucket TEXT NOT NULL,
    at REAL NOT NULL
)""",
    "CREATE INDEX IF NOT EXISTS rate_events_bucket ON rate_events (bucket, at)",
    """CREATE TABLE IF NOT EXISTS wb_users (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    password TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'translator')),
    locales TEXT NOT NULL DEFAULT '',
    created TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
)""",
    """CREATE TABLE IF NOT EXISTS wb_audit (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    username TEXT NOT NULL,
    locale TEXT NOT NULL,
    action TEXT NOT NULL,
    msgid TEXT NOT NULL,
    old TEXT NOT NULL,
    new TEXT NOT NULL,
    old_flags TEXT NOT NULL DEFAULT '',
    new_flags TEXT NOT NULL DEFAULT ''
)""",
    "CREATE INDEX IF NOT EXISTS wb_audit_locale ON wb_audit (locale, msgid)",
    """CREATE TABLE IF NOT EXISTS wb_suggestions (
    id INTEGER PRIMARY KEY,
    created TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    locale TEXT NOT NULL,
    slug TEXT NOT NULL,
    block_id TEXT NOT NULL,
    msgid TEXT NOT NULL,
    shown TEXT NOT NULL,
    text TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'done', 'dismissed')),
    handled_by TEXT,
    handled_at TEXT
)""",
    "CREATE INDEX IF NOT EXISTS wb_suggestions_queue ON wb_suggestions (locale, state, msgid)",
)


def found(conn: Connection) -> bool:
    """Tell whether a database was made before Alembic: some of its tables, and no alembic_version."""
    names = set(inspect(conn).get_table_names())
    return "alembic_version" not in names and bool(names.intersection(TABLES))


def complete(conn: Connection) -> None:
    """Create the tables a database from before Alembic may still lack, as the old code did at start."""
    if conn.dialect.name != "sqlite":
        raise RuntimeError(f"a database from before Alembic is SQLite, not {conn.dialect.name}")
    for statement in STATEMENTS:
        conn.exec_driver_sql(statement)
