"""Revision 0004 (review) on yesterday's database: every row stays, the new columns get their defaults."""
from __future__ import annotations

import sqlite3
from pathlib import Path

from alembic import command

from service import create_app, db
from service.db import migrate


def _rows(path: Path, sql: str) -> list[tuple]:
    """Rows of a query, read with the plain driver."""
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def test_upgrade_from_0003_keeps_audit_suggestions_and_users(app_config):
    """A database at 0003 with audit rows, suggestions and accounts is upgraded to head without losing a row."""
    path = Path(app_config["DATABASE"])
    app = create_app(app_config)
    with db.connect(app) as conn:
        with db.transaction(conn):
            command.downgrade(migrate.alembic_config(conn), "0003")
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("INSERT INTO wb_users (username, password, role, locales) "
                     "VALUES ('anna', 'x', 'translator', 'en')")
        conn.execute("INSERT INTO wb_audit (username, locale, action, msgid, old, new) "
                     "VALUES ('anna', 'en', 'save', 'Hinweis', 'Note', 'Please note')")
        conn.execute("INSERT INTO wb_suggestions (locale, slug, block_id, msgid, shown, text) "
                     "VALUES ('en', 'index', 'b1', 'Hinweis', 'Note', 'Notice')")
    conn.close()
    audit = _rows(path, "SELECT id, username, locale, action, msgid, old, new FROM wb_audit")
    suggestions_sql = "SELECT id, locale, slug, block_id, msgid, shown, text, state FROM wb_suggestions"
    suggestions = _rows(path, suggestions_sql)
    users = _rows(path, "SELECT id, username, password, role, locales FROM wb_users")
    before, after = migrate.upgrade(app.extensions["db"])
    assert (before, after) == ("0003", migrate.head())
    assert _rows(path, "SELECT id, username, locale, action, msgid, old, new FROM wb_audit") == audit
    assert _rows(path, suggestions_sql) == suggestions
    assert _rows(path, "SELECT id, username, password, role, locales FROM wb_users") == users
    assert _rows(path, "SELECT comment FROM wb_audit") == [("",)]
    assert _rows(path, "SELECT author FROM wb_suggestions") == [(None,)]
    assert _rows(path, "SELECT count(*) FROM wb_pending") == [(0,)]
