"""Cache rules of the app: public pages for shared caches by s-maxage, everything else private; Host never stored."""
from __future__ import annotations

import re

import pytest
from flask import request

from service import create_app

PUBLIC = "public, max-age=0, must-revalidate, s-maxage=2, stale-while-revalidate=1"
AUDIO_RE = re.compile(r"/audio/de/werkstatt/(?:page|b\d+)-([0-9a-f]{32})\.mp3")


def test_public_pages_tell_shared_caches_how_long(client):
    """A page: browsers revalidate, shared caches may keep it for PAGE_SHARED_MAX_AGE seconds; a 304 says the same."""
    page = client.get("/de/werkstatt")
    assert page.status_code == 200 and page.headers["Cache-Control"] == PUBLIC
    again = client.get("/de/werkstatt", headers={"If-None-Match": page.headers["ETag"]})
    assert again.status_code == 304 and again.headers["Cache-Control"] == PUBLIC


def test_shared_max_age_is_configurable(app_config):
    """PAGE_SHARED_MAX_AGE and PAGE_STALE_WHILE_REVALIDATE set the shared-cache part."""
    app = create_app({**app_config, "PAGE_SHARED_MAX_AGE": 30, "PAGE_STALE_WHILE_REVALIDATE": 0})
    rules = app.test_client().get("/en/").headers["Cache-Control"]
    assert rules == "public, max-age=0, must-revalidate, s-maxage=30, stale-while-revalidate=0"


@pytest.mark.parametrize("path", ["/ping", "/sitemap.xml", "/de/no-such-page", "/", "/translate/login"])
def test_what_is_not_marked_public_is_private(client, path):
    """Routes that say nothing about caching, errors, redirects and the workbench are never stored."""
    rules = client.get(path).headers["Cache-Control"]
    assert "no-store" in rules and "public" not in rules


def test_form_answers_are_private(client):
    """The feedback form sent back with the visitor's name and e-mail is private and never stored."""
    answer = client.post("/de/barrierefreiheit", data={"name": "Erika Mustermann", "email": "erika@example.org",
                                                         "message": "kurz"})
    assert answer.status_code == 400 and "erika@example.org" in answer.get_data(as_text=True)
    assert "no-store" in answer.headers["Cache-Control"] and "public" not in answer.headers["Cache-Control"]


def test_a_request_with_a_cookie_gets_a_private_answer(client):
    """A page asked for with a cookie (a translator's session) may be personal: private, never shared."""
    client.set_cookie("session", "anything")
    assert client.get("/de/").headers["Cache-Control"] == "private, no-store"


def test_a_forged_host_does_not_reach_other_visitors(client):
    """A forged Host never reaches the page the next visitor gets from the page cache."""
    client.get("/tr/", headers={"Host": "evil.example"})
    normal = client.get("/tr/")
    assert normal.status_code == 200 and "evil.example" not in normal.get_data(as_text=True)


def test_a_configured_site_wins_over_host(app_config):
    """With the site's URL configured (BASE_URL, SERVER_NAME), a forged Host changes nothing in a page."""
    app = create_app({**app_config, "BASE_URL": "http://bildung.example.org", "SERVER_NAME": "bildung.example.org"})
    client = app.test_client()
    forged = client.get("/tr/", headers={"Host": "evil.example"})
    assert forged.status_code == 400  # not a trusted host (TRUSTED_HOSTS follows BASE_URL)
    normal = client.get("/tr/", headers={"Host": "bildung.example.org"}).get_data(as_text=True)
    assert "http://bildung.example.org/tr/" in normal and "evil.example" not in normal


def test_audio_names_its_file_for_nginx(app_config, tmp_path):
    """With AUDIO_X_ACCEL_PREFIX the app checks the URL and answers X-Accel-Redirect, with no body."""
    app = create_app({**app_config, "AUDIO_X_ACCEL_PREFIX": "/_audio/"})
    client = app.test_client()
    match = AUDIO_RE.search(client.get("/de/werkstatt").get_data(as_text=True))
    reply = client.get(match.group(0))
    assert reply.status_code == 200 and reply.data == b""
    assert reply.headers["X-Accel-Redirect"] == f"/_audio/de/{match.group(1)}.mp3"
    assert reply.headers["Content-Type"] == "audio/mpeg"
    assert (tmp_path / "audio_cache" / "de" / f"{match.group(1)}.mp3").stat().st_size > 1000
    rules = reply.headers["Cache-Control"]
    assert "immutable" in rules and "max-age=31536000" in rules and "s-maxage=2" in rules
    cues = client.get(match.group(0).replace(".mp3", ".vtt"))
    assert cues.headers["X-Accel-Redirect"].endswith(".vtt")
    assert cues.headers["Content-Type"] == "text/vtt; charset=utf-8"
    assert client.get(match.group(0).replace(match.group(1), "0" * 32)).status_code == 404


# -- the page front: a repeated page answered before Flask -------------------------------------------------

def counted(app) -> list[str]:
    """The paths Flask itself handles from now on (a request the page front answers never gets here)."""
    seen: list[str] = []
    app.before_request(lambda: seen.append(request.path) and None)
    return seen


def test_a_repeated_page_is_answered_before_flask(app):
    """The second GET of a page gets the same bytes and headers from the front: Flask does no work for it."""
    client = app.test_client()
    seen = counted(app)
    first = client.get("/tr/werkstatt")
    second = client.get("/tr/werkstatt")
    assert first.status_code == second.status_code == 200
    assert second.data == first.data and dict(second.headers) == dict(first.headers)
    assert seen == ["/tr/werkstatt"]
    head = client.head("/tr/werkstatt")
    assert head.status_code == 200 and head.data == b""
    assert head.headers["Content-Length"] == str(len(first.data)) and head.headers["ETag"] == first.headers["ETag"]
    assert seen == ["/tr/werkstatt"]


def test_the_front_answers_if_none_match_with_304(app):
    """A browser revalidating a page it has gets a 304 from the front, with the page's ETag and cache rules."""
    client = app.test_client()
    seen = counted(app)
    page = client.get("/de/")
    for etag in (page.headers["ETag"], f'W/{page.headers["ETag"]}', f'"other", {page.headers["ETag"]}', "*"):
        again = client.get("/de/", headers={"If-None-Match": etag})
        assert again.status_code == 304 and again.data == b""
        assert again.headers["ETag"] == page.headers["ETag"] and again.headers["Cache-Control"] == PUBLIC
        assert "Content-Length" not in again.headers and "Content-Type" not in again.headers
    changed = client.get("/de/", headers={"If-None-Match": '"something-else"'})
    assert changed.status_code == 200 and changed.data == page.data
    assert seen == ["/de/"]


def test_each_accept_encoding_gets_its_own_compressed_answer(app):
    """Brotli, gzip and plain answers are kept apart and each is compressed once, not on every request."""
    import gzip

    import brotli

    client = app.test_client()
    seen = counted(app)
    plain = client.get("/uk/")
    br = [client.get("/uk/", headers={"Accept-Encoding": "gzip, deflate, br"}) for _ in range(2)]
    gz = [client.get("/uk/", headers={"Accept-Encoding": "gzip"}) for _ in range(2)]
    assert plain.headers.get("Content-Encoding") is None
    assert [r.headers["Content-Encoding"] for r in br + gz] == ["br", "br", "gzip", "gzip"]
    assert brotli.decompress(br[1].data) == plain.data and gzip.decompress(gz[1].data) == plain.data
    assert br[1].headers["ETag"] != plain.headers["ETag"]  # each variant's own validator (Flask-Compress)
    assert seen == ["/uk/"] * 3


@pytest.mark.parametrize("extra", [
    {"query_string": "x=1"},
    {"cookie": "anything"},
    {"headers": {"Range": "bytes=0-99"}},
    {"headers": {"If-Modified-Since": "Mon, 30 Nov 2026 10:00:00 GMT"}},
    {"headers": {"Host": "other.example"}},
    {"method": "POST"},
])
def test_what_the_front_leaves_to_flask(app, extra):
    """Query strings, cookies, ranges, other conditions, another Host and other methods always reach Flask."""
    client = app.test_client()
    seen = counted(app)
    client.get("/pl/")
    kwargs = dict(extra)
    if "cookie" in kwargs:
        client.set_cookie("session", kwargs.pop("cookie"))
    client.open("/pl/", method=kwargs.pop("method", "GET"), **kwargs)
    assert seen == ["/pl/", "/pl/"]


def test_a_catalog_change_reaches_the_next_answer(app, translations_dir):
    """A stored answer is served only while its locale's catalogs are unchanged: a saved fix shows at once."""
    from service.catalogs import compile_po, load_po, po_path, save_po

    client = app.test_client()
    before = client.get("/en/werkstatt").get_data(as_text=True)
    path = po_path(translations_dir, "en")
    catalog = load_po(path, "en")
    message = next(m for m in catalog if m.id and isinstance(m.string, str) and m.string
                   and re.fullmatch(r"[A-Za-z][\w ,.-]{8,}", m.string) and m.string in before)
    message.string = "Front check 7f3a"
    save_po(path, catalog)
    compile_po(path)
    after = client.get("/en/werkstatt").get_data(as_text=True)
    assert "Front check 7f3a" in after and client.get("/en/werkstatt").get_data(as_text=True) == after
    assert client.get("/tr/werkstatt").status_code == 200  # other locales are unaffected


def test_the_front_can_be_turned_off(app_config):
    """PAGE_FRONT_SIZE=0: every request reaches Flask (its own page cache still renders each page once)."""
    app = create_app({**app_config, "PAGE_FRONT_SIZE": 0})
    client = app.test_client()
    seen = counted(app)
    assert client.get("/de/").data == client.get("/de/").data
    assert seen == ["/de/", "/de/"]
