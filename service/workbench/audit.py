"""The audit log of every catalog change, kept durably in SQLite."""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from .. import db

SCHEMA = """
CREATE TABLE IF NOT EXISTS wb_audit (
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
);
CREATE INDEX IF NOT EXISTS wb_audit_locale ON wb_audit (locale, msgid);
"""


@dataclass(frozen=True)
class Change:
    """One change of one entry."""

    username: str
    locale: str
    action: str  # save, approve, upload, suggestion
    msgid: str
    old: str
    new: str
    old_flags: str = ""
    new_flags: str = ""


def insert(conn: sqlite3.Connection, changes: list[Change]) -> None:
    """Add changes to the caller's open transaction."""
    conn.executemany(
        "INSERT INTO wb_audit (username, locale, action, msgid, old, new, old_flags, new_flags)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [(c.username, c.locale, c.action, c.msgid, c.old, c.new, c.old_flags, c.new_flags) for c in changes],
    )


def record(conn: sqlite3.Connection, changes: list[Change]) -> None:
    """Write changes in a transaction of their own."""
    with conn:
        insert(conn, changes)


def history(conn: sqlite3.Connection, locale: str, msgid: str | None = None, limit: int = 100) -> list[sqlite3.Row]:
    """The newest changes of a locale, or of one entry."""
    if msgid is None:
        return conn.execute("SELECT * FROM wb_audit WHERE locale = ? ORDER BY id DESC LIMIT ?",
                            (locale, limit)).fetchall()
    return conn.execute("SELECT * FROM wb_audit WHERE locale = ? AND msgid = ? ORDER BY id DESC LIMIT ?",
                        (locale, msgid, limit)).fetchall()


def last_id(conn: sqlite3.Connection, locale: str) -> int:
    """The newest change of a locale so far (0 if none): a mark to compare a later upload with."""
    (value,) = conn.execute("SELECT COALESCE(MAX(id), 0) FROM wb_audit WHERE locale = ?", (locale,)).fetchone()
    return int(value)


def changed_since(conn: sqlite3.Connection, locale: str, mark: int) -> dict[str, sqlite3.Row]:
    """The newest change of every entry of a locale changed after a mark, by msgid."""
    rows = conn.execute("SELECT * FROM wb_audit WHERE locale = ? AND id > ? ORDER BY id", (locale, mark)).fetchall()
    return {row["msgid"]: row for row in rows}


def init_app(app) -> None:
    """Create the audit table."""
    db.ensure_schema(app, SCHEMA)
