"""Finding 9: a strict CSP and the other security headers on every response; no inline script or style to need less."""
from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from service import create_app

from ..workbench_support import entry_key, login, make_user

PUBLIC = ["/de/", "/ar/werkstatt", "/tr/barrierefreiheit", "/en/suggest/werkstatt/b2", "/sitemap.xml",
          "/robots.txt", "/healthz", "/ping", "/static/site.css", "/de/gibt-es-nicht", "/translate/login"]


class _Inline(HTMLParser):
    """Collects what a strict CSP would block: inline scripts, style attributes and elements, event handlers."""

    def __init__(self):
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script" and "src" not in attrs and attrs.get("type") != "application/json":
            self.found.append("inline <script>")
        if tag == "style":
            self.found.append("<style>")
        for name in attrs:
            if name == "style" or name.startswith("on"):
                self.found.append(f"{tag} {name}=")
        if tag == "a" and (attrs.get("href") or "").lower().startswith("javascript:"):
            self.found.append("javascript: link")


def _assert_headers(response, path: str) -> None:
    """The headers every response carries."""
    csp = response.headers.get("Content-Security-Policy", "")
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";") if d.strip())
    assert directives.get("default-src") == "'self'", path
    assert directives.get("script-src") == "'self'", path
    assert directives.get("style-src") == "'self'", path
    assert directives.get("frame-ancestors") == "'none'", path
    assert directives.get("object-src") == "'none'", path
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, path
    assert response.headers["X-Content-Type-Options"] == "nosniff", path
    assert response.headers["X-Frame-Options"] == "DENY", path
    assert response.headers["Referrer-Policy"] == "same-origin", path
    assert "camera=()" in response.headers["Permissions-Policy"], path
    assert "microphone=()" in response.headers["Permissions-Policy"], path


def _assert_no_inline(html: str, path: str) -> None:
    """Nothing in the page that the CSP would block."""
    parser = _Inline()
    parser.feed(html)
    assert parser.found == [], (path, parser.found)


def test_public_responses(client):
    """Pages, feeds, files, errors and the login form all carry the headers; the HTML needs no inline code."""
    for path in PUBLIC:
        response = client.get(path)
        assert response.status_code < 500, path
        _assert_headers(response, path)
        if response.mimetype == "text/html":
            _assert_no_inline(response.text, path)


@pytest.fixture
def admin(app, client):
    """A signed-in admin."""
    make_user(app, "root", role="admin", locales=())
    login(client, "root")
    return client


def test_workbench_responses(admin):
    """Every workbench page has the headers, is never stored, and needs no inline code."""
    key = entry_key(admin, "tr", "Hinweis")
    for path in ("/translate/", "/translate/tr/", f"/translate/tr/entry/{key}", "/translate/tr/upload",
                 "/translate/tr/history", "/translate/tr/suggestions", "/translate/users"):
        response = admin.get(path)
        assert response.status_code == 200, path
        _assert_headers(response, path)
        assert response.headers["Cache-Control"] == "no-store", path
        _assert_no_inline(response.text, path)


def test_a_rejected_form_that_echoes_personal_data_is_not_stored(client):
    """Name and e-mail come back in the form: the answer must not end up in any cache."""
    response = client.post("/de/barrierefreiheit", data={"name": "Erika Mustermann", "email": "erika@example.org",
                                                          "message": "kurz", "page": "barrierefreiheit"})
    assert response.status_code == 400
    assert "erika@example.org" in response.text and "Erika Mustermann" in response.text
    assert response.headers["Cache-Control"] == "no-store"
    _assert_headers(response, "feedback")


def test_https_redirect_is_configurable(app_config):
    """FORCE_HTTPS=False (the embedded default) answers plain http; True redirects it."""
    plain = create_app(app_config).test_client().get("/de/")
    assert plain.status_code == 200 and "Strict-Transport-Security" not in plain.headers
    forced = create_app({**app_config, "FORCE_HTTPS": True}).test_client().get("/de/")
    assert forced.status_code in (301, 302) and forced.headers["Location"].startswith("https://")
    secure = create_app({**app_config, "FORCE_HTTPS": True}).test_client().get("/de/", base_url="https://localhost")
    assert secure.status_code == 200 and "max-age" in secure.headers["Strict-Transport-Security"]


def test_the_player_needs_no_inline_code(client):
    """The read-aloud player: its data is a JSON data block, its code a file of our own origin."""
    html = client.get("/de/werkstatt").text
    assert re.search(r'<script type="application/json" class="player-data">', html)
    assert re.search(r'<script src="/static/player.js" defer></script>', html)
