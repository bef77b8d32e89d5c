"""Cache rules of the app: public pages for shared caches by s-maxage, everything else private; Host never stored."""
from __future__ import annotations

import re

import pytest

from service import create_app

PUBLIC = "public, max-age=0, must-revalidate, s-maxage=2, stale-while-revalidate=1"
AUDIO_RE = re.compile(r"/audio/de/talentschulen/(?:page|b\d+)-([0-9a-f]{32})\.mp3")


def test_public_pages_tell_shared_caches_how_long(client):
    """A page: browsers revalidate, shared caches may keep it for PAGE_SHARED_MAX_AGE seconds; a 304 says the same."""
    page = client.get("/de/talentschulen")
    assert page.status_code == 200 and page.headers["Cache-Control"] == PUBLIC
    again = client.get("/de/talentschulen", headers={"If-None-Match": page.headers["ETag"]})
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
    assert forged.status_code == 400 or "evil.example" not in forged.get_data(as_text=True)
    normal = client.get("/tr/", headers={"Host": "bildung.example.org"}).get_data(as_text=True)
    assert "http://bildung.example.org/tr/" in normal and "evil.example" not in normal


def test_audio_names_its_file_for_nginx(app_config, tmp_path):
    """With AUDIO_X_ACCEL_PREFIX the app checks the URL and answers X-Accel-Redirect, with no body."""
    app = create_app({**app_config, "AUDIO_X_ACCEL_PREFIX": "/_audio/"})
    client = app.test_client()
    match = AUDIO_RE.search(client.get("/de/talentschulen").get_data(as_text=True))
    reply = client.get(match.group(0))
    assert reply.status_code == 200 and reply.data == b""
    assert reply.headers["X-Accel-Redirect"] == f"/_audio/de/{match.group(1)}.mp3"
    assert reply.headers["Content-Type"] == "audio/mpeg"
    assert (tmp_path / "audio_cache" / "de" / f"{match.group(1)}.mp3").stat().st_size > 1000
    rules = reply.headers["Cache-Control"]
    assert "immutable" in rules and "max-age=31536000" in rules and "s-maxage=2" in rules
    cues = client.get(match.group(0).replace(".mp3", ".vtt"))
    assert cues.headers["X-Accel-Redirect"].endswith(".vtt") and cues.headers["Content-Type"] == "text/vtt; charset=utf-8"
    assert client.get(match.group(0).replace(match.group(1), "0" * 32)).status_code == 404
