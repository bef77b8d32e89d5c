"""A Piper voice for English in the real app: pages, audio, health; espeak-ng for a missing, broken or failing voice."""
from __future__ import annotations

import pytest

from service import create_app
from service.audio.publish import audio_urls, page_segments
from service.tts import piper as piper_module
from service.tts.base import BackendUnavailable
from service.tts.text import word_starts
from service.tts.voices import VoiceStore

from .audio_support import decode

VOICE = "joe-test"
SLUG = "werkstatt"


@pytest.fixture
def voices_dir(tmp_path):
    """A voices folder whose one voice is the packaged joe voice under another name (linked, not copied)."""
    folder = tmp_path / "voices"
    folder.mkdir()
    joe = VoiceStore(folder).find("en_US-joe-medium")
    (folder / f"{VOICE}.onnx").symlink_to(joe.model)
    (folder / f"{VOICE}.onnx.json").symlink_to(joe.config)
    return folder


@pytest.fixture
def app_config(app_config, voices_dir):
    """English spoken by Piper, every other locale by espeak-ng; no background warming (counts stay exact)."""
    return {**app_config, "TTS_BACKENDS": {"en": f"piper:{VOICE}"}, "VOICES_DIR": str(voices_dir),
            "AUDIO_WARM": False}


def urls(app, locale: str = "en", audio_id: str = "b4") -> dict[str, str]:
    """The content-hashed URLs of a section's audio, as the page publishes them now."""
    with app.test_request_context("/"):
        return audio_urls(locale, SLUG, audio_id)


def count_syntheses(backend, monkeypatch) -> list[str]:
    """Record every synthesis the backend is asked for."""
    calls: list[str] = []
    original = backend.synthesize

    def counting(text: str, voice: str, speed: float = 1.0):
        """Count, then synthesize for real."""
        calls.append(voice)
        return original(text, voice, speed)

    monkeypatch.setattr(backend, "synthesize", counting)
    return calls


def fetch(client, app, locale: str = "en") -> tuple[bytes, dict]:
    """The MP3 and timings of the section, both 200."""
    u = urls(app, locale)
    mp3 = client.get(u["mp3"])
    timings = client.get(u["json"])
    assert mp3.status_code == 200 and timings.status_code == 200, (mp3.status_code, timings.status_code)
    return mp3.data, timings.get_json()


def test_english_is_read_by_piper_with_word_timings(app, client, monkeypatch):
    """English is Piper's: the MP3 decodes to the timed length, words point at shown words, a hit speaks nothing."""
    calls = count_syntheses(app.extensions["tts"].backends["piper"], monkeypatch)
    assert client.get(f"/en/{SLUG}").status_code == 200
    data, timings = fetch(client, app)
    assert timings["backend"] == "piper" and calls and all(v.startswith(f"{VOICE}@") for v in calls)
    decoded = decode(data)
    assert abs(decoded.duration * 1000 - timings["duration"]) < 150
    with app.test_request_context("/"):
        segments = {s.block: s for s in page_segments("en", SLUG, "b4")}
    for block in timings["blocks"]:
        words = [w for w in timings["words"] if w["block"] == block["id"]]
        shown = word_starts(segments[block["id"]].text)
        assert [w["w"] for w in words] == list(range(len(shown)))  # every shown word once, in order
        assert all(a["end"] <= b["start"] for a, b in zip(words, words[1:], strict=False))
        assert all(block["start"] <= w["start"] < w["end"] <= block["end"] for w in words)
    n = len(calls)
    fetch(client, app)
    assert len(calls) == n  # cached: nothing synthesized again
    health = client.get("/healthz").get_json()
    assert health["status"] == "ok"
    installed = health["locales"]["en"].pop("installed")
    assert health["locales"]["en"] == {"backend": "piper", "voice": VOICE, "serving": "piper", "available": True}
    joe = next(v for v in installed if v["voice"] == f"piper:{VOICE}")
    assert joe["licence"] and 50 < joe["size_mb"] < 80  # the model's size
    assert installed[-1] == {"voice": "espeak", "licence": "GPL-3.0-or-later", "size_mb": None}
    assert health["backends"]["piper"] == {"available": True}  # public: no voice details (see flask voices list)
    assert health["locales"]["de"]["serving"] == "espeak"


def test_a_removed_voice_falls_back_to_espeak(app, client, voices_dir):
    """Without its voice file, English is read by espeak-ng under new URLs; health says why; the page works."""
    before = urls(app)
    (voices_dir / f"{VOICE}.onnx").unlink()
    after = urls(app)
    assert after["mp3"] != before["mp3"]
    assert client.get(before["mp3"]).status_code == 404  # the old hash is no longer published
    page = client.get(f"/en/{SLUG}")
    assert page.status_code == 200 and after["mp3"] in page.get_data(as_text=True)
    _, timings = fetch(client, app)
    assert timings["backend"] == "espeak" and timings["words"]
    health = client.get("/healthz")
    body = health.get_json()
    assert health.status_code == 200 and body["status"] == "degraded"
    assert f"piper:{VOICE}" not in [v["voice"] for v in body["locales"]["en"].pop("installed")]
    assert body["locales"]["en"] == {"backend": "piper", "voice": VOICE, "serving": "espeak", "fallback": "missing",
                                     "available": True}
    assert str(voices_dir) not in health.get_data(as_text=True)  # no file paths in public health


def test_a_corrupt_voice_falls_back_to_espeak(app, client, voices_dir):
    """A model file that is garbage is found broken when loaded: English falls back, health says "broken"."""
    model = voices_dir / f"{VOICE}.onnx"
    model.unlink()  # the link, not the packaged voice
    model.write_bytes(b"\x08\x07" + bytes(range(256)) * 64)
    assert client.get(f"/en/{SLUG}").status_code == 200
    _, timings = fetch(client, app)
    assert timings["backend"] == "espeak"
    assert client.get("/healthz").get_json()["locales"]["en"]["fallback"] == "broken"


def test_a_failing_voice_falls_back_to_espeak(app, client, monkeypatch):
    """A voice that fails while speaking answers that one request with 503, then rests: espeak-ng takes over."""
    piper = app.extensions["tts"].backends["piper"]
    u = urls(app)
    loaded = piper._get(VOICE)

    def crash(*args, **kwargs):
        """onnxruntime failing mid-synthesis."""
        raise RuntimeError("onnxruntime: out of memory")

    monkeypatch.setattr(loaded.voice.session, "run", crash)
    r = client.get(u["mp3"], headers={"Accept": "application/json"})
    assert r.status_code == 503 and r.get_json()["error"] == "Read-aloud is not available at the moment."
    assert client.get("/healthz").get_json()["locales"]["en"]["fallback"] == "failed"
    assert urls(app)["mp3"] != u["mp3"]
    _, timings = fetch(client, app)
    assert timings["backend"] == "espeak"


def test_piper_needs_a_voice_per_locale(app_config):
    """"piper" without a voice, or as everyone's default, is refused at start with a clear message."""
    with pytest.raises(ValueError, match="needs a voice"):
        create_app({**app_config, "TTS_BACKENDS": {"en": "piper"}})
    with pytest.raises(ValueError, match="choose it per locale"):
        create_app({**app_config, "TTS_BACKENDS": {"default": f"piper:{VOICE}"}})
    with pytest.raises(ValueError, match="only mbrola, piper, rhvoice take a voice"):
        create_app({**app_config, "TTS_BACKENDS": {"de": "espeak:de"}})



def test_without_piper_installed_english_falls_back(app, client, monkeypatch):
    """Without the optional extra, the Piper locale is spoken by espeak-ng and health says "unavailable"."""
    def missing():
        """What the backend meets when piper-tts is not installed."""
        raise BackendUnavailable("piper-tts is not installed (pip install -e .[piper])")

    monkeypatch.setattr(piper_module, "_engine", missing)
    assert client.get(f"/en/{SLUG}").status_code == 200
    _, timings = fetch(client, app)
    assert timings["backend"] == "espeak"
    body = client.get("/healthz").get_json()
    assert body["locales"]["en"]["fallback"] == "unavailable" and body["backends"]["piper"]["available"] is False
