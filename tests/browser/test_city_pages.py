"""axe-core in Chromium on what a city runs: a live notice, the legal pages with settings, the feedback inbox."""
from __future__ import annotations

import datetime as dt
import shutil
import socket
import threading
from collections.abc import Iterator

import pytest
from axe_playwright_python.sync_playwright import Axe
from sqlalchemy import insert
from werkzeug.serving import make_server

from service import create_app, db
from service.config import ROOT
from service.db.schema import feedback
from service.workbench import auth

pytestmark = pytest.mark.browser

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
PASSWORD = "correct horse battery"
OPERATOR = {
    "controller_name": "Stadt Herne", "controller_address": "Friedrich-Ebert-Platz 2, 44623 Herne",
    "accessibility_email": "barrierefreiheit@herne.invalid", "accessibility_phone": "+49 2323 16-4711",
    "responsible_office": "Fachbereich Schule und Weiterbildung", "site_url": "https://bildung.herne.invalid",
    "statement_prepared": "2026-11-26", "statement_reviewed": "2026-11-30",
}


def _clock() -> dt.datetime:
    """A moment inside the year-end notice's window."""
    return dt.datetime(2026, 12, 27, 9, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def city(tmp_path_factory, translations_master) -> Iterator[str]:
    """The real app (notice live, operator configured, one feedback message) served on a loopback port."""
    tmp = tmp_path_factory.mktemp("city")
    translations = tmp / "translations"
    shutil.copytree(translations_master, translations)
    app = create_app({
        "TESTING": True, "SECRET_KEY": "browser-city", "DATABASE": str(tmp / "service.sqlite"),
        "BABEL_TRANSLATION_DIRECTORIES": str(translations), "AUDIO_CACHE_DIR": str(tmp / "audio"),
        "CONTENT_DIR": str(ROOT / "content"), "CLOCK": _clock, "OPERATOR": OPERATOR,
    })
    with db.connect(app) as conn:
        auth.add_user(conn, "barriere", PASSWORD, "accessibility", ())
        with db.transaction(conn):
            conn.execute(insert(feedback).values(locale="ar", page="index", name="", email="",
                                                 message="النص صغير جدا على الهاتف"))
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.shutdown()


def violations(page) -> list[str]:
    """axe-core's WCAG A/AA violations of the page as it is now, one line per element."""
    result = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]})
    return [f"[{v['id']}] {v['help']}: {n.get('html', '')[:160]}"
            for v in result.response["violations"] for n in v["nodes"]]


@pytest.mark.parametrize("path", ["/de/", "/ar/talentschulen", "/de/barrierefreiheit", "/ar/barrierefreiheit",
                                  "/tr/datenschutz", "/ru/datenschutz", "/de/leichte-sprache", "/uk/leichte-sprache"])
def test_city_pages_have_no_violations(browser, city, path):
    """A live notice, the statement, the privacy page and Leichte Sprache: zero violations."""
    page = browser.new_page()
    try:
        assert page.goto(city + path).status == 200
        if path in ("/de/", "/ar/talentschulen"):
            assert page.locator(".service-notice[role=note]").count() == 1
        assert violations(page) == []
    finally:
        page.close()


def test_feedback_inbox_has_no_violations(browser, city):
    """The inbox list and one message, signed in as the accessibility contact."""
    page = browser.new_page()
    try:
        page.goto(city + "/translate/login")
        page.fill("#login-username", "barriere")
        page.fill("#login-password", PASSWORD)
        with page.expect_navigation():
            page.click("main form button[type=submit]")
        page.goto(city + "/translate/feedback/")
        assert page.locator("tr.wb-feedback").count() == 1
        assert violations(page) == []
        page.goto(city + "/translate/feedback/1")
        assert page.locator("blockquote[lang=ar]").count() == 1
        assert violations(page) == []
    finally:
        page.close()
