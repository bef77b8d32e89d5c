"""Property-based fuzzing (Hypothesis): hostile paths, headers, query strings and forms at every route of the app,
public and workbench (signed in, with a valid CSRF token), never get a 5xx, never echo markup unescaped, never
redirect off the site; the inbox's CSV export stays formula-safe for any text.

Third red team's brief: sizes up to the input limits, Unicode categories (combining marks, NUL, bidi controls), ids
up to 2^64, every workbench route (a test checks the lists below cover the app's URL map), rate limits reset before
each example (so an example tests the code, not the limiter that answered 429), properties beyond status codes.
Examples are few and derandomized, so CI runs the same ones every time (about 30 s in all). Not here: a CPU bound per
request (no timed tests in this suite; bench/ measures), and the runs against nginx and PostgreSQL (tests/deploy,
tests/cluster).
"""
from __future__ import annotations

import csv
import io
from io import BytesIO
from urllib.parse import quote, urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, insert
from werkzeug.exceptions import HTTPException

from service import db
from service.config import SHIPPED_LOCALES
from service.db.schema import feedback, rate_events

from ..test_audio_routes import section_url
from ..workbench_support import login, make_user, token

FUZZ = settings(max_examples=60, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                       HealthCheck.data_too_large])

#: Markup that must never come back unescaped in a page (it is sent in every kind of field).
MARK = '<x-fuzz onload="1">'
#: Values that broke services like this one before (see issues 10 and 21), mixed into random text.
NASTY = ["../../etc/passwd", "%00", "\r\nSet-Cookie: x=1", "9" * 5000, "-" + "9" * 400, "\u202eevil\u202c",
         "<script>alert(1)</script>", MARK, "%(x)s %", "%(name)i", "' OR 1=1 --", "\x00", "a\x00b",
         "//evil.example", "\\\\evil", "/translate/\r\n", "a" * 3000, "", " ", "de", "tr", "ar", "index",
         "barrierefreiheit", "b2", "0123456789abcdef", "é" * 50, "bytes=0-1,2-3", "bytes=-0", "*/*;q=x",
         "de-DE,de;q=abc", "\ufeff", "null", "[]", "{}", "=1+1", ";=HYPERLINK(\"x\")", "=?utf-8?b?YQpi?=@example.org",
         "a" + "\u0301" * 31, "a" + "\u0301\u0316" * 5000, "\u2066\u2067\u2068\u2069\u200e\u200f", "9" * 20,
         str(2**63), str(2**64)]
#: Characters of the kinds that broke parsers and normalizers: combining marks, controls (NUL too), bidi and
#: other format characters, and anything else outside the surrogates.
odd_char = st.one_of(st.characters(whitelist_categories=("Mn", "Me", "Cc", "Cf")),
                     st.sampled_from(["\x00", "\u202e", "\u2066", "\u200f", "\u0301", "\u0316", "\ufeff"]),
                     st.characters(blacklist_categories=("Cs",)))
#: One character repeated up to and just over the limits (INPUT_MAX_CHARS, the mark run, the lexicon, the note).
sized = st.builds(lambda ch, n: ch * n, odd_char, st.sampled_from([1, 30, 31, 200, 201, 5001, 20_000, 20_001]))
text = st.one_of(st.sampled_from(NASTY), st.text(odd_char, max_size=80), sized,
                 st.text(odd_char, max_size=40).map(lambda t: t + MARK))
#: Header values: anything an HTTP parser lets through (no line breaks or NUL).
header_text = st.one_of(st.sampled_from([n for n in NASTY if not any(c in n for c in "\r\n\x00")]),
                        st.text(st.characters(min_codepoint=32, max_codepoint=0x2FFF,
                                              blacklist_categories=("Cs",)), max_size=60))
HEADER_NAMES = ["Accept-Language", "Accept", "Accept-Encoding", "Range", "If-None-Match", "If-Modified-Since",
                "X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto", "Host", "Cookie", "Content-Type",
                "Referer", "X-CSRF-Token", "User-Agent"]
headers = st.dictionaries(st.sampled_from(HEADER_NAMES), header_text, max_size=4)
query = st.dictionaries(st.sampled_from(["next", "back", "q", "page", "status", "state", "locale", "lang", "sent",
                                         "download", "sep", "x"]), text, max_size=4)
locale = st.one_of(st.sampled_from(SHIPPED_LOCALES + ["xx", "de-DE", "DE"]), text)
slug = st.one_of(st.sampled_from(["", "index", "werkstatt", "barrierefreiheit", "datenschutz"]), text)
#: Row ids as a URL names them: small, at the databases' bounds, up to 2^64 and beyond.
row_id = st.one_of(st.integers(0, 2**64), st.sampled_from([1, 2**31, 2**63 - 1, 2**63, 2**64, 10**20, 10**40]))


def _segment(value: str) -> str:
    """A path segment as a client would send it."""
    return quote(value, safe="")


def _reset_limits(app) -> None:
    """Forget every rate-limit count, so each example reaches the code behind the limiter."""
    with db.connect(app) as conn, db.transaction(conn):
        conn.execute(delete(rate_events))


def _send(client, method: str, path: str, **kwargs):
    """One request; no server error, no unescaped markup in a page, no redirect to another site."""
    response = client.open(path, method=method, **kwargs)
    assert response.status_code < 500, (method, path, kwargs, response.status_code)
    if response.mimetype == "text/html":
        body = response.get_data(as_text=True)
        assert MARK not in body and "<script>alert(1)</script>" not in body, (method, path, kwargs)
    location = response.headers.get("Location")
    if location:
        target = urlsplit(location)
        assert target.netloc in ("", "localhost") and not location.startswith(("//", "/\\")), location
        assert "\r" not in location and "\n" not in location
    return response


@pytest.fixture
def audio_url(client) -> str:
    """A real section's MP3 (synthesized once), for Range and conditional headers."""
    return section_url(client)["mp3"]


PUBLIC_GETS = ["/", "/{loc}/", "/{loc}/{page}", "/sitemap.xml", "/robots.txt", "/ping", "/healthz", "/favicon.ico",
               "{audio}", "/audio/{loc}/{page}/{x}", "/audio-check/{loc}/{page}/{x}", "/{loc}/suggest/{page}/{x}",
               "/static/site.css", "/static/{x}", "/{x}", "/audio-lengths/{loc}/{page}"]


@FUZZ
@given(data=st.data(), hdrs=headers, params=query)
def test_public_routes_never_fail(app, client, audio_url, data, hdrs, params):
    """GET and HEAD of every public route with hostile segments, query strings and headers."""
    _reset_limits(app)
    path = data.draw(st.sampled_from(PUBLIC_GETS)).format(
        loc=_segment(data.draw(locale)), page=_segment(data.draw(slug)), x=_segment(data.draw(text)),
        audio=audio_url)
    _send(client, data.draw(st.sampled_from(["GET", "HEAD"])), path, headers=hdrs, query_string=params)


PUBLIC_FORMS = ["/{loc}/barrierefreiheit", "/{loc}/suggest/werkstatt/b2", "/{loc}/suggest/{page}/b1"]


@FUZZ
@given(data=st.data(), hdrs=headers)
def test_public_forms_never_fail(app, client, data, hdrs):
    """The feedback and suggestion forms with hostile fields, every example behind a fresh limiter."""
    _reset_limits(app)
    form = data.draw(st.dictionaries(st.sampled_from(["name", "email", "message", "page", "website", "suggestion"]),
                                     text, max_size=5))
    path = data.draw(st.sampled_from(PUBLIC_FORMS)).format(loc=_segment(data.draw(locale)),
                                                           page=_segment(data.draw(slug)))
    hdrs.pop("Content-Type", None)
    _send(client, "POST", path, data=form, headers=hdrs)


@pytest.fixture
def admin(app, client):
    """A signed-in admin, a translator and one feedback message, and the CSRF token of the admin's session."""
    make_user(app, "root", role="admin", locales=())
    make_user(app, "anna", locales=("en",))
    with db.connect(app) as conn, db.transaction(conn):
        conn.execute(insert(feedback).values(locale="de", page="barrierefreiheit", name="", email="",
                                             message="Der Kontrast ist zu schwach."))
    login(client, "root")
    return client, token(client.get("/translate/").text)


WORKBENCH_GETS = ["/translate/", "/translate/login", "/translate/users", "/translate/{loc}/",
                  "/translate/{loc}/entry/{x}", "/translate/{loc}/download", "/translate/{loc}/upload",
                  "/translate/{loc}/suggestions", "/translate/{loc}/history", "/translate/{loc}/lexicon",
                  "/translate/{loc}/lexicon/{x}.mp3", "/translate/feedback/", "/translate/feedback/export.csv",
                  "/translate/feedback/{id}", "/translate/ping", "/translate/{loc}/comments",
                  "/translate/account/notifications", "/translate/{loc}/contributions",
                  "/translate/{loc}/entry/{x}/machine"]


@FUZZ
@given(data=st.data(), hdrs=headers, params=query)
def test_workbench_pages_never_fail(app, admin, data, hdrs, params):
    """Every workbench page, signed in, with hostile locales, keys, ids, queries and headers."""
    client, _ = admin
    _reset_limits(app)
    template = data.draw(st.sampled_from(WORKBENCH_GETS))
    path = template.format(loc=_segment(data.draw(st.one_of(st.sampled_from(["en", "tr", "de"]), locale))),
                           x=_segment(data.draw(text)), id=data.draw(row_id))
    hdrs.pop("Cookie", None)  # keep the session: the point is to reach the signed-in code
    hdrs.pop("Host", None)
    _send(client, "GET", path, headers=hdrs, query_string=params)


WORKBENCH_FORMS = ["/translate/{loc}/entry/{x}", "/translate/{loc}/upload", "/translate/users",
                   "/translate/{loc}/suggestions/{id}", "/translate/{loc}/lexicon", "/translate/feedback/{id}",
                   "/translate/login", "/translate/{loc}/speech/{x}", "/translate/{loc}/upload/{x}",
                   "/translate/account",
                   "/translate/{loc}/entry/{x}/comments", "/translate/{loc}/comments/{id}/resolve",
                   "/translate/account/notifications"]


@FUZZ
@given(data=st.data())
def test_workbench_forms_never_fail(app, admin, data):
    """Every workbench form, with a valid CSRF token (mostly) and hostile fields: saves, uploads, users, suggestions,
    lexicon terms, inbox notes, logins."""
    client, csrf = admin
    _reset_limits(app)
    loc = data.draw(st.one_of(st.sampled_from(["en", "tr", "ar", "de"]), locale))
    key = data.draw(st.one_of(st.sampled_from(["0123456789abcdef"]), text))
    path = data.draw(st.sampled_from(WORKBENCH_FORMS)).format(
        loc=_segment(loc), x=_segment(key), id=data.draw(st.one_of(st.just(1), row_id)))
    fields = ["msgstr", "msgstr_0", "msgstr_1", "revision", "action", "username", "password", "role", "locales",
              "state", "back", "next", "key", "note", "current", "repeat", "zone", "tz", "confirm",
              "comment", "email", "digest", "language"]
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


FORMULA = ("=", "+", "-", "@", "|", "%")


@settings(FUZZ, max_examples=30)
@given(rows=st.lists(st.tuples(text, text), min_size=1, max_size=3), sep=st.sampled_from([None, "semicolon"]))
def test_the_csv_export_is_formula_safe_for_any_text(app, admin, rows, sep):
    """Whatever the messages hold, no cell of the export starts a formula, however a spreadsheet splits it."""
    client, _ = admin
    _reset_limits(app)
    with db.connect(app) as conn, db.transaction(conn):
        conn.execute(delete(feedback))
        for name, message in rows:
            conn.execute(insert(feedback).values(locale="de", page="x", name=name.replace("\x00", ""), email="",
                                                 message=message.replace("\x00", ""), note=name.replace("\x00", "")))
    response = _send(client, "GET", "/translate/feedback/export.csv", query_string={"state": "all", "sep": sep})
    text_ = response.data.decode("utf-8-sig")
    delimiter = ";" if sep else ","
    parsed = list(csv.reader(io.StringIO(text_), delimiter=delimiter))
    assert len(parsed) == len(rows) + 1
    cells = [c for d in (",", ";") for row in csv.reader(io.StringIO(text_), delimiter=d) for c in row]
    cells += [c for d in (",", ";") for line in text_.replace("\r\n", "\n").split("\n") for c in line.split(d)]
    assert [c for c in cells if c.lstrip(" \"\t\r\n").startswith(FORMULA)] == []


#: Routes the lists above do not fuzz, with the reason.
NOT_FUZZED = {"static": "one file route, fuzzed through /static/{x}", "workbench.logout": "ends the fuzzing session"}


def test_the_fuzz_lists_cover_every_route(app):
    """Each endpoint of the URL map is reached by one of the lists above (or named in NOT_FUZZED with a reason)."""
    adapter = app.url_map.bind("localhost")
    reached = set()
    samples = {"loc": "en", "page": "werkstatt", "x": "0123456789abcdef", "id": "1", "audio": "/audio/de/x/y.mp3"}
    for method, templates in (("GET", PUBLIC_GETS + WORKBENCH_GETS), ("POST", PUBLIC_FORMS + WORKBENCH_FORMS)):
        for template in templates:
            try:
                endpoint, _ = adapter.match(template.format(**samples), method=method)
            except HTTPException:  # a template meant to miss every route (/{x}, /static/{x})
                endpoint = None
            reached.add(endpoint)
    missing = {r.endpoint for r in app.url_map.iter_rules()} - reached - set(NOT_FUZZED)
    assert missing == set()
