"""The Debian voices in the real app: ``auto`` picks them, pages speak with them, health and `flask voices list`
show them, a missing voice falls back to espeak-ng, and a voice change changes the audio's URL."""
from __future__ import annotations

import re

import pytest

from service import create_app
from service.audio.publish import audio_urls, page_segments
from service.tts.auto import PREFERENCES
from service.tts.text import word_starts

from .audio_support import decode

SLUG = "werkstatt"
#: What ``auto`` chooses with the voices setup.sh --test installs (the first choice of every locale).
CHOSEN = {"de": "mbrola", "tr": "mbrola", "ar": "mbrola", "ro": "mbrola",
          "pl": "rhvoice", "ru": "rhvoice", "uk": "rhvoice", "en": "rhvoice"}


@pytest.fixture
def app_config(app_config, tmp_path):
    """The default voice choice (conftest pins espeak-ng for the other tests); no background warming."""
    return {**app_config, "TTS_BACKENDS": {"default": "auto"}, "VOICES_DIR": str(tmp_path / "voices"),
            "AUDIO_WARM": False}


def urls(app, locale: str, audio_id: str = "b4") -> dict[str, str]:
    """The content-hashed URLs of a section's audio, as the page publishes them now."""
    with app.test_request_context("/"):
        return audio_urls(locale, SLUG, audio_id)


def test_auto_speaks_each_locale_with_its_best_installed_voice(app, client):
    """With the Debian voices installed and the default setting, every locale but none speaks with a better voice."""
    tts = app.extensions["tts"]
    for locale, backend in CHOSEN.items():
        state = tts.locale_state(locale)
        assert state["serving"] == backend and "fallback" not in state, (locale, state)
        assert f"{backend}:{state['voice']}" == PREFERENCES[locale][0]
    assert tts.locale_state("fr")["serving"] == "espeak"  # a machine-translated locale: espeak-ng
    health = client.get("/healthz")
    body = health.get_json()
    assert health.status_code == 200 and body["status"] == "ok"
    de = body["locales"]["de"]
    assert de["voice"] == "de6" and de["installed"][0]["voice"] == "mbrola:de6"
    assert "non-commercial" in de["installed"][0]["licence"] and 40 < de["installed"][0]["size_mb"] < 80
    assert de["installed"][-1]["voice"] == "espeak"
    ru = [v["voice"] for v in body["locales"]["ru"]["installed"]]
    assert ru[0] == "rhvoice:aleksandr-hq" and "rhvoice:irina" in ru
    text = health.get_data(as_text=True)
    assert "/usr/" not in text and "@" not in text and "1.8.0" not in text  # no paths, voice ids or versions


@pytest.mark.parametrize("locale", ["de", "ru"])
def test_a_section_speaks_with_the_voice_in_sync(app, client, locale):
    """The section's MP3 decodes to its timed length; every shown word of each block is timed once, in order."""
    u = urls(app, locale)
    mp3, timings = client.get(u["mp3"]), client.get(u["json"]).get_json()
    assert mp3.status_code == 200 and timings["backend"] == CHOSEN[locale]
    decoded = decode(mp3.data)
    assert decoded.sample_rate == 22050 and abs(decoded.duration * 1000 - timings["duration"]) < 150
    with app.test_request_context("/"):
        segments = {s.block: s for s in page_segments(locale, SLUG, "b4")}
    for block in timings["blocks"]:
        words = [w for w in timings["words"] if w["block"] == block["id"]]
        shown = word_starts(segments[block["id"]].text)
        assert [w["w"] for w in words] == sorted({w["w"] for w in words})  # once each, in order
        assert len(words) >= 0.8 * len(shown)
        assert all(block["start"] <= w["start"] <= w["end"] <= block["end"] for w in words)


def test_a_missing_voice_falls_back_to_espeak(app_config, client):
    """A configured voice that is not installed: espeak-ng reads the locale, health says why, the page works."""
    app = create_app({**app_config, "TTS_BACKENDS": {"default": "auto", "de": "mbrola:de9", "ru": "rhvoice:nobody"}})
    client = app.test_client()
    tts = app.extensions["tts"]
    for locale, backend, voice in (("de", "mbrola", "de9"), ("ru", "rhvoice", "nobody")):
        assert tts.locale_state(locale) == {"backend": backend, "voice": voice, "serving": "espeak",
                                            "fallback": "missing", "available": True}
        timings = client.get(urls(app, locale)["json"]).get_json()
        assert timings["backend"] == "espeak" and timings["words"]
        assert client.get(f"/{locale}/{SLUG}").status_code == 200
    body = client.get("/healthz").get_json()
    assert body["status"] == "degraded" and body["locales"]["de"]["fallback"] == "missing"
    assert body["locales"]["tr"]["serving"] == "mbrola"  # the other MBROLA voices still speak


def test_the_audio_url_changes_with_the_voice(app_config):
    """Polish by RHVoice magda, RHVoice natan, MBROLA pl1 and espeak-ng: four voices, four cache keys."""
    seen = {}
    for spec in ("rhvoice:magda", "rhvoice:natan", "mbrola:pl1", "espeak"):
        app = create_app({**app_config, "TTS_BACKENDS": {"default": "espeak", "pl": spec}})
        seen[spec] = urls(app, "pl")["mp3"]
    assert len(set(seen.values())) == 4, seen


def test_flask_voices_list_shows_each_locale(app):
    """What speaks each locale, the installed alternatives with licence and size, and the engine versions."""
    out = app.test_cli_runner().invoke(args=["voices", "list"]).output
    assert re.search(r"\n  de\s+mbrola:de6\s+ok\s+de6@[0-9a-f]{12}\n\s+mbrola:de6\s+\d+\.\d MB\s+MBROLA licence", out)
    assert re.search(r"\n  pl\s+rhvoice:magda\s+ok.*\n\s+rhvoice:magda\s+\d+\.\d MB\s+CC-BY-NC-ND-4\.0\n"
                     r"\s+mbrola:pl1\s", out)
    assert re.search(r"\n  rhvoice\s+rhvoice-1\.8\.0\+espeak-1\.", out)
