"""The espeak-ng backend, for real: every shipped voice, word events, speed, the process-wide lock."""
from __future__ import annotations

import threading

import pytest

from service.tts.base import Backend, BackendError
from service.tts.espeak import EspeakBackend

SAMPLES = {
    "de": "Die Stadt Herne investiert in ihre Schulen. Alle Menschen sollen ihre Talente entfalten können.",
    "en": "The city of Herne invests in its schools. Everyone should be able to develop their talents.",
    "tr": "Herne şehri okullarına yatırım yapıyor. Herkes yeteneklerini geliştirebilmeli.",
    "ar": "تَسْتَثْمِرُ مَدِينَةُ هِيرْنَه فِي مَدَارِسِهَا. يَجِبُ أَنْ يُطَوِّرَ الجَمِيعُ مَوَاهِبَهُمْ.",
    "pl": "Miasto Herne inwestuje w swoje szkoły. Każdy powinien móc rozwijać swoje talenty.",
    "uk": "Місто Герне інвестує у свої школи. Кожен має змогу розвивати свої таланти.",
    "ro": "Orașul Herne investește în școlile sale. Toată lumea ar trebui să își dezvolte talentele.",
    "ru": "Город Херне инвестирует в свои школы. Каждый должен иметь возможность развивать свои таланты.",
}


@pytest.fixture(scope="module")
def backend() -> EspeakBackend:
    """One espeak-ng backend for the module."""
    b = EspeakBackend()
    assert b.available(), b.state()
    return b


def test_follows_the_protocol(backend):
    """The backend satisfies the Backend protocol and reports its version."""
    assert isinstance(backend, Backend)
    assert backend.version.startswith("1.")
    assert set(SAMPLES) <= set(backend.languages())  # every shipped locale has a voice
    assert {"fr", "es", "it", "fa"} <= set(backend.languages())  # and so do languages that MT reaches
    state = backend.state()
    assert state["available"] is True and state["sample_rate"] == 22050


@pytest.mark.parametrize("locale", sorted(SAMPLES))
def test_every_voice_speaks_with_word_events(backend, locale):
    """Each shipped voice gives audio whose length fits the words, and ordered word events inside it."""
    text = SAMPLES[locale]
    syn = backend.synthesize(text, backend.languages()[locale])
    n_words = len(text.split())
    seconds = syn.duration_ms / 1000
    # espeak speaks about 175 words a minute; allow a wide margin for language differences.
    assert 0.4 * n_words * 60 / 175 < seconds < 3.0 * n_words * 60 / 175
    assert len(syn.pcm) == round(syn.duration_ms / 1000 * syn.sample_rate) * 2
    assert len(syn.words) >= n_words * 0.8
    starts = [w.start for w in syn.words]
    assert starts == sorted(starts)
    assert all(0 <= w.start <= w.end <= syn.duration_ms for w in syn.words)
    assert all(0 <= w.text_start < len(text) for w in syn.words)
    # the first word event points at the first word, in characters (not bytes) even for Arabic
    first = text[syn.words[0].text_start:syn.words[0].text_start + syn.words[0].text_len]
    assert first == text.split()[0].rstrip(".,")[: len(first)] and first
    assert len(syn.sentences) == 2
    assert syn.sentences[1].text_start == text.index(".") + 2 or text[syn.sentences[1].text_start - 1] == " "


def test_speed_changes_duration(backend):
    """Twice the speed gives clearly shorter audio."""
    normal = backend.synthesize(SAMPLES["de"], "de", 1.0)
    fast = backend.synthesize(SAMPLES["de"], "de", 2.0)
    assert fast.duration_ms < normal.duration_ms * 0.7


def test_unknown_voice_is_an_error(backend):
    """A voice the engine does not have raises BackendError, and the engine still works afterwards."""
    with pytest.raises(BackendError):
        backend.synthesize("Hallo", "xx-nonexistent")
    assert backend.synthesize("Hallo Welt.", "de").duration_ms > 0


def test_threads_get_their_own_results(backend):
    """Concurrent syntheses in threads are serialized and never mix samples or events."""
    expected = {loc: backend.synthesize(SAMPLES[loc], loc) for loc in ("de", "ru", "ar")}
    results: dict[str, list] = {loc: [] for loc in expected}
    errors: list[BaseException] = []

    def run(loc: str) -> None:
        try:
            for _ in range(3):
                results[loc].append(backend.synthesize(SAMPLES[loc], loc))
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(loc,)) for loc in expected for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    for loc, syns in results.items():
        for syn in syns:
            # espeak-ng carries a little state between calls: samples differ by a few, words do not
            assert abs(syn.duration_ms - expected[loc].duration_ms) < 0.02 * expected[loc].duration_ms
            assert [w.text_start for w in syn.words] == [w.text_start for w in expected[loc].words]
