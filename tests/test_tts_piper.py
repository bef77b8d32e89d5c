"""The Piper backend with the real en_US-joe-medium voice: audio, word timings, speed, voice bound, espeak-ng beside."""
from __future__ import annotations

import hashlib
import json
import shutil

import numpy as np
import pytest

from service.audio.cache import AudioCache
from service.audio.render import Segment
from service.tts.base import Backend, BackendError
from service.tts.espeak import EspeakBackend
from service.tts.piper import OUTPUT_RATE, PiperBackend
from service.tts.voices import VoiceStore

from .audio_support import decode

JOE = "en_US-joe-medium"
TEXT = ("The city of Herne invests in its schools, and in the 150 children of the town. "
        "Everyone should develop their talents.")
#: The words of TEXT as the page shows them, punctuation trimmed: each must get exactly one timing.
SHOWN = ["The", "city", "of", "Herne", "invests", "in", "its", "schools", "and", "in", "the", "150", "children",
         "of", "the", "town", "Everyone", "should", "develop", "their", "talents"]


@pytest.fixture(scope="module")
def espeak() -> EspeakBackend:
    """The real espeak-ng, as the fallback and the neighbour in the same process."""
    return EspeakBackend()


@pytest.fixture(scope="module")
def piper(espeak, tmp_path_factory) -> PiperBackend:
    """One Piper backend with the packaged joe voice for English, loaded once for the module."""
    backend = PiperBackend({"en": JOE}, tmp_path_factory.mktemp("voices"), max_loaded=2, fallback=espeak)
    assert backend.usable("en"), backend.status(JOE)
    return backend


@pytest.fixture(scope="module")
def spoken(piper):
    """TEXT synthesized once for the module's timing checks."""
    return piper.synthesize(TEXT, piper.languages()["en"])


def rms(pcm: bytes, start_ms: float, end_ms: float) -> float:
    """Loudness of a stretch of 16-bit PCM at OUTPUT_RATE."""
    samples = np.frombuffer(pcm, dtype=np.int16).astype(np.float64)
    a, b = int(start_ms * OUTPUT_RATE / 1000), int(end_ms * OUTPUT_RATE / 1000)
    return float(np.sqrt(np.mean(samples[a:b] ** 2))) if b > a else 0.0


def test_follows_the_protocol_and_names_voices_by_content(piper):
    """The backend is a Backend; a voice id carries the voice's content hash; the state shows no versions or paths."""
    assert isinstance(piper, Backend)
    voice = piper.languages()["en"]
    files = VoiceStore("/nonexistent").find(JOE)
    digest = hashlib.sha256(files.model.read_bytes() + b"\0" + files.config.read_bytes()).hexdigest()[:16]
    assert voice == f"{JOE}@{digest}"
    assert piper.languages()["de"] == "espeak:de"  # a language without a Piper voice is read by espeak-ng
    state = piper.state()
    assert state == {"available": True, "voices": {JOE: "ok"}, "loaded": 1, "max_loaded": 2}
    assert "piper-tts-1." in piper.version and "espeak-1." in piper.version


def test_audio_length_fits_the_text(spoken):
    """About 21 words of natural speech: between 5 and 12 seconds of 22.05 kHz PCM."""
    assert spoken.sample_rate == OUTPUT_RATE
    assert len(spoken.pcm) == round(spoken.duration_ms * OUTPUT_RATE / 1000) * 2
    assert 5000 < spoken.duration_ms < 12000


def test_every_shown_word_gets_one_timing_in_order(spoken):
    """Words joined by the phonemizer ("in the") and numbers read as several words map back to the shown words."""
    said = [TEXT[w.text_start:w.text_start + w.text_len] for w in spoken.words]
    assert said == SHOWN
    for a, b in zip(spoken.words, spoken.words[1:], strict=False):
        assert 0 <= a.start < a.end <= b.start <= spoken.duration_ms
    assert [TEXT[s.text_start:s.text_start + s.text_len] for s in spoken.sentences] == [
        "The city of Herne invests in its schools, and in the 150 children of the town. ",
        "Everyone should develop their talents.",
    ]
    assert spoken.sentences[0].start == 0 and spoken.sentences[1].end == pytest.approx(spoken.duration_ms)


def test_abbreviations_dates_and_dashes_map_to_their_words(piper):
    """Abbreviations that end a phonemizer sentence, dates and times read as several words, a silent dash."""
    text = "Dr. Smith went to the U.S. on 3 May 2024 — at 10:30 a.m., it's an e-mail!"
    syn = piper.synthesize(text, piper.languages()["en"])
    said = [text[w.text_start:w.text_start + w.text_len] for w in syn.words]
    assert said == ["Dr", "Smith", "went", "to", "the", "U.S", "on", "3", "May", "2024", "at", "10:30", "a.m",
                    "it's", "an", "e-mail"]
    assert all(a.end <= b.start for a, b in zip(syn.words, syn.words[1:], strict=False))
    assert syn.sentences[0].text_start == 0 and syn.sentences[-1].text_start + syn.sentences[-1].text_len == len(text)


def test_word_timings_sit_on_the_sound(spoken):
    """The timed words hold most of the sound, each is voiced, and the pause after "schools," lies between words."""
    loud = rms(spoken.pcm, 0, spoken.duration_ms)
    for w in spoken.words:
        assert rms(spoken.pcm, w.start, w.end) > 0.03 * loud, w  # a pause measures about 0.00
    energy = np.frombuffer(spoken.pcm, dtype=np.int16).astype(np.float64) ** 2
    inside = sum(energy[int(w.start * OUTPUT_RATE / 1000):int(w.end * OUTPUT_RATE / 1000)].sum() for w in spoken.words)
    assert inside > 0.8 * energy.sum()
    schools, and_ = spoken.words[SHOWN.index("schools")], spoken.words[SHOWN.index("and")]
    assert and_.start - schools.end > 100  # the comma's pause is not inside a word
    assert rms(spoken.pcm, schools.end + 20, and_.start - 20) < 0.25 * loud
    number = spoken.words[SHOWN.index("150")]
    the = spoken.words[SHOWN.index("the")]
    assert number.end - number.start > 2 * (the.end - the.start)  # "one hundred and fifty" is one long word


def test_speed_changes_duration(piper, spoken):
    """Faster speech (length scale) is clearly shorter and keeps every word."""
    fast = piper.synthesize(TEXT, piper.languages()["en"], 1.5)
    assert fast.duration_ms < spoken.duration_ms * 0.8
    assert len(fast.words) == len(SHOWN)


def test_text_without_sounds_is_silence_not_a_failure(piper):
    """Only signs ("…") give a short silence without words, and the voice stays in service."""
    syn = piper.synthesize("… —", piper.languages()["en"])
    assert syn.words == [] and 0 < syn.duration_ms <= 200 and set(syn.pcm) == {0}
    assert piper.status(JOE)[0] == "ok"


def test_mp3_through_the_cache_decodes_to_the_timed_length(piper, tmp_path):
    """The cache encodes Piper's PCM as MP3: it decodes to the timed length; a hit does not speak again."""
    cache = AudioCache(tmp_path)
    voices = {"en": piper.languages()["en"], "de": piper.languages()["de"]}
    segments = [Segment("b1", "en", "Lernen am Kanal is our motto."), Segment("b2", "de", "Die Stadt Herne.")]
    entry = cache.get_or_create("en", piper, voices, segments)
    decoded = decode(entry.mp3)
    timings = json.loads(entry.timings.read_text())
    assert decoded.sample_rate == OUTPUT_RATE and decoded.nchannels == 1
    assert abs(decoded.duration * 1000 - timings["duration"]) < 120
    assert [b["id"] for b in timings["blocks"]] == ["b1", "b2"]  # the German block read by espeak-ng, same file
    assert [w["w"] for w in timings["words"] if w["block"] == "b1"] == [0, 1, 2, 3, 4, 5]
    mtime = entry.mp3.stat().st_mtime_ns
    calls = []
    original = piper.synthesize
    piper.synthesize = lambda *a, **k: calls.append(a) or original(*a, **k)  # type: ignore[method-assign]
    try:
        again = cache.get_or_create("en", piper, voices, segments)
    finally:
        del piper.synthesize
    assert again.mp3 == entry.mp3 and calls == [] and entry.mp3.stat().st_mtime_ns == mtime


def test_espeak_and_piper_alternate_in_one_process(piper, espeak):
    """espeak-ng (espeakng-loader) and Piper's own espeak-ng phonemizer do not disturb each other."""
    loaded = piper._get(JOE).voice
    de_before = espeak.synthesize("Die Stadt Herne investiert in ihre Schulen.", "de")
    phonemes_before = loaded.phonemize(TEXT)
    for _ in range(2):
        en = piper.synthesize("Everyone should develop their talents.", piper.languages()["en"])
        de = espeak.synthesize("Die Stadt Herne investiert in ihre Schulen.", "de")
        # espeak-ng varies by some milliseconds from run to run; its German voice and words stay the same
        assert abs(de.duration_ms - de_before.duration_ms) < 0.02 * de_before.duration_ms
        assert [w.text_start for w in de.words] == [w.text_start for w in de_before.words]
        assert all(abs(a.start - b.start) < 40 for a, b in zip(de.words, de_before.words, strict=True))
        assert [w.text_start for w in en.words] == [0, 9, 16, 24, 30]
        assert 1500 < en.duration_ms < 4500
        ru = espeak.synthesize("Город Херне.", "ru")
        assert ru.duration_ms > 300 and len(ru.words) == 2
    assert loaded.phonemize(TEXT) == phonemes_before  # Piper's phonemizer still speaks English


def test_voice_bound_evicts_the_least_recently_used(espeak, tmp_path):
    """With room for one voice, loading a second one drops the first; both still speak."""
    store = VoiceStore(tmp_path, packages=False)
    joe = VoiceStore("/nonexistent").find(JOE)
    for name in ("joe-a", "joe-b"):
        (tmp_path / f"{name}.onnx").symlink_to(joe.model)
        (tmp_path / f"{name}.onnx.json").symlink_to(joe.config)
    backend = PiperBackend({"en": "joe-a", "tr": "joe-b"}, tmp_path, max_loaded=1, fallback=espeak, packages=False)
    assert set(store.all()) == {"joe-a", "joe-b"}
    assert backend.usable("en") and backend.loaded() == ["joe-a"]
    assert backend.usable("tr") and backend.loaded() == ["joe-b"]
    assert backend.usable("en") and backend.loaded() == ["joe-b"]  # known good: checking does not reload
    assert backend.synthesize("Hello.", backend.languages()["en"]).words
    assert backend.loaded() == ["joe-a"]


def test_missing_and_corrupt_voices_are_not_usable(espeak, tmp_path):
    """A voice that is not there, or whose model is garbage, is reported and never handed out."""
    backend = PiperBackend({"en": "gone", "tr": "bad"}, tmp_path, fallback=espeak, packages=False)
    shutil.copy(VoiceStore("/nonexistent").find(JOE).config, tmp_path / "bad.onnx.json")
    (tmp_path / "bad.onnx").write_bytes(b"\x08\x07" + b"not a model" * 200)
    assert not backend.usable("en") and backend.status("gone")[0] == "missing"
    assert not backend.usable("tr") and backend.status("bad")[0] == "broken"
    assert backend.languages()["en"].startswith("espeak:")
    with pytest.raises(BackendError, match="broken"):
        backend.synthesize("Hello.", "bad@0")
