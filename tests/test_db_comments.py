"""Revisions 0005 and 0006 on yesterday's database, on SQLite and on PostgreSQL: a database at 0004 full of rows
(accounts, history, suggestions, feedback, mail, the purge marker) is upgraded to head; every row stays, the new
columns hold their defaults, and the app works on it: sign-in, history, suggestions, a save for review, a comment,
the digest."""
from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from service import create_app, db
from service.db import migrate
from service.workbench import auth

from .test_db import differences
from .workbench_support import PASSWORD, entry_key, login, make_user, save, token, unescape

#: Yesterday's rows, as the code of revision 0004 wrote them (columns of that revision only).
OLD_ROWS = {
    "wb_users": [
        {"id": 1, "username": "anna@example.org", "role": "translator", "locales": "en,tr",
         "created": "2026-12-05T08:00:00Z", "removed_at": None},
        {"id": 2, "username": "root", "role": "admin", "locales": "", "created": "2026-11-01T08:00:00Z",
         "removed_at": None},
        {"id": 3, "username": "gone", "role": "translator", "locales": "pl", "created": "2026-10-01T08:00:00Z",
         "removed_at": "2026-12-01T08:00:00Z"},
    ],
    "wb_audit": [
        {"id": 1, "at": "2026-12-05T09:00:00Z", "username": "anna@example.org", "locale": "en", "action": "save",
         "msgid": "Hinweis", "old": "Note", "new": "Please note", "old_flags": "", "new_flags": ""},
        {"id": 2, "at": "2026-12-05T09:05:00Z", "username": "root", "locale": "tr", "action": "upload",
         "msgid": "Hinweis", "old": "", "new": "Not", "old_flags": "fuzzy", "new_flags": ""},
    ],
    "wb_suggestions": [
        {"id": 1, "created": "2026-12-05T10:00:00Z", "locale": "en", "slug": "index", "block_id": "b1",
         "msgid": "Hinweis", "shown": "Note", "text": "Notice, yesterday's suggestion", "state": "open",
         "handled_by": None, "handled_at": None, "held": 0},
        {"id": 2, "created": "2026-12-04T10:00:00Z", "locale": "en", "slug": "index", "block_id": "b2",
         "msgid": "Hinweis", "shown": "Note", "text": "Remark", "state": "done", "handled_by": "root",
         "handled_at": "2026-12-05T11:00:00Z", "held": 1},
    ],
    "feedback": [
        {"id": 1, "created": "2026-12-05T12:00:00Z", "locale": "ar", "page": "index", "name": "Ayşe",
         "email": "ayse@example.org", "message": "Kontrast zu schwach", "state": "open", "note": "",
         "handled_by": None, "handled_at": None, "held": 0},
    ],
    "mail_outbox": [
        {"id": 1, "created": "2026-12-05T12:00:00Z", "topic": "feedback", "ref_id": 1,
         "recipients": "barrierefreiheit@herne.invalid", "subject": "Barriere gemeldet", "body": "…",
         "reply_to": "", "attempts": 1, "next_attempt": "2026-12-05T12:01:00Z", "last_error": "",
         "sent_at": "2026-12-05T12:00:05Z"},
    ],
    "maintenance": [{"name": "retention-purge", "last_run": "2026-12-05T03:30:00Z"}],
}


def _rows(app, table: str, columns: list[str]) -> list[dict]:
    """A table's rows (some columns), in key order, read with plain SQL."""
    order = "name" if table == "maintenance" else "id"
    with db.connect(app) as conn:
        return [dict(r._mapping) for r in conn.execute(text(f"SELECT {', '.join(columns)} FROM {table} "
                                                            f"ORDER BY {order}"))]


def test_a_database_at_0004_with_rows_is_upgraded_and_the_app_works_on_it(database, locales):
    """Upgrade through `flask db upgrade`; then the old account signs in, sees its history and suggestions, saves."""
    config = {**database, "DATABASE_AUTO_UPGRADE": False}
    old_app = create_app(config)
    with db.connect(old_app) as conn:
        with db.transaction(conn):
            command.upgrade(migrate.alembic_config(conn), "0004")
        assert migrate.current(conn) == "0004"
        password = auth.hash_password(PASSWORD)
        with db.transaction(conn):
            for table, rows in OLD_ROWS.items():
                for row in rows:
                    if table == "wb_users":
                        row = {**row, "password": password}
                    conn.execute(text(f"INSERT INTO {table} ({', '.join(row)}) "
                                      f"VALUES ({', '.join(':' + k for k in row)})"), row)
            if conn.dialect.name == "postgresql":  # rows inserted with their ids: move the sequences past them
                for table in ("wb_users", "wb_audit", "wb_suggestions", "feedback", "mail_outbox"):
                    conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                      f"(SELECT max(id) FROM {table}))"))
    before = {table: _rows(old_app, table, list(rows[0])) for table, rows in OLD_ROWS.items()}
    old_app.extensions["db"].dispose()

    app = create_app(config)
    result = app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert f"upgraded from 0004 to {migrate.head()}" in result.output
    assert {table: _rows(app, table, list(rows[0])) for table, rows in OLD_ROWS.items()} == before
    assert _rows(app, "wb_users", ["email", "digest", "mail_locale"]) == [
        {"email": None, "digest": 1, "mail_locale": None}] * 3
    assert _rows(app, "wb_audit", ["comment"]) == [{"comment": ""}] * 2
    assert _rows(app, "wb_suggestions", ["author"]) == [{"author": None}] * 2
    assert differences(app) == []

    # The app on the upgraded database: yesterday's account, history and suggestion; today's features.
    client = app.test_client()
    assert login(client, "anna@example.org").status_code == 303
    assert "Please note" in unescape(client.get("/translate/en/history").text)
    assert "Notice, yesterday's suggestion" in unescape(client.get("/translate/en/suggestions").text)
    key = entry_key(client, "en", "Hinweis")
    assert save(client, "en", key, "Note, saved after the upgrade").status_code == 303
    assert "Note, saved after the upgrade" in unescape(client.get(f"/translate/en/entry/{key}").text)
    page = client.get(f"/translate/en/entry/{key}").text
    assert client.post(f"/translate/en/entry/{key}/comments",
                       data={"csrf_token": token(page), "comment": "Nach dem Upgrade"}).status_code == 303
    assert "Nach dem Upgrade" in unescape(client.get("/translate/en/comments").text)
    assert "gone" not in [u.username for u in _users(app)]
    dry = app.test_cli_runner().invoke(args=["workbench", "digest", "--dry-run"])
    assert dry.exit_code == 0 and "first run" in dry.output


def _users(app) -> list[auth.User]:
    """The accounts the workbench lists."""
    with app.app_context(), db.connect(app) as conn:
        return auth.list_users(conn)


def test_0006_goes_down_to_0005_and_up_again_keeping_the_accounts(database):
    """Down to 0005 the comments and settings go, the accounts stay (SQLite rebuilds wb_users with its CHECK)."""
    app = create_app(database)
    make_user(app, "anna", locales=("en",))
    with db.connect(app) as conn:
        with db.transaction(conn):
            command.downgrade(migrate.alembic_config(conn), "0005")
        assert migrate.current(conn) == "0005"
    assert _rows(app, "wb_users", ["username", "role", "locales"]) == [
        {"username": "anna", "role": "translator", "locales": "en"}]
    assert migrate.upgrade(app.extensions["db"]) == ("0005", migrate.head())
    assert differences(app) == []
    with db.connect(app) as conn, pytest.raises(IntegrityError):  # the role CHECK survived the rebuild
        with db.transaction(conn):
            conn.execute(text("INSERT INTO wb_users (username, password, role) VALUES ('x', 'y', 'nobody')"))
