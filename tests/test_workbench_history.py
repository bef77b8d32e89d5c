"""The history: pages instead of a cap, contribution figures per person, and the commands' changes in the log."""
from __future__ import annotations

import re

from babel.messages.catalog import Message
from sqlalchemy import insert, select

from service import catalogs, db
from service.db.schema import wb_audit

from .workbench_support import login, make_user, save, unescape


def _fill(app, n: int, locale: str = "en", username: str = "anna", action: str = "save", at: str | None = None):
    """Add ``n`` audit rows straight into the log (as n saves would), numbered in their msgid."""
    rows = [{"username": username, "locale": locale, "action": action, "msgid": f"Eintrag {i}", "old": "",
             "new": f"entry {i}"} | ({"at": at} if at else {}) for i in range(n)]
    with db.connect(app) as conn, conn.begin():
        conn.execute(insert(wb_audit), rows)


def _shown(page: str) -> list[int]:
    """The numbers of the entries a history page lists, in order."""
    return [int(n) for n in re.findall(r">Eintrag (\d+)<", page)]


def test_the_history_pages_through_every_change_in_a_stable_order(app, client):
    """260 changes: 6 pages of 50 (no cap at 200), newest first; a change made meanwhile does not shift page 2."""
    make_user(app, "anna")
    login(client, "anna")
    _fill(app, 260)
    first = client.get("/translate/en/history", query_string={"lang": "de"}).text
    assert _shown(first) == list(range(259, 209, -1))
    assert "260 Änderungen, Seite 1 von 6." in unescape(first)
    links = dict(re.findall(r'<a href="([^"]+)"(?: aria-current="page")?>(\d+)</a>',
                            first.split('id="wb-history-pages"')[1]))
    assert sorted(int(n) for n in links.values()) == [1, 2, 3, 4, 6]  # a window with the last page
    second_url = unescape(next(url for url, n in links.items() if n == "2"))
    _fill(app, 1, username="bert")  # someone saves meanwhile
    second = client.get(second_url).text
    assert _shown(second) == list(range(209, 159, -1))
    assert "Seitdem gibt es neuere Änderungen" in unescape(second)
    last = client.get("/translate/en/history", query_string={"page": "99"}).text
    assert _shown(last)[-1] == 0 and len(_shown(last)) == 11  # past the end: the last page (261 rows now)
    assert client.get("/translate/en/history", query_string={"page": "x", "upto": "-4"}).status_code == 200


def test_contribution_figures_per_person_and_period(app, client):
    """Saved (save, propose, upload), approved and rejected per account in the chosen days; others' locales apart."""
    make_user(app, "anna", role="admin", locales=("en", "tr"))
    login(client, "anna")
    _fill(app, 3, username="bert", action="propose", at="2026-03-02T10:00:00Z")
    _fill(app, 1, username="bert", action="upload", at="2026-03-03T23:59:59Z")
    _fill(app, 2, username="anna", action="approve", at="2026-03-03T08:00:00Z")
    _fill(app, 1, username="anna", action="reject", at="2026-03-04T00:00:00Z")  # the day after the period
    _fill(app, 5, username="cem", action="save", locale="tr", at="2026-03-02T10:00:00Z")
    _fill(app, 4, username="flask i18n update (root)", action="update", at="2026-03-02T10:00:00Z")
    page = unescape(client.get("/translate/en/contributions",
                               query_string={"from": "2026-03-01", "to": "2026-03-03", "lang": "de"}).text)
    table = re.findall(r'<tr><th scope="row">([^<]+)</th><td>(\d+)</td><td>(\d+)</td><td>(\d+)</td></tr>', page)
    assert table == [("anna", "0", "2", "0"), ("bert", "4", "0", "0"), ("Zusammen", "4", "2", "0")]
    wider = unescape(client.get("/translate/en/contributions", query_string={"from": "2026-03-01",
                                                                             "to": "2026-03-04"}).text)
    assert '<tr><th scope="row">anna</th><td>0</td><td>2</td><td>1</td></tr>' in wider
    bad = client.get("/translate/en/contributions", query_string={"from": "März", "lang": "de"})
    assert bad.status_code == 400 and "Bitte geben Sie die Tage als Datum an" in unescape(bad.text)


def test_contributions_follow_the_locale_rights(app, client):
    """A translator of Turkish sees no English figures."""
    make_user(app, "cem", locales=("tr",))
    login(client, "cem")
    assert client.get("/translate/en/contributions").status_code == 403


def test_saves_through_the_editor_are_counted(app, client):
    """A real save in the editor counts as saved for its author today."""
    make_user(app, "anna")
    login(client, "anna")
    from service.workbench.entries import entry_key

    save(client, "en", entry_key(Message("Lernen am Kanal")), "Learning at the canal")
    page = unescape(client.get("/translate/en/contributions").text)
    assert '<tr><th scope="row">anna</th><td>1</td><td>0</td><td>0</td></tr>' in page


def test_i18n_update_writes_its_changes_into_the_audit_log_with_its_actor(app, runner, translations_dir):
    """A German source changed in the template: the entry of every locale is audited as "update" by the command."""
    pot = translations_dir / "messages.pot"
    template = catalogs.load_po(pot)
    template.delete("Lernen am Kanal")
    template.add("Lernen am langen Kanal", locations=[("content/start.md", 0)])
    catalogs.save_po(pot, template)
    result = runner.invoke(args=["i18n", "update", "--domain", "messages", "--locale", "en"])
    assert result.exit_code == 0, result.output
    assert "audited change(s)" in result.output
    with db.connect(app) as conn:
        rows = list(conn.execute(select(wb_audit).where(wb_audit.c.action == "update")))
    assert {r.username for r in rows} == {rows[0].username} and rows[0].username.startswith("flask i18n update (")
    by_msgid = {r.msgid: r for r in rows}
    assert by_msgid["Lernen am Kanal"].old == "Learning by the canal" and by_msgid["Lernen am Kanal"].new == ""
    added = by_msgid["Lernen am langen Kanal"]
    assert added.new == "Learning by the canal" and "fuzzy" in added.new_flags  # kept as outdated, not lost
    assert all(r.locale == "en" for r in rows)
    # The workbench shows them in the history with their actor.
    from .workbench_support import make_user as _make

    _make(app, "anna")
    client = app.test_client()
    login(client, "anna")
    assert "flask i18n update (" in unescape(client.get("/translate/en/history").text)


def test_i18n_update_without_a_database_still_updates_and_says_why(app_config, tmp_path):
    """No migrated database: the catalogs are merged as before; the command says the audit log was not written."""
    from service import create_app

    bare = create_app({**app_config, "DATABASE": str(tmp_path / "none" / "missing.sqlite")})
    with db.connect(bare) as conn, conn.begin():
        conn.exec_driver_sql("DROP TABLE wb_audit")
    result = bare.test_cli_runner().invoke(args=["i18n", "update", "--domain", "messages", "--locale", "en"])
    assert result.exit_code == 0, result.output
    assert "audit log not written" in result.output and "updated " in result.output


