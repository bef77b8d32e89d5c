"""Machine translation on demand in the workbench editor, with the real Argos engine on the tiny packages."""
from __future__ import annotations

import re

import pytest
from babel.messages.catalog import Message
from redis import Redis as RedisClient
from rq.registry import FinishedJobRegistry
from sqlalchemy import select

from service import catalogs, create_app, db
from service.db.schema import wb_audit
from service.workbench import mtaid
from service.workbench.entries import entry_key as key_of
from tests.polling import wait_until
from tests.workbench_support import PENDING_RE, REVISION_RE, login, make_user, token, unescape

from .test_mt_jobs import mt_worker, redis_unix  # noqa: F401  (fixtures of the scaled set-up)

#: A fixture paragraph (tests/fixtures/site/content/index.md) with the one word the tiny model swaps.
SOURCE = "Diese Seiten zeigen, wie Lernen in der Stadt aussieht."
MACHINE = "Diese Seiten zeigen, wie Lernen in der City aussieht."
REVIEWED = "These pages show what learning in the city looks like."
EDITED = "Diese Seiten zeigen, wie Lernen in der großen City aussieht."
KEY = key_of(Message(SOURCE))


def _ready(client, locale: str = "en", key: str = KEY) -> dict:
    """Ask for the suggestion until it is ready (the first answer says it is being made)."""
    answers = []

    def ready() -> bool:
        """One more question to the button's endpoint."""
        response = client.get(f"/translate/{locale}/entry/{key}/machine", headers={"Accept": "application/json"})
        answers.append((response.status_code, response.get_json()))
        return response.status_code == 200

    wait_until(ready, 120, "the machine suggestion", interval=0.2)
    return answers[-1][1] | {"first": answers[0]}


def test_the_button_asks_off_the_request_and_shows_a_machine_suggestion_without_touching_the_field(mt_app):
    """202 while the model works in another thread, then the text marked machine; the field keeps its text."""
    make_user(mt_app, "anna", role="admin", locales=("en", "tr"))
    client = mt_app.test_client()
    login(client, "anna")
    page = unescape(client.get(f"/translate/en/entry/{KEY}").text)
    assert 'id="wb-mt-ask"' in page and "Maschinellen Vorschlag holen" in page
    answer = _ready(client)
    assert answer["first"][0] == 202 and answer["first"][1]["state"] == "pending"
    assert answer["text"] == MACHINE
    assert answer["note"].startswith("machine-translated by argos (") and answer["note"].endswith("not reviewed")
    assert mt_app.extensions["mt"].translated_blocks == 1  # made once, in the app's MT service
    shown = unescape(client.get(f"/translate/en/entry/{KEY}", query_string={"mt": "1"}).text)
    assert f'<p class="wb-text wb-mt-result" lang="en" dir="ltr" data-origin="machine">{MACHINE}</p>' in shown
    assert "Maschineller Vorschlag, nicht geprüft" in shown
    # only a click puts it there
    assert re.search(rf'<textarea id="msgstr"[^>]*>{re.escape(REVIEWED)}</textarea>', shown)


def test_an_unchanged_machine_text_is_saved_for_review_marked_machine_never_approved(mt_app, mt_config):
    """Even "save and approve" by a reviewer leaves the reviewed text on the pages; the proposal is marked machine."""
    make_user(mt_app, "anna", role="admin", locales=("en",))
    client = mt_app.test_client()
    login(client, "anna")
    _ready(client)
    page = client.get(f"/translate/en/entry/{KEY}").text
    response = client.post(f"/translate/en/entry/{KEY}", data={
        "csrf_token": token(page), "revision": REVISION_RE.search(page).group(1),
        "pending": PENDING_RE.search(page).group(1), "msgstr": MACHINE, "action": "approve"})
    assert response.status_code == 303
    after = unescape(client.get(response.headers["Location"]).text)
    assert "Ein unveränderter maschineller Vorschlag wird nicht sofort freigegeben." in after
    assert "Gespeichert als maschineller Vorschlag." in after
    assert 'id="proposal-machine"' in after and "machine-translated by argos" in after
    po = catalogs.load_po(catalogs.po_path(mt_config["BABEL_TRANSLATION_DIRECTORIES"], "en"), "en")
    assert po[SOURCE].string == REVIEWED  # pages keep the reviewed text
    with db.connect(mt_app) as conn:
        row = conn.execute(select(wb_audit).where(wb_audit.c.msgid == SOURCE)
                           .order_by(wb_audit.c.id.desc())).first()
    assert row.action == "propose" and row.new == MACHINE
    assert row.comment.startswith("machine-translated by argos")
    waiting = unescape(client.get("/translate/en/", query_string={"status": "review"}).text)
    assert f"{SOURCE}</a>" in waiting


def test_an_edited_machine_text_is_the_translators_own(mt_app, mt_config):
    """Once the translator changes the suggestion, a reviewer's approval publishes it as any text."""
    make_user(mt_app, "anna", role="admin", locales=("en",))
    client = mt_app.test_client()
    login(client, "anna")
    _ready(client)
    page = client.get(f"/translate/en/entry/{KEY}").text
    response = client.post(f"/translate/en/entry/{KEY}", data={
        "csrf_token": token(page), "revision": REVISION_RE.search(page).group(1),
        "pending": PENDING_RE.search(page).group(1), "msgstr": EDITED, "action": "approve"})
    assert response.status_code == 303
    po = catalogs.load_po(catalogs.po_path(mt_config["BABEL_TRANSLATION_DIRECTORIES"], "en"), "en")
    assert po[SOURCE].string == EDITED and not po[SOURCE].fuzzy


def test_without_a_model_for_the_pair_the_editor_says_why_and_offers_no_button(mt_app):
    """Turkish has no route from German in the tiny packages; the endpoint refuses with the same reason."""
    make_user(mt_app, "anna", role="translator", locales=("tr",))
    client = mt_app.test_client()
    login(client, "anna")
    page = unescape(client.get(f"/translate/tr/entry/{KEY}", query_string={"lang": "de"}).text)
    assert 'id="wb-mt-ask"' not in page
    assert "Für Deutsch → Türkçe ist kein Modell für maschinelle Übersetzung installiert." in page
    answer = client.get(f"/translate/tr/entry/{KEY}/machine", headers={"Accept": "application/json"})
    assert answer.status_code == 409 and answer.get_json()["reason"] == "no-model"
    english = unescape(client.get(f"/translate/tr/entry/{KEY}", query_string={"lang": "en"}).text)
    assert "No machine translation model is installed for German → Türkçe." in english


def test_plural_and_too_long_sources_are_not_offered(mt_app, monkeypatch):
    """Bounded input: a source over the limit is refused before any model sees it."""
    make_user(mt_app, "anna", role="admin", locales=("en",))
    client = mt_app.test_client()
    login(client, "anna")
    plural = key_of(Message(("%(num)s Eintrag gefunden.", "%(num)s Einträge gefunden.")))
    page = unescape(client.get(f"/translate/en/entry/{plural}", query_string={"lang": "de"}).text)
    assert "Für Einträge mit Pluralformen gibt es keinen maschinellen Vorschlag." in page
    monkeypatch.setattr(mtaid, "MAX_SOURCE", 10)
    answer = client.get(f"/translate/en/entry/{KEY}/machine", headers={"Accept": "application/json"})
    assert answer.status_code == 409 and answer.get_json()["reason"] == "too-long"
    assert "höchstens 10 Zeichen" in answer.get_json()["message"]
    assert mt_app.extensions["mt"].translated_blocks == 0


def test_the_endpoint_needs_a_session_and_the_write_right(mt_app):
    """No session: 401 in JSON; a reader of another locale: 403; nothing is translated for them."""
    client = mt_app.test_client()
    assert client.get(f"/translate/en/entry/{KEY}/machine").status_code == 401
    make_user(mt_app, "tara", role="translator", locales=("tr",))
    login(client, "tara")
    assert client.get(f"/translate/en/entry/{KEY}/machine").status_code == 403
    assert mt_app.extensions["mt"].translated_blocks == 0


def test_with_mt_switched_off_the_editor_says_so(app, client):
    """The test app without an MT model folder still has the service; with MT_ENABLED off it has none."""
    off = create_app({**app.config, "MT_ENABLED": False})
    make_user(off, "anna", role="admin", locales=("en",))
    client = off.test_client()
    login(client, "anna")
    page = unescape(client.get(f"/translate/en/entry/{KEY}", query_string={"lang": "de"}).text)
    assert "Maschinelle Vorschläge sind auf diesem Server ausgeschaltet." in page and 'id="wb-mt-ask"' not in page


def test_a_broken_model_says_so_in_the_translators_language_and_caches_nothing(mt_config, private_packages):
    """The model fails to load: 202 first, then 503 with a clear message (not retried within a minute)."""
    (private_packages / "translate-de_en" / "model" / "model.bin").write_bytes(b"garbage")
    app = create_app({**mt_config, "MT_PACKAGES_DIR": str(private_packages)})
    service = app.extensions["mt"]
    service.engine.reload()
    try:
        make_user(app, "anna", role="admin", locales=("en",))
        client = app.test_client()
        login(client, "anna")
        url = f"/translate/en/entry/{KEY}/machine?lang=en"
        assert client.get(url).status_code == 202
        answers = []
        wait_until(lambda: answers.append(client.get(url)) or answers[-1].status_code == 503, 60, "the failure")
        said = answers[-1].get_json()["message"]
        assert said == "The machine suggestion could not be made. Please try again in a minute."
        assert client.get(url).status_code == 503  # not sent to the broken model again at once
        assert service.cache.stats() == {}
    finally:
        service.shutdown()


@pytest.mark.cluster
def test_with_several_servers_a_worker_makes_the_suggestion(mt_config, redis_unix, mt_worker):  # noqa: F811
    """Scaled set-up: the request submits an RQ job on the interactive queue; the app's process translates nothing."""
    app = create_app({**mt_config, "REDIS_URL": redis_unix.unix_url})
    service = app.extensions["mt"]
    service.engine.reload()
    try:
        make_user(app, "anna", role="admin", locales=("en",))
        client = app.test_client()
        login(client, "anna")
        assert _ready(client)["text"] == MACHINE
        assert service.translated_blocks == 0
        finished = FinishedJobRegistry("interactive", connection=RedisClient(unix_socket_path=str(redis_unix.socket)))
        assert any(jid.startswith("mt-en-") for jid in finished.get_job_ids())
    finally:
        service.shutdown()


def test_mt_fill_writes_its_suggestions_into_the_audit_log_with_its_actor(mt_app, mt_config):
    """`flask mt fill` records each filled entry as "mt-fill" by "flask mt fill (<user>)"; the history shows it."""
    path = catalogs.po_path(mt_config["BABEL_TRANSLATION_DIRECTORIES"], "en")
    catalog = catalogs.load_po(path, "en")
    catalog[SOURCE].string = ""  # untranslated, as after `flask i18n update`
    catalogs.save_po(path, catalog)
    result = mt_app.test_cli_runner().invoke(args=["mt", "fill", "en"])
    assert result.exit_code == 0, result.output
    with db.connect(mt_app) as conn:
        rows = list(conn.execute(select(wb_audit).where(wb_audit.c.action == "mt-fill")))
    assert [(r.msgid, r.old, r.new, r.new_flags) for r in rows] == [(SOURCE, "", MACHINE, "fuzzy")]
    assert rows[0].username.startswith("flask mt fill (")
    make_user(mt_app, "anna", role="admin", locales=("en",))
    client = mt_app.test_client()
    login(client, "anna")
    history = unescape(client.get(f"/translate/en/entry/{KEY}").text)
    assert "flask mt fill (" in history and "(mt-fill)" in history
