"""Revision 0003 on databases of every age: the accessibility role, removed accounts, the inbox columns, downgrade."""
from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import exc, insert, select

from service import create_app, db
from service.db import migrate, schema

from .test_db import dump, make_legacy_database


def _roles_sql(path: Path, table: str = "wb_users") -> str:
    """The CREATE TABLE statement SQLite keeps for a table (wb_users unless named)."""
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT sql FROM sqlite_master WHERE name = ?", (table,)).fetchone()[0]
    finally:
        conn.close()


@pytest.mark.parametrize("legacy", [False, True])
def test_accessibility_role_is_allowed_and_others_are_not(app_config, legacy):
    """After 0003 the CHECK admits 'accessibility' (old databases too) and still refuses an unknown role."""
    path = Path(app_config["DATABASE"])
    if legacy:
        make_legacy_database(path)
    app = create_app(app_config)
    assert "'accessibility'" in _roles_sql(path) and "CONSTRAINT wb_users_role" in _roles_sql(path)
    with db.connect(app) as conn:
        with db.transaction(conn):
            conn.execute(insert(schema.wb_users).values(username="barriere", password="x", role="accessibility"))
        with pytest.raises(exc.IntegrityError):
            with db.transaction(conn):
                conn.execute(insert(schema.wb_users).values(username="mallory", password="x", role="owner"))
        names = [r.username for r in conn.execute(select(schema.wb_users).order_by(schema.wb_users.c.id))]
    assert names == (["root", "anna", "barriere"] if legacy else ["barriere"])


def test_downgrade_to_0001_and_up_again_keeps_the_old_rows(app_config):
    """0003 can be undone: the 0001 tables keep their rows; upgrading again restores the new columns."""
    path = Path(app_config["DATABASE"])
    make_legacy_database(path)
    app = create_app(app_config)
    before = dump(path)
    with db.connect(app) as conn:
        with db.transaction(conn):
            cfg = migrate.alembic_config(conn)
            command.downgrade(cfg, "0001")
            assert migrate.current(conn) == "0001"
    assert dump(path) == before
    assert "accessibility" not in _roles_sql(path) and "removed_at" not in _roles_sql(path)
    # SQLite's batch downgrades rebuild wb_suggestions: its rule on the states must survive the rebuild.
    assert "state IN ('open', 'done', 'dismissed')" in _roles_sql(path, "wb_suggestions")
    migrate.upgrade(app.extensions["db"])
    assert dump(path) == before
    with db.connect(app) as conn:
        assert migrate.current(conn) == migrate.head()
        states = {r.state for r in conn.execute(select(schema.feedback))}
    assert states == {"open"}
