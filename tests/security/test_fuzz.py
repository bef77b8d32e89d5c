"""Property-based fuzzing (Hypothesis): hostile paths, headers, query strings and forms at every public route and
the workbench (signed in, with a valid CSRF token) never get a 5xx.

Examples are few (derandomized, so CI runs the same ones every time): 4 x 75 requests.
"""
from __future__ import annotations

from io import BytesIO
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete

from service import db
from service.config import SHIPPED_LOCALES
from service.db.schema import rate_events

from ..test_audio_routes import section_url
from ..workbench_support import login, make_user, token

FUZZ = settings(max_examples=75, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

#: Values that broke services like this one before (see issue 10), mixed into random text.
NASTY = ["../../etc/passwd", "%00", "\r\nSet-Cookie: x=1", "9" * 5000, "-" + "9" * 400, "\u202eevil\u202c",
         "<script>alert(1)</script>", "%(x)s %", "%(name)i", "' OR 1=1 --", "\x00", "//evil.example", "\\\\evil",
         "a" * 3000, "", " ", "de", "tr", "ar", "index", "barrierefreiheit", "b2", "0123456789abcdef", "é" * 50,
         "bytes=0-1,2-3", "bytes=-0", "*/*;q=x", "de-DE,de;q=abc", "\ufeff", "null", "[]", "{}"]
text = st.one_of(st.sampled_from(NASTY), st.text(st.characters(blacklist_categories=("Cs",)), max_size=60))
#: Header values: anything an HTTP parser lets through (no line breaks or NUL).
header_text = st.one_of(st.sampled_from([n for n in NASTY if not any(c in n for c in "\r\n\x00")]),
                        st.text(st.characters(min_codepoint=32, max_codepoint=0x2FFF,
                                              blacklist_categories=("Cs",)), max_size=60))
HEADER_NAMES = ["Accept-Language", "Accept", "Range", "If-None-Match", "If-Modified-Since", "X-Forwarded-For",
                "X-Forwarded-Host", "X-Forwarded-Proto", "Host", "Cookie", "Content-Type", "Referer",
                "X-CSRF-Token", "User-Agent"]
headers = st.dictionaries(st.sampled_from(HEADER_NAMES), header_text, max_size=4)
query = st.dictionaries(st.sampled_from(["next", "back", "q", "page", "status", "lang", "sent", "download", "x"]),
                        text, max_size=4)
locale = st.one_of(st.sampled_from(SHIPPED_LOCALES + ["xx", "de-DE", "DE"]), text)
slug = st.one_of(st.sampled_from(["", "index", "talentschulen", "barrierefreiheit", "datenschutz"]), text)


def _segment(value: str) -> str:
    """A path segment as a client would send it."""
    return quote(value, safe="")


def _forget_attempts(app) -> None:
    """Forget every counted attempt, so that each example reaches the form's own checks, not the 429 branch."""
    with db.connect(app) as conn, db.transaction(conn):
        conn.execute(delete(rate_events))


def _send(client, method: str, path: str, **kwargs):
    """One request; its status must not be a server error."""
    response = client.open(path, method=method, **kwargs)
    assert response.status_code < 500, (method, path, kwargs, response.status_code)
    return response


@pytest.fixture
def audio_url(client) -> str:
    """A real section's MP3 (synthesized once), for Range and conditional headers."""
    return section_url(client)["mp3"]


@FUZZ
@given(data=st.data(), hdrs=headers, params=query)
def test_public_routes_never_fail(client, audio_url, data, hdrs, params):
    """GET and HEAD of every public route with hostile segments, query strings and headers."""
    loc, page = data.draw(locale), data.draw(slug)
    path = data.draw(st.sampled_from([
        "/", f"/{_segment(loc)}/", f"/{_segment(loc)}/{_segment(page)}", "/sitemap.xml", "/robots.txt", "/ping",
        "/healthz", audio_url, f"/audio/{_segment(loc)}/{_segment(page)}/{_segment(data.draw(text))}",
        f"/{_segment(loc)}/suggest/{_segment(page)}/{_segment(data.draw(text))}", "/static/site.css",
        f"/static/{_segment(data.draw(text))}", f"/{_segment(data.draw(text))}",
    ]))
    _send(client, data.draw(st.sampled_from(["GET", "HEAD"])), path, headers=hdrs, query_string=params)


@FUZZ
@given(data=st.data(), hdrs=headers)
def test_public_forms_never_fail(app, client, data, hdrs):
    """The feedback and suggestion forms with hostile fields; each example starts with no counted attempts."""
    _forget_attempts(app)
    loc = data.draw(locale)
    form = data.draw(st.dictionaries(st.sampled_from(["name", "email", "message", "page", "website", "suggestion"]),
                                     text, max_size=5))
    path = data.draw(st.sampled_from([f"/{_segment(loc)}/barrierefreiheit",
                                      f"/{_segment(loc)}/suggest/talentschulen/b2",
                                      f"/{_segment(loc)}/suggest/{_segment(data.draw(slug))}/b1"]))
    hdrs.pop("Content-Type", None)
    _send(client, "POST", path, data=form, headers=hdrs)


@pytest.fixture
def admin(app, client):
    """A signed-in admin, and the CSRF token of their session."""
    make_user(app, "root", role="admin", locales=())
    make_user(app, "anna", locales=("en",))
    login(client, "root")
    return client, token(client.get("/translate/").text)


WORKBENCH_GETS = ["/translate/", "/translate/{loc}/", "/translate/{loc}/entry/{x}", "/translate/{loc}/download",
                  "/translate/{loc}/upload", "/translate/{loc}/suggestions", "/translate/{loc}/history",
                  "/translate/users", "/translate/login"]


@FUZZ
@given(data=st.data(), hdrs=headers, params=query)
def test_workbench_pages_never_fail(admin, data, hdrs, params):
    """Every workbench page, signed in, with hostile locales, keys, queries and headers."""
    client, _ = admin
    template = data.draw(st.sampled_from(WORKBENCH_GETS))
    path = template.format(loc=_segment(data.draw(locale)), x=_segment(data.draw(text)))
    hdrs.pop("Cookie", None)  # keep the session: the point is to reach the signed-in code
    hdrs.pop("Host", None)
    _send(client, "GET", path, headers=hdrs, query_string=params)


@FUZZ
@given(data=st.data())
def test_workbench_forms_never_fail(app, admin, translations_dir, data):
    """Every workbench form, with a valid CSRF token (mostly) and hostile fields: saves, uploads, users, suggestions."""
    _forget_attempts(app)  # failed logins of earlier examples would throttle this one
    client, csrf = admin
    loc = data.draw(st.one_of(st.sampled_from(["en", "tr", "ar"]), locale))
    key = data.draw(st.one_of(st.sampled_from(["0123456789abcdef"]), text))
    path = data.draw(st.sampled_from([f"/translate/{_segment(loc)}/entry/{_segment(key)}",
                                      f"/translate/{_segment(loc)}/upload", "/translate/users",
                                      f"/translate/{_segment(loc)}/suggestions/{data.draw(st.integers(0, 2**40))}",
                                      "/translate/login"]))
    fields = ["msgstr", "msgstr_0", "msgstr_1", "revision", "action", "username", "password", "role", "locales",
              "state", "back", "next"]
    form = data.draw(st.dictionaries(st.sampled_from(fields), text, max_size=6))
    form["csrf_token"] = data.draw(st.one_of(st.just(csrf), text))
    if form.get("username") == "root" or form.get("action") == "remove":
        form["username"] = "anna"  # root stays signed in for the next examples
    if path.endswith("/upload"):
        body = data.draw(st.one_of(st.binary(max_size=300), text.map(lambda t: t.encode("utf-8", "replace"))))
        po = ('msgid ""\nmsgstr "Language: en\\n"\n\nmsgid "Hinweis"\nmsgstr "'
              + data.draw(text).replace('"', "") + '"\n')
        form["po"] = (BytesIO(data.draw(st.sampled_from([body, po.encode("utf-8", "replace")]))), "x.po")
    _send(client, "POST", path, data=form)
