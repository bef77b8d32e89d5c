"""Read-aloud over HTTP through the real app: player on pages, audio by content hash, ranges, faults, health."""
from __future__ import annotations

import json
import re

import miniaudio

from .audio_support import DownBackend, FailingBackend


def player_data(html: str) -> dict:
    """The JSON the player script reads from a page."""
    m = re.search(r'<script type="application/json" class="player-data">(.*?)</script>', html, re.S)
    assert m, "no player on the page"
    return json.loads(m.group(1))


def section_url(client, locale: str = "de", slug: str = "werkstatt") -> dict:
    """The URLs of the first section's audio on a page."""
    data = player_data(client.get(f"/{locale}/{slug}").get_data(as_text=True))
    return next(iter(data["sections"].values()))["urls"]


def test_pages_carry_a_player_without_autoplay(client, locales):
    """Every locale's page has the player, a native <audio controls> fallback and no autoplay."""
    for locale in locales:
        html = client.get(f"/{locale}/").get_data(as_text=True)
        data = player_data(html)
        assert data["page"]["mp3"].startswith(f"/audio/{locale}/index/page-")
        assert re.search(r'<audio class="player-audio" controls preload="none" src="/audio/', html)
        assert "autoplay" not in html
        assert '/static/player.js' in html and "role=\"status\"" in html


def test_download_link_says_what_it_offers(client, locales):
    """The download link starts on the whole page; the player has a translated label for page and section."""
    for locale in locales:
        html = client.get(f"/{locale}/werkstatt").get_data(as_text=True)
        data = player_data(html)
        strings = data["strings"]
        link = re.search(r'<a class="player-download" href="([^"]+)" download>(.*?)</a>', html)
        assert link and link.group(1) == data["page"]["mp3"] + "?download=1"
        assert link.group(2) == strings["download_page"]
        assert strings["download_page"] != strings["download_section"]
        if locale == "de":
            assert strings["download_page"] == "MP3 herunterladen (ganze Seite)"
        else:  # translated, not the German fallback
            assert "herunterladen" not in strings["download_page"] + strings["download_section"], locale


def test_mp3_is_served_immutable_and_decodes(client):
    """The MP3 comes with its type, an immutable cache header, and decodes to speech."""
    urls = section_url(client)
    r = client.get(urls["mp3"])
    assert r.status_code == 200 and r.mimetype == "audio/mpeg"
    assert "immutable" in r.headers["Cache-Control"] and "max-age=31536000" in r.headers["Cache-Control"]
    assert r.headers["Accept-Ranges"] == "bytes"
    sound = miniaudio.decode(r.data, nchannels=1, sample_rate=22050)
    assert sound.num_frames / 22050 > 2
    timings = client.get(urls["json"])
    assert timings.mimetype == "application/json"
    body = timings.get_json()
    assert abs(body["duration"] - sound.num_frames / 22050 * 1000) < 150
    vtt = client.get(urls["vtt"])
    assert vtt.mimetype == "text/vtt" and vtt.get_data(as_text=True).startswith("WEBVTT")
    # the same URL later is served from the cache, byte for byte
    assert client.get(urls["mp3"]).data == r.data


def test_download_parameter_makes_an_attachment(client):
    """`?download=1` (the player's download link) sends the MP3 as a named attachment; playback gets none."""
    url = section_url(client)["mp3"]
    r = client.get(url + "?download=1")
    assert r.status_code == 200
    assert r.headers["Content-Disposition"] == 'attachment; filename="werkstatt-s4-de.mp3"'
    assert "Content-Disposition" not in client.get(url).headers


def test_head_and_ranges(client):
    """HEAD gives the headers alone; single ranges give 206; bad ranges 416, never 500."""
    url = section_url(client)["mp3"]
    full = client.get(url).data
    size = len(full)
    head = client.head(url)
    assert head.status_code == 200 and int(head.headers["Content-Length"]) == size and head.data == b""
    r = client.get(url, headers={"Range": "bytes=0-99"})
    assert r.status_code == 206 and r.data == full[:100]
    assert r.headers["Content-Range"] == f"bytes 0-99/{size}"
    r = client.get(url, headers={"Range": f"bytes={size - 10}-"})
    assert r.status_code == 206 and r.data == full[-10:]
    r = client.get(url, headers={"Range": "bytes=-20"})
    assert r.status_code == 206 and r.data == full[-20:]
    r = client.get(url, headers={"Range": f"bytes=100-{size + 5000}"})
    assert r.status_code == 206 and r.data == full[100:]
    for bad in (f"bytes={size}-", f"bytes={size + 10}-{size + 20}", "bytes=500-100", "bytes=0-1,5-9",
                "bytes=-0", "items=0-1", "bytes=abc", "bytes=-"):
        r = client.get(url, headers={"Range": bad})
        assert r.status_code == 416, bad
        assert r.headers["Content-Range"] == f"bytes */{size}"


def test_unknown_and_tampered_ids_are_404(client):
    """Only published ids with their current hash are served; nothing else is synthesized."""
    urls = section_url(client)
    good = urls["mp3"]
    key = re.search(r"-([0-9a-f]{32})\.mp3$", good).group(1)
    tampered = good.replace(key, ("0" if key[0] != "0" else "1") + key[1:])
    for url in (
        tampered,
        good.replace("/werkstatt/", "/nosuchpage/"),
        re.sub(r"/s\d+-", "/s999-", good),
        re.sub(r"/s\d+-", "/s2-", good),  # a paragraph starts no section
        good.replace(".mp3", ".wav"),
        good.replace("/de/", "/xx/"),
        good.replace("/de/", "/../"),
        "/audio/de/werkstatt/page-" + "g" * 32 + ".mp3",
        "/audio/de/werkstatt/" + "x" * 300,
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(good).status_code == 405
    assert not list((client.application.extensions["audio_cache"].root / "de").glob("*.mp3"))


def test_unavailable_backend_keeps_pages_and_says_so(app, client):
    """With the engine missing, pages render, the player says audio is unavailable, health says degraded."""
    app.extensions["tts"].backends["espeak"] = DownBackend()
    r = client.get("/de/")
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    assert 'class="player-unavailable">' in html and "nicht verfügbar" in html
    assert "player-data" not in html
    health = client.get("/healthz")
    assert health.status_code == 503 and health.get_json()["status"] == "degraded"
    assert health.get_json()["backends"]["espeak"]["available"] is False


def test_failing_synthesis_is_503_and_not_cached(app, client):
    """An engine failing on synthesis gives a clear 503 (JSON or HTML) and leaves no cache entry."""
    urls = section_url(client)
    app.extensions["tts"].backends["espeak"] = FailingBackend()
    r = client.get(urls["mp3"], headers={"Accept": "application/json"})
    assert r.status_code == 503 and r.get_json()["error"] == "Die Vorlesefunktion ist zurzeit nicht verfügbar."
    r = client.get(urls["mp3"])
    assert r.status_code == 503 and "Die Vorlesefunktion ist zurzeit nicht verfügbar." in r.get_data(as_text=True)
    en = section_url(client, "en")
    r = client.get(en["mp3"], headers={"Accept": "application/json"})
    assert r.status_code == 503 and r.get_json()["error"] == "Read-aloud is not available at the moment."
    assert app.extensions["audio_cache"].files() == []
    assert client.get("/de/werkstatt").status_code == 200


def test_health_reports_each_backend(client):
    """The health endpoint reports espeak-ng's state and the backend of each locale."""
    r = client.get("/healthz")
    body = r.get_json()
    assert r.status_code == 200 and body["status"] == "ok"
    assert body["backends"]["espeak"]["available"] is True
    assert body["backends"]["espeak"] == {"available": True}  # no engine version for the public
    assert set(body["locales"]) == {"de", "en", "tr", "ar", "pl", "uk", "ro", "ru"}
    assert r.headers["Cache-Control"] == "no-store"


def test_the_verdict_for_nginx_names_only_published_audio(app, client):
    """/audio-check/ (nginx's auth_request): 200 and a made file for published audio, 403 for anything else."""
    urls = section_url(client)
    good = urls["mp3"]
    check = good.replace("/audio/", "/audio-check/", 1)
    cache = app.extensions["audio_cache"]
    assert cache.files() == []
    verdict = client.get(check)
    assert verdict.status_code == 200 and verdict.data == b""
    assert "s-maxage=" in verdict.headers["Cache-Control"] and "public" in verdict.headers["Cache-Control"]
    key = re.search(r"-([0-9a-f]{32})\.mp3$", good).group(1)
    assert (cache.root / "de" / f"{key}.mp3").stat().st_size > 1000  # made before nginx looks for it
    tampered = check.replace(key, ("0" if key[0] != "0" else "1") + key[1:])
    for url in (tampered, check.replace("/de/", "/xx/"), re.sub(r"/s\d+-", "/s999-", check)):
        assert client.get(url).status_code == 403, url
    app.extensions["tts"].backends["espeak"] = FailingBackend()
    en = section_url(client, "en")["mp3"].replace("/audio/", "/audio-check/", 1)
    assert client.get(en).status_code == 503  # nginx then lets the app answer the reader


def test_lengths_of_the_chunks_made_so_far(client):
    """/audio-lengths names the exact length of each chunk already made, makes none itself, and knows no other page."""
    data = player_data(client.get("/de/werkstatt").get_data(as_text=True))
    url = data["lengths"]
    assert url == "/audio-lengths/de/werkstatt"
    first = data["chunks"][1]
    before = client.get(url)
    assert before.status_code == 200 and "max-age=0" in before.headers["Cache-Control"]
    assert first["block"] not in before.get_json()
    timings = client.get(first["json"]).get_json()  # made now
    after = client.get(url).get_json()
    assert after[first["block"]] == round(timings["duration"])
    assert client.get("/audio-lengths/de/no-such-page").status_code == 404
    assert client.get("/audio-lengths/xx/werkstatt").status_code == 404
