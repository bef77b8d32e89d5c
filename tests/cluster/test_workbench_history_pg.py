"""The history's pages, the contribution figures and the commands' audit rows on PostgreSQL (the scaled set-up)."""
from __future__ import annotations

import re
import subprocess
import uuid
from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import insert, select

from service import catalogs, create_app, db
from service.db.schema import wb_audit
from tests.workbench_support import login, make_user, unescape

from .servers import Postgres


@pytest.fixture
def pg_app(postgres: Postgres, app_config: dict) -> Iterator[Flask]:
    """The app on a database of its own in the test PostgreSQL, migrated with `flask db upgrade`."""
    name = f"wb_{uuid.uuid4().hex[:12]}"
    subprocess.run(["psql", "-h", "127.0.0.1", "-p", str(postgres.port), "-U", "herne", "-d", "postgres", "-c",
                    f"CREATE DATABASE {name}"], check=True, capture_output=True)
    url = postgres.url.rsplit("/", 1)[0] + f"/{name}"
    app = create_app({**app_config, "DATABASE_URL": url})
    result = app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    yield app
    app.extensions["db"].dispose()


def test_history_pages_and_contributions_on_postgresql(pg_app):
    """120 changes page as 50, 50, 20, newest first; the figures count per person over the chosen days."""
    rows = [{"username": "bert" if i % 3 else "anna", "locale": "en", "action": "propose" if i % 3 else "approve",
             "msgid": f"Eintrag {i}", "old": "", "new": f"entry {i}", "at": f"2026-03-0{1 + i % 3}T12:00:00Z"}
            for i in range(120)]
    with db.connect(pg_app) as conn, conn.begin():
        conn.execute(insert(wb_audit), rows)
    make_user(pg_app, "anna", role="admin", locales=("en",))
    client = pg_app.test_client()
    login(client, "anna")
    shown = [[int(n) for n in re.findall(r">Eintrag (\d+)<", client.get(
        "/translate/en/history", query_string={"page": p}).text)] for p in (1, 2, 3)]
    assert shown == [list(range(119, 69, -1)), list(range(69, 19, -1)), list(range(19, -1, -1))]
    page = unescape(client.get("/translate/en/contributions", query_string={"from": "2026-03-01",
                                                                            "to": "2026-03-02"}).text)
    # Days 1 and 2: i % 3 == 0 (anna approves) on day 1, i % 3 == 1 (bert proposes) on day 2.
    assert '<tr><th scope="row">anna</th><td>0</td><td>40</td><td>0</td></tr>' in page
    assert '<tr><th scope="row">bert</th><td>40</td><td>0</td><td>0</td></tr>' in page


def test_i18n_update_audits_into_postgresql(pg_app, translations_dir):
    """`flask i18n update` writes its rows, with its actor, into the shared database."""
    pot = translations_dir / "messages.pot"
    template = catalogs.load_po(pot)
    template.delete("Stadt der Talente")
    catalogs.save_po(pot, template)
    result = pg_app.test_cli_runner().invoke(args=["i18n", "update", "--domain", "messages", "--locale", "en"])
    assert result.exit_code == 0 and "audited change(s)" in result.output, result.output
    with db.connect(pg_app) as conn:
        row = conn.execute(select(wb_audit).where(wb_audit.c.msgid == "Stadt der Talente")).one()
    assert row.action == "update" and row.username.startswith("flask i18n update (") and row.new == ""
