"""The database: created at head, upgraded without losing a row, equal to the MetaData, private."""
from __future__ import annotations

import sqlite3
import stat
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import exc, insert, select, text
from werkzeug.security import generate_password_hash

from service import create_app, db
from service.db import migrate, schema

from .workbench_support import PASSWORD, login

#: Revision "before Alembic": the statements each module ran at start until then, copied here verbatim.
LEGACY_SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY,
    created TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    locale TEXT NOT NULL,
    page TEXT NOT NULL,
    name TEXT NOT NULL,
    email TEXT NOT NULL,
    message TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS rate_events (
    bucket TEXT NOT NULL,
    at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS rate_events_bucket ON rate_events (bucket, at);
CREATE TABLE IF NOT EXISTS wb_users (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    password TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'translator')),
    locales TEXT NOT NULL DEFAULT '',
    created TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
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
CREATE TABLE IF NOT EXISTS wb_suggestions (
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
);
CREATE INDEX IF NOT EXISTS wb_suggestions_queue ON wb_suggestions (locale, state, msgid);
"""

TABLES = ("feedback", "rate_events", "wb_users", "wb_audit", "wb_suggestions")


def _legacy_rows() -> list[tuple[str, str, tuple]]:
    """Rows of every table, written as the code before Alembic did (some timestamps left to the default)."""
    admin_hash = generate_password_hash(PASSWORD, method="scrypt")
    return [
        ("INSERT INTO feedback (locale, page, name, email, message) VALUES (?, ?, ?, ?, ?)", "feedback",
         ("en", "barrierefreiheit", "Ayşe Yılmaz", "ayse@example.org", "The contrast is too low.")),
        ("INSERT INTO feedback (created, locale, page, name, email, message) VALUES (?, ?, ?, ?, ?, ?)", "feedback",
         ("2024-05-01T08:00:00Z", "ar", "index", "", "", "النص صغير جدا")),
        ("INSERT INTO rate_events (bucket, at) VALUES (?, ?)", "rate_events", ("a" * 32, 1_700_000_000.25)),
        ("INSERT INTO rate_events (bucket, at) VALUES (?, ?)", "rate_events", ("b" * 32, 1_700_000_001.5)),
        ("INSERT INTO wb_users (username, password, role, locales) VALUES (?, ?, ?, ?)", "wb_users",
         ("root", admin_hash, "admin", "")),
        ("INSERT INTO wb_users (username, password, role, locales, created) VALUES (?, ?, ?, ?, ?)", "wb_users",
         ("anna", admin_hash, "translator", "en,tr", "2024-01-02T03:04:05Z")),
        ("INSERT INTO wb_audit (username, locale, action, msgid, old, new) VALUES (?, ?, ?, ?, ?, ?)", "wb_audit",
         ("anna", "en", "save", "Hinweis", "Notice", "Note")),
        ("INSERT INTO wb_audit (at, username, locale, action, msgid, old, new, old_flags, new_flags)"
         " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", "wb_audit",
         ("2024-02-03T04:05:06Z", "root", "tr", "upload", "Beispiele", "", "Örnekler", "fuzzy", "")),
        ("INSERT INTO wb_suggestions (locale, slug, block_id, msgid, shown, text) VALUES (?, ?, ?, ?, ?, ?)",
         "wb_suggestions", ("en", "index", "b1", "Lernen am Kanal", "Learning by the canal", "Learning at the canal")),
        ("INSERT INTO wb_suggestions (locale, slug, block_id, msgid, shown, text, state, handled_by, handled_at)"
         " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", "wb_suggestions",
         ("tr", "index", "b2", "Hinweis", "Not", "Uyarı", "done", "root", "2024-03-04T05:06:07Z")),
    ]


def make_legacy_database(path: Path, schema_sql: str = LEGACY_SCHEMA) -> None:
    """A database as the code before Alembic left it: its tables and rows, no alembic_version."""
    conn = sqlite3.connect(path)
    try:
        conn.executescript(schema_sql)
        tables = {name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        with conn:
            for sql, table, values in _legacy_rows():
                if table in tables:
                    conn.execute(sql, values)
    finally:
        conn.close()


#: Columns later revisions added to the tables of before Alembic (their old rows hold the default).
ADDED = {"rate_events": {"expires"}, "feedback": {"state", "note", "handled_by", "handled_at", "held"},
         "wb_users": {"removed_at", "email", "digest", "mail_locale"}, "wb_audit": {"comment"},
         "wb_suggestions": {"held", "author"}}


def dump(path: str | Path) -> dict[str, list[tuple]]:
    """Every row of every table of the service (the columns it had before Alembic), read with the plain driver."""
    conn = sqlite3.connect(path)
    try:
        names = {name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        result = {}
        for t in TABLES:
            if t in names:
                columns = [c[1] for c in conn.execute(f"PRAGMA table_info({t})") if c[1] not in ADDED.get(t, ())]
                result[t] = conn.execute(f"SELECT {', '.join(columns)} FROM {t} ORDER BY rowid").fetchall()
        return result
    finally:
        conn.close()


def differences(app, legacy: bool = False) -> list:
    """What Alembic's autogenerate finds between the app's database and the MetaData (types and defaults too)."""
    with db.connect(app) as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True, "compare_server_default": True})
        found = compare_metadata(context, schema.metadata)
    if legacy:
        # The old "id INTEGER PRIMARY KEY" has no NOT NULL, so SQLite reports it nullable; a rowid is never NULL.
        found = [d for d in found if not (isinstance(d, list) and d[0][0] == "modify_nullable" and d[0][3] == "id")]
    return found


def revision(app) -> str | None:
    """The revision the app's database is at."""
    with db.connect(app) as conn:
        return migrate.current(conn)


def test_fresh_database_is_created_at_head_and_upgrade_is_idempotent(app, runner):
    """create_app makes every table at head; `flask db upgrade` then changes nothing, however often it runs."""
    assert revision(app) == migrate.head()
    with db.connect(app) as conn:
        with db.transaction(conn):
            conn.execute(insert(schema.feedback).values(locale="de", page="index", name="", email="", message="Hallo"))
    before = dump(app.config["DATABASE"])
    for _ in range(2):
        result = runner.invoke(args=["db", "upgrade"])
        assert result.exit_code == 0, result.output
        assert f"already at {migrate.head()} (head)" in result.output
    assert dump(app.config["DATABASE"]) == before
    assert runner.invoke(args=["db", "current"]).output.strip() == f"{migrate.head()} (head)"
    assert "init-db" not in runner.invoke(args=["--help"]).output


@pytest.mark.parametrize("how", ["cli", "start"])
def test_upgrade_of_a_database_from_before_alembic_keeps_every_row(app_config, how):
    """A database made by the code before Alembic is stamped 0001 and upgraded; every row stays as it was."""
    path = Path(app_config["DATABASE"])
    make_legacy_database(path)
    before = dump(path)
    assert {t: len(rows) for t, rows in before.items()} == {t: 2 for t in TABLES}
    if how == "cli":
        app = create_app({**app_config, "DATABASE_AUTO_UPGRADE": False})
        runner = app.test_cli_runner()
        assert runner.invoke(args=["db", "current"]).output.startswith("none (head is")
        result = runner.invoke(args=["db", "upgrade"])
        assert result.exit_code == 0, result.output
        assert f"upgraded from nothing to {migrate.head()}" in result.output
    else:
        app = create_app(app_config)  # the embedded default migrates at start
    assert dump(path) == before
    assert revision(app) == migrate.head()
    assert differences(app, legacy=True) == []
    # The old account still signs in, and the old rows are what the workbench shows.
    client = app.test_client()
    assert login(client, "root").status_code == 303
    assert "Learning at the canal" in client.get("/translate/en/suggestions").text
    assert "Note" in client.get("/translate/en/history").text


def test_database_from_an_early_version_is_completed(app_config):
    """A database from before the workbench (only the first table) gets the missing tables; its rows stay."""
    path = Path(app_config["DATABASE"])
    make_legacy_database(path, LEGACY_SCHEMA.split("CREATE TABLE IF NOT EXISTS rate_events")[0])
    before = dump(path)
    assert list(before) == ["feedback"] and len(before["feedback"]) == 2
    app = create_app(app_config)
    after = dump(path)
    assert after["feedback"] == before["feedback"]
    assert set(after) == set(TABLES)
    assert revision(app) == migrate.head() and differences(app, legacy=True) == []


def test_schema_made_by_alembic_equals_the_metadata(app):
    """Autogenerate finds no difference between the migrated database and schema.metadata."""
    assert differences(app) == []


def test_database_file_and_folder_are_private(app_config, tmp_path):
    """The database holds password hashes and e-mail addresses: file 0600, its new folder 0700."""
    path = tmp_path / "private" / "instance" / "service.sqlite"
    app = create_app({**app_config, "DATABASE": str(path)})
    with db.connect(app) as conn:
        with db.transaction(conn):
            conn.execute(insert(schema.rate_events).values(bucket="x", at=1.0))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_an_old_world_readable_file_is_tightened(app_config):
    """A database file made by older code with the umask's 0644 is made 0600 at start."""
    path = Path(app_config["DATABASE"])
    make_legacy_database(path)
    path.chmod(0o644)
    create_app(app_config)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_transaction_takes_the_write_lock_at_begin(app):
    """On SQLite a write transaction begins IMMEDIATE: a second writer waits from its first statement on."""
    with db.connect(app) as first, db.connect(app) as second:
        second.exec_driver_sql("PRAGMA busy_timeout=50")
        with db.transaction(first):
            first.execute(select(1))  # only a read so far, yet the lock is held
            with pytest.raises(exc.OperationalError, match="locked"):
                with db.transaction(second):
                    pass
        with db.transaction(second):
            second.execute(insert(schema.rate_events).values(bucket="x", at=1.0))


def test_transaction_joins_an_outer_one_and_rolls_back_whole(app):
    """A transaction() inside another joins it: an error in the outer block undoes the inner writes too."""
    row = {"bucket": "x", "at": 1.0}
    with db.connect(app) as conn:
        conn.execute(select(1))  # a read auto-begun by SQLAlchemy is ended, not an obstacle
        with pytest.raises(RuntimeError):
            with db.transaction(conn):
                with db.transaction(conn):
                    conn.execute(insert(schema.rate_events).values(**row))
                raise RuntimeError("undo")
        assert conn.scalar(text("SELECT COUNT(*) FROM rate_events")) == 0
        with db.transaction(conn):
            with db.transaction(conn):
                conn.execute(insert(schema.rate_events).values(**row))
    with db.connect(app) as conn:
        assert conn.scalar(text("SELECT COUNT(*) FROM rate_events")) == 1


def test_database_url_from_the_environment_wins(app_config, tmp_path, monkeypatch):
    """FLASK_DATABASE_URL points the same code at another database (PostgreSQL later; a second SQLite file here)."""
    other = tmp_path / "elsewhere" / "other.sqlite"
    monkeypatch.setenv("FLASK_DATABASE_URL", f"sqlite:///{other}")
    app = create_app(app_config)
    assert app.extensions["db"].url.database == str(other)
    assert revision(app) == migrate.head()
    assert not Path(app_config["DATABASE"]).exists()
