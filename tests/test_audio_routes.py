"""Read-aloud through the real app: player on pages, audio by content hash, ranges, faults, health, CLI."""
from __future__ import annotations

import json
import re

import miniaudio

from service.audio import page_segments
from service.catalogs import compile_po
from service.tts.base import BackendError
from service.tts.espeak import EspeakBackend


class DownBackend(EspeakBackend):
    """An engine that is not installed here."""

    def available(self) -> bool:
        """Never available."""
        return False


class BrokenBackend(EspeakBackend):
    """An engine that loads but fails on every text."""

    def synthesize(self, text, voice, speed=1.0):
        """Always fail."""
        raise BackendError("engine crashed")


def player_data(html: str) -> dict:
    """The JSON the player script reads from a page."""
    m = re.search(r'<script type="application/json" class="player-data">(.*?)</script>', html, re.S)
    assert m, "no player on the page"
    return json.loads(m.group(1))


def section_url(client, locale: str = "de", slug: str = "talentschulen") -> dict:
    """The URLs of the first section's audio on a page."""
    data = player_data(client.get(f"/{locale}/{slug}").get_data(as_text=True))
    return next(iter(data["sections"].values()))


def test_pages_carry_a_player_without_autoplay(client, locales):
    """Every locale's page has the player, a native <audio controls> fallback and no autoplay."""
    for locale in locales:
        html = client.get(f"/{locale}/").get_data(as_text=True)
        data = player_data(html)
        assert data["page"]["mp3"].startswith(f"/audio/{locale}/index/page-")
        assert re.search(r'<audio class="player-audio" controls preload="none" src="/audio/', html)
        assert "autoplay" not in html
        assert '/static/player.js' in html and "role=\"status\"" in html


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
        good.replace("/talentschulen/", "/nosuchpage/"),
        re.sub(r"/b\d+-", "/b999-", good),
        good.replace(".mp3", ".wav"),
        good.replace("/de/", "/xx/"),
        good.replace("/de/", "/../"),
        "/audio/de/talentschulen/page-" + "g" * 32 + ".mp3",
        "/audio/de/talentschulen/" + "x" * 300,
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
    app.extensions["tts"].backends["espeak"] = BrokenBackend()
    r = client.get(urls["mp3"], headers={"Accept": "application/json"})
    assert r.status_code == 503 and "nicht verfügbar" in r.get_json()["error"]
    assert client.get(urls["mp3"]).status_code == 503
    assert app.extensions["audio_cache"].entries() == []
    assert client.get("/de/talentschulen").status_code == 200


def test_health_reports_each_backend(client):
    """The health endpoint reports espeak-ng's state and the backend of each locale."""
    r = client.get("/healthz")
    body = r.get_json()
    assert r.status_code == 200 and body["status"] == "ok"
    assert body["backends"]["espeak"]["available"] is True
    assert body["backends"]["espeak"]["version"].startswith("1.")
    assert set(body["locales"]) == {"de", "en", "tr", "ar", "pl", "uk", "ro", "ru"}
    assert r.headers["Cache-Control"] == "no-store"


def test_every_block_is_spoken_with_its_own_language(app):
    """Each block gets the voice of the language it is shown in (a German fallback gets the German voice)."""
    tts = app.extensions["tts"]
    cache = app.extensions["audio_cache"]
    with app.test_request_context("/"):
        for locale in app.config["SHIPPED_LOCALES"]:
            voices = tts.voices(locale)
            for slug in app.extensions["content"].pages:
                segs = page_segments(locale, slug, "page")
                assert all(s.lang in (locale, "de") for s in segs)
                spec = cache.spec(tts.backend_for(locale), voices, segs, 1.0)
                assert [item["voice"] for item in spec["segments"]] == [voices[s.lang] for s in segs]


def test_speech_catalog_changes_what_is_spoken(app, translations_dir):
    """A speech-domain entry replaces the spoken text (not the shown one) and changes the hash."""
    with app.test_request_context("/"):
        before = page_segments("de", "index", "page")
        target = next(s for s in before if "HSM" in s.text)
        msgid = next(b.msgid for b in app.extensions["content"].get("").blocks if b.id == target.block)
    po = translations_dir / "de" / "LC_MESSAGES" / "speech.po"
    po.parent.mkdir(parents=True, exist_ok=True)
    escaped = msgid.replace('"', '\\"')
    spoken = escaped.replace("(HSM)", "(Ha Es Em)")
    po.write_text(f'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
                  f'#, python-format\nmsgid "{escaped}"\nmsgstr "{spoken}"\n', encoding="utf-8")
    compile_po(po)
    with app.test_request_context("/"):
        after = page_segments("de", "index", "page")
    changed = next(s for s in after if s.block == target.block)
    assert changed.text == target.text and changed.speech and "Ha Es Em" in changed.speech
    assert "%(" not in changed.speech


def test_cli_build_stats_prune(app, runner):
    """`flask audio build` fills the cache, `stats` reports it, `prune` trims it."""
    r = runner.invoke(args=["audio", "build", "--locale", "de", "--page", "talentschulen"])
    assert r.exit_code == 0, r.output
    assert "de/talentschulen/page:" in r.output
    entries = app.extensions["audio_cache"].entries("de")
    assert len(entries) >= 2
    r = runner.invoke(args=["audio", "stats"])
    assert r.exit_code == 0 and re.search(r"de\s+\d+ entries", r.output)
    r = runner.invoke(args=["audio", "prune", "--max-bytes", "0"])
    assert r.exit_code == 0 and f"evicted {len(entries)} entries" in r.output
    assert app.extensions["audio_cache"].entries() == []
