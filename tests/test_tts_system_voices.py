"""The MBROLA and RHVoice backends, for real, with Debian's voices (scripts/setup.sh --test installs them).

One contract runs against both: every voice speaks each shown word once and in order, timed on the sound,
at one output rate; other languages are read by espeak-ng inside the same backend; speed; threads; a missing
or failing voice is reported and never handed out; a voice's id changes with its files.
"""
from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import numpy as np
import pytest

from service.tts.base import Backend, BackendError, VoicedBackend
from service.tts.espeak import EspeakBackend
from service.tts.mbrola import MBROLA_DIR, MbrolaBackend
from service.tts.pcm import OUTPUT_RATE
from service.tts.rhvoice import RhvoiceBackend
from service.tts.system import VoiceState

from .test_tts_espeak import SAMPLES

#: The voices each backend speaks our locales with (the measured choice of docs/operate/debian-voices.md).
VOICES = {
    "mbrola": {"de": "de6", "tr": "tr1", "ar": "ar2", "pl": "pl1", "ro": "ro1"},
    "rhvoice": {"pl": "magda", "ru": "aleksandr-hq", "uk": "anatol", "en": "slt"},
}
CLASSES = {"mbrola": MbrolaBackend, "rhvoice": RhvoiceBackend}
#: (backend, locale) for every voice.
CASES = [(name, loc) for name in sorted(VOICES) for loc in sorted(VOICES[name])]


@pytest.fixture(scope="module")
def espeak() -> EspeakBackend:
    """The wheel's espeak-ng: the reader of other languages."""
    return EspeakBackend()


@pytest.fixture(scope="module")
def backends(espeak) -> dict[str, Backend]:
    """Both backends with their voices, each available (the Debian packages are installed)."""
    out = {name: cls(VOICES[name], fallback=espeak) for name, cls in CLASSES.items()}
    for name, backend in out.items():
        assert backend.available(), (name, backend.engine_error())
    return out


def shown_words(text: str) -> list[str]:
    """The words of a text as a reader sees them, punctuation trimmed."""
    return [w.strip(".,;:!?") for w in text.split()]


def rms(pcm: bytes, start_ms: float, end_ms: float) -> float:
    """Loudness of a stretch of 16-bit PCM at OUTPUT_RATE."""
    samples = np.frombuffer(pcm, dtype=np.int16).astype(np.float64)
    a, b = int(start_ms * OUTPUT_RATE / 1000), int(end_ms * OUTPUT_RATE / 1000)
    return float(np.sqrt(np.mean(samples[a:b] ** 2))) if b > a else 0.0


@pytest.mark.parametrize("name", sorted(CLASSES))
def test_follows_the_protocol(backends, name):
    """A VoicedBackend: version with engine and espeak-ng, voice ids with a fingerprint, state without paths."""
    backend = backends[name]
    assert isinstance(backend, Backend) and isinstance(backend, VoicedBackend)
    assert backend.version.startswith(f"{name}-") and "+espeak-1." in backend.version
    langs = backend.languages()
    for locale, voice in VOICES[name].items():
        assert langs[locale].startswith(f"{voice}@") and len(langs[locale].partition("@")[2]) == 12
        assert backend.usable(locale) and backend.status(voice) == (VoiceState.OK, "installed")
    assert langs["fr"] == "espeak:fr"  # a language without a voice here is read by espeak-ng
    assert backend.state() == {"available": True, "voices": {v: "ok" for v in VOICES[name].values()}}


@pytest.mark.parametrize("name,locale", CASES)
def test_every_voice_speaks_each_word_once_in_order(backends, name, locale):
    """Each shown word gets one timing, in order, inside the audio; two sentences, the second on its first word."""
    backend = backends[name]
    text = SAMPLES[locale]
    syn = backend.synthesize(text, backend.languages()[locale])
    assert syn.sample_rate == OUTPUT_RATE
    assert len(syn.pcm) == round(syn.duration_ms * OUTPUT_RATE / 1000) * 2
    n_words = len(text.split())
    assert 0.3 * n_words < syn.duration_ms / 1000 < 1.2 * n_words  # speech, not silence or a loop
    said = [text[w.text_start:w.text_start + w.text_len].strip(".,;:!?") for w in syn.words]
    assert said == shown_words(text)
    assert all(0 <= a.start <= b.start for a, b in zip(syn.words, syn.words[1:], strict=False))
    assert all(0 <= w.start <= w.end <= syn.duration_ms for w in syn.words)
    second = text.index(". ") + 2
    assert [s.text_start for s in syn.sentences] == [0, second]
    assert syn.sentences[1].start == syn.words[len(text[:second].split())].start


@pytest.mark.parametrize("name,locale", CASES)
def test_timings_sit_on_the_sound(backends, name, locale):
    """Times come from the samples produced: the pause between the sentences is where the sentence changes."""
    backend = backends[name]
    syn = backend.synthesize(SAMPLES[locale], backend.languages()[locale])
    loud = rms(syn.pcm, 0, syn.duration_ms)
    change = syn.sentences[1].start
    # A 16 kHz voice timed as 22.05 kHz would put the change about 27 % late, in the next sentence's sound.
    quietest = min(rms(syn.pcm, t, t + 20) for t in np.arange(change - 80, change + 60, 10))
    assert quietest < 0.15 * loud, (change, syn.duration_ms)  # the pause (some voices pause only 60 ms)
    assert rms(syn.pcm, change, change + 400) > 0.3 * loud
    first = syn.words[0]
    assert rms(syn.pcm, first.start, first.start + 300) > 0.3 * loud  # the first word sounds where it is timed


@pytest.mark.parametrize("name", sorted(CLASSES))
def test_speed_changes_duration(backends, name):
    """Faster speech is clearly shorter and keeps every word."""
    backend = backends[name]
    locale = sorted(VOICES[name])[0]
    voice = backend.languages()[locale]
    normal = backend.synthesize(SAMPLES[locale], voice)
    fast = backend.synthesize(SAMPLES[locale], voice, 1.5)
    assert fast.duration_ms < normal.duration_ms * 0.85
    assert len(fast.words) == len(normal.words)


@pytest.mark.parametrize("name", sorted(CLASSES))
def test_other_languages_are_read_by_espeak_at_the_same_rate(backends, espeak, name):
    """A German block on a page of this backend is espeak-ng's, resampled to the backend's one rate if needed."""
    backend = backends[name]
    syn = backend.synthesize("Die Stadt Herne investiert in ihre Schulen.", "espeak:de")
    plain = espeak.synthesize("Die Stadt Herne investiert in ihre Schulen.", "de")
    assert syn.sample_rate == OUTPUT_RATE and [w.text_start for w in syn.words] == [w.text_start for w in plain.words]
    assert abs(syn.duration_ms - plain.duration_ms) < 0.05 * plain.duration_ms


@pytest.mark.parametrize("name", sorted(CLASSES))
def test_text_without_sounds_is_silence_not_a_failure(backends, name):
    """Only signs ("… —", "—") give a short silence without words, and the voice stays in service."""
    backend = backends[name]
    locale, voice = next(iter(VOICES[name].items()))
    for text in ("… —", "—"):
        syn = backend.synthesize(text, backend.languages()[locale])
        assert syn.words == [] and 0 < syn.duration_ms <= 400 and syn.sample_rate == OUTPUT_RATE
    assert backend.status(voice)[0] == VoiceState.OK


@pytest.mark.parametrize("name", sorted(CLASSES))
def test_a_missing_voice_is_reported_and_never_handed_out(espeak, name):
    """A voice that is not installed: not usable, state "missing", its locale read by espeak-ng, synthesis refused."""
    backend = CLASSES[name]({"de": "xx9"}, fallback=espeak)
    assert not backend.usable("de")
    state, why = backend.status("xx9")
    assert state == VoiceState.MISSING and "xx9" in why
    assert backend.languages()["de"] == "espeak:de"
    assert backend.state()["voices"] == {"xx9": "missing"}
    with pytest.raises(BackendError, match="not installed"):
        backend.synthesize("Hallo.", "xx9@000000000000")


@pytest.mark.parametrize("name", sorted(CLASSES))
def test_a_failing_voice_rests_and_its_locale_falls_back(espeak, name, monkeypatch):
    """A voice whose engine fails on a text is "failed" for a while; its locale is read by espeak-ng meanwhile."""
    backend = CLASSES[name](VOICES[name], fallback=espeak)
    locale, voice = next(iter(VOICES[name].items()))
    vid = backend.languages()[locale]

    def broken(*_args, **_kwargs):
        """The engine crashing on this text."""
        raise RuntimeError("engine crashed")

    monkeypatch.setattr(backend, "speak", broken)
    with pytest.raises(BackendError, match="engine crashed"):
        backend.synthesize("Text.", vid)
    assert backend.status(voice)[0] == VoiceState.FAILED and not backend.usable(locale)
    assert backend.languages()[locale] == f"espeak:{locale}"
    monkeypatch.undo()
    backend._failed.clear()  # the rest is over
    assert backend.usable(locale) and backend.synthesize("Text.", vid).words


def test_an_mbrola_voice_id_changes_with_its_database(espeak, tmp_path):
    """The id (part of every cache key) follows the installed database: another version, another id."""
    folder = tmp_path / "mbrola"
    (folder / "tr1").mkdir(parents=True)
    shutil.copy(Path(MBROLA_DIR) / "tr1" / "tr1", folder / "tr1" / "tr1")
    first = MbrolaBackend({"tr": "tr1"}, fallback=espeak, mbrola_dir=str(folder))
    before = first.languages()["tr"]
    assert first.synthesize(SAMPLES["tr"], before).words
    os.utime(folder / "tr1" / "tr1", ns=(1, 1))  # a package update rewrites the file
    assert MbrolaBackend({"tr": "tr1"}, fallback=espeak, mbrola_dir=str(folder)).languages()["tr"] != before
    (folder / "tr1" / "tr1").unlink()
    gone = MbrolaBackend({"tr": "tr1"}, fallback=espeak, mbrola_dir=str(folder))
    assert gone.status("tr1")[0] == VoiceState.MISSING and gone.languages()["tr"] == "espeak:tr"


def test_threads_get_their_own_results(backends, espeak):
    """MBROLA (Debian's espeak-ng), RHVoice (two engines) and the wheel's espeak-ng in threads: nothing mixes."""
    jobs = [(backends["mbrola"], "de"), (backends["mbrola"], "tr"), (backends["rhvoice"], "ru"),
            (backends["rhvoice"], "uk"), (backends["rhvoice"], "pl"), (espeak, "ar")]
    expected = [b.synthesize(SAMPLES[loc], b.languages()[loc]) for b, loc in jobs]
    results: list[list] = [[] for _ in jobs]
    errors: list[BaseException] = []

    def run(i: int) -> None:
        """Speak job i twice."""
        backend, loc = jobs[i]
        try:
            for _ in range(2):
                results[i].append(backend.synthesize(SAMPLES[loc], backend.languages()[loc]))
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(jobs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    for i, syns in enumerate(results):
        for syn in syns:
            assert [w.text_start for w in syn.words] == [w.text_start for w in expected[i].words]
            assert abs(syn.duration_ms - expected[i].duration_ms) < 0.03 * expected[i].duration_ms


def test_arabic_r_sounds_with_mbrola(backends):
    """Every ر is heard: espeak-ng 1.51 names it R, which Debian's ar1 table lacked (mbrola put silence there)."""
    backend = backends["mbrola"]
    syn = backend.synthesize("رَارَارُو رِيرَا بَابَا", backend.languages()["ar"])
    loud = rms(syn.pcm, 0, syn.duration_ms)
    assert len(syn.words) == 3
    for word in syn.words[:2]:  # the last word ends with the text's closing pause
        quietest = min(rms(syn.pcm, t, t + 40) for t in np.arange(word.start + 40, word.end - 80, 10))
        assert quietest > 0.05 * loud, (word, syn.duration_ms)  # no silent hole inside the word


def test_mbrola_table_rows_compile_as_espeak_ng_does():
    """A row in espeak-ng's source format compiles to the bytes of Debian's own table (ar1: "0 b b 20 b b")."""
    from service.tts import mbrola_tables
    from service.tts.mbrola import debian_library

    table = (Path(debian_library() or "/nonexistent").parent / "espeak-ng-data/mbrola_ph/ar1_phtrans").read_bytes()
    assert mbrola_tables.compile_row("0 b b 20 b b") in table
    assert mbrola_tables.compile_row("4 ? NULL 0 _") in table
    fixed = mbrola_tables.patched(table, mbrola_tables.ROWS["ar1_phtrans"])
    assert mbrola_tables.rows_of(fixed)[0] == mbrola_tables.ROW.unpack(mbrola_tables.compile_row("0 R NULL 0 r"))
    assert mbrola_tables.rows_of(fixed)[1:] == mbrola_tables.rows_of(table)


def test_rhvoice_preload_readies_every_engine_and_gives_them_back(backends):
    """An app server's worker loads the voices into both engines at start (no listener pays for it); the engines
    are free again afterwards and speak as before."""
    from service.tts.rhvoice_lib import ENGINES

    backend = backends["rhvoice"]
    backend.preload()
    assert ENGINES.count == ENGINES.size
    assert len(ENGINES.idle) == ENGINES.size
    syn = backend.synthesize(SAMPLES["pl"], backend.languages()["pl"])
    assert len(syn.words) == len(shown_words(SAMPLES["pl"]))
