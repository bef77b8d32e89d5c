"""The audio cache with the real espeak-ng and lameenc: decoding, timings, locks, crashes, eviction."""
from __future__ import annotations

import errno
import json
import multiprocessing
import os
import signal
import threading
import time
from pathlib import Path

import miniaudio
import pytest

from service import audio
from service.audio import AudioCache, Segment, atomic_write, canonical_key
from service.tts.mp3 import mp3_info
from service.tts import text as speech_text
from service.tts.base import BackendError, Synthesis
from service.tts.espeak import EspeakBackend

VOICES = EspeakBackend().languages()
PAGE = [
    Segment("b1", "de", "Stadt der Talente"),
    Segment("b2", "de", "Über ihre Schulmodernisierungsgesellschaft (HSM) investiert die Stadt rund "
                        "150 Millionen Euro. Mehr unter https://www.herne.de/schule oder schule@herne.de."),
    Segment("b3", "en", "This passage is in English."),
]


class CountingBackend(EspeakBackend):
    """The real espeak-ng, slowed down and counting its syntheses in a file shared by processes."""

    def __init__(self, log: Path, delay: float = 0.3):
        """Append one line to ``log`` per synthesis; sleep ``delay`` to widen races."""
        super().__init__()
        self.log = log
        self.delay = delay

    def synthesize(self, text: str, voice: str, speed: float = 1.0) -> Synthesis:
        """Count, wait, then synthesize for real."""
        with open(self.log, "a") as f:
            f.write(f"{os.getpid()} {voice}\n")
        time.sleep(self.delay)
        return super().synthesize(text, voice, speed)


class FailingBackend(EspeakBackend):
    """A backend whose engine fails."""

    def synthesize(self, text: str, voice: str, speed: float = 1.0) -> Synthesis:
        """Always fail."""
        raise BackendError("engine crashed")


def decode(path: Path) -> miniaudio.DecodedSoundFile:
    """Decode an MP3 file to 16-bit samples at its own rate and channel count."""
    return miniaudio.mp3_read_file_s16(str(path))


@pytest.fixture
def cache(tmp_path) -> AudioCache:
    """An empty cache in a temporary folder."""
    return AudioCache(tmp_path / "audio_cache")


def test_entry_decodes_and_timings_fit(cache):
    """The MP3 decodes to audio as long as the timings say, mono, at most 48 kbit/s; timings are monotonic."""
    entry = cache.get_or_create("de", EspeakBackend(), VOICES, PAGE)
    assert entry.mp3.parent == cache.root / "de"
    timings = json.loads(entry.timings.read_text())
    sound = decode(entry.mp3)
    seconds = sound.num_frames / sound.sample_rate
    assert sound.sample_rate == 22050 and sound.nchannels == 1
    assert abs(seconds * 1000 - timings["duration"]) < 150  # encoder padding only
    n_words = sum(len(s.text.split()) for s in PAGE)
    assert 0.4 * n_words * 60 / 175 < seconds < 3 * n_words * 60 / 175
    info = mp3_info(entry.mp3.read_bytes())
    assert info["channels"] == 1 and info["max_kbps"] <= 48
    assert entry.mp3.stat().st_size * 8 / seconds <= 48_500
    # timings: monotonic, inside the audio, every block present in order
    assert [b["id"] for b in timings["blocks"]] == ["b1", "b2", "b3"]
    for kind in ("words", "sentences", "blocks"):
        items = timings[kind]
        assert items, kind
        assert all(0 <= i["start"] <= i["end"] <= timings["duration"] for i in items)
        assert [i["start"] for i in items] == sorted(i["start"] for i in items)
    # word indexes point into the shown words of their block
    shown = {s.block: s.text.split() for s in PAGE}
    assert all(0 <= w["w"] < len(shown[w["block"]]) for w in timings["words"])
    spoken_b2 = [shown["b2"][w["w"]] for w in timings["words"] if w["block"] == "b2"]
    assert "https://www.herne.de/schule" not in spoken_b2 and "schule@herne.de." not in spoken_b2
    assert "Euro." in spoken_b2
    vtt = entry.vtt.read_text()
    assert vtt.startswith("WEBVTT\n\n") and "-->" in vtt and "This passage is in English." in vtt
    assert oct(entry.mp3.stat().st_mode & 0o777) == "0o644"


def test_cleaning_drops_urls_mails_and_decoration():
    """URLs, e-mail addresses and decorative characters are not spoken; offsets map back to the page."""
    shown = "Info ★ unter https://herne.de/a?b=c, per Mail an info@herne.de. Bürger*innen → hier."
    spoken = speech_text.clean(shown)
    assert "http" not in spoken.text and "@" not in spoken.text and "★" not in spoken.text
    assert "→" not in spoken.text and "*" not in spoken.text
    assert spoken.text.startswith("Info unter , per Mail an . Bürger innen hier")
    for i, ch in enumerate(spoken.text):
        if ch != " ":
            assert shown[spoken.source[i]] == ch
    terms = speech_text.clean("Die HSM und die HSMX.", {"HSM": "Herner Schulmodernisierungsgesellschaft"})
    assert terms.text == "Die Herner Schulmodernisierungsgesellschaft und die HSMX."
    assert terms.source[len("Die Herner")] == len("Die ")


def test_key_covers_everything_that_changes_the_audio(cache):
    """Text, voice, speed, backend version and format all change the key; nothing else does."""
    b = EspeakBackend()
    base = canonical_key(cache.spec(b, VOICES, PAGE, 1.0))
    assert base == canonical_key(cache.spec(b, dict(VOICES), list(PAGE), 1.0))
    assert base != canonical_key(cache.spec(b, VOICES, PAGE[:2], 1.0))
    assert base != canonical_key(cache.spec(b, VOICES, PAGE, 1.25))
    assert base != canonical_key(cache.spec(b, {**VOICES, "en": "en-us"}, PAGE, 1.0))
    assert base != canonical_key(AudioCache(cache.root, bitrate=32).spec(b, VOICES, PAGE, 1.0))


def test_foreign_block_uses_its_own_voice(cache, tmp_path):
    """A block marked lang="en" on a German page is spoken with the English voice."""
    log = tmp_path / "count.log"
    cache.get_or_create("de", CountingBackend(log, delay=0), VOICES, PAGE)
    voices = [line.split()[1] for line in log.read_text().splitlines()]
    assert voices == ["de", "de", "en"]


def test_threads_synthesize_once(cache, tmp_path):
    """Eight threads asking at once for the same cold entry cause one synthesis."""
    log = tmp_path / "count.log"
    backend = CountingBackend(log)
    segs = PAGE[:1]
    results: list = []
    start = threading.Barrier(8)

    def ask() -> None:
        start.wait()
        results.append(cache.get_or_create("de", backend, VOICES, segs))

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 8 and len({r.key for r in results}) == 1
    assert len(log.read_text().splitlines()) == 1


def _worker(root: str, log: str, go, n_threads: int) -> None:
    """A process with several threads asking for the same entry (run in a child process)."""
    cache = AudioCache(root)
    backend = CountingBackend(Path(log))
    go.wait()
    threads = [threading.Thread(target=cache.get_or_create, args=("de", backend, VOICES, PAGE[:1]))
               for _ in range(n_threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def test_processes_synthesize_once(cache, tmp_path):
    """Four processes of three threads each (like gunicorn workers) cause one synthesis."""
    log = tmp_path / "count.log"
    ctx = multiprocessing.get_context("fork")
    go = ctx.Event()
    procs = [ctx.Process(target=_worker, args=(str(cache.root), str(log), go, 3)) for _ in range(4)]
    for p in procs:
        p.start()
    go.set()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    assert len(log.read_text().splitlines()) == 1
    assert len(cache.entries()) == 1


def _crashing_writer(root: str, ready) -> None:
    """Write half of the MP3, tell the parent, and wait to be killed (run in a child process)."""
    def half_then_hang(fd: int, data: bytes) -> None:
        if len(data) > 10_000:  # the MP3, not the small timings files
            os.write(fd, data[: len(data) // 2])
            ready.set()
            time.sleep(60)
        else:
            os.write(fd, data)

    audio._write_all = half_then_hang
    AudioCache(root).get_or_create("de", EspeakBackend(), VOICES, PAGE)


def test_crash_mid_write_leaves_no_entry(cache):
    """A writer killed halfway leaves no entry that is served; the next request builds a whole one."""
    ctx = multiprocessing.get_context("fork")
    ready = ctx.Event()
    child = ctx.Process(target=_crashing_writer, args=(str(cache.root), ready))
    child.start()
    assert ready.wait(60)
    os.kill(child.pid, signal.SIGKILL)
    child.join()
    key = canonical_key(cache.spec(EspeakBackend(), VOICES, PAGE, 1.0))
    leftovers = list((cache.root / "de").glob(".*.tmp"))
    assert leftovers, "the half-written temporary file is where the crash left it"
    assert cache.lookup("de", key) is None
    assert cache.entries() == []
    # the lock died with the process: a new request is not blocked and writes a whole file
    entry = cache.get_or_create("de", EspeakBackend(), VOICES, PAGE)
    assert entry.key == key
    assert decode(entry.mp3).num_frames > 22050
    audio.STALE_TMP_SECONDS, old = 0, audio.STALE_TMP_SECONDS
    try:
        assert cache.prune()["stale_tmp"] == len(leftovers)
    finally:
        audio.STALE_TMP_SECONDS = old
    assert not list((cache.root / "de").glob(".*.tmp"))
    assert cache.lookup("de", key) is not None


def test_failing_backend_does_not_poison_the_cache(cache):
    """An engine failure raises, leaves nothing behind, and a working engine succeeds afterwards."""
    with pytest.raises(BackendError):
        cache.get_or_create("de", FailingBackend(), VOICES, PAGE)
    assert cache.entries() == []
    assert not [p for p in (cache.root / "de").glob("*") if p.name != ".locks"]
    assert cache.get_or_create("de", EspeakBackend(), VOICES, PAGE).mp3.exists()


def test_full_disk_raises_and_leaves_no_file(cache, monkeypatch):
    """ENOSPC while writing gives a clear OSError and no partial or temporary file."""
    def full(fd: int, data: bytes) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(audio, "_write_all", full)
    with pytest.raises(OSError) as info:
        cache.get_or_create("de", EspeakBackend(), VOICES, PAGE[:1])
    assert info.value.errno == errno.ENOSPC
    assert not [p for p in (cache.root / "de").glob("*") if p.name != ".locks"]


def test_size_bound_evicts_least_recently_used(cache):
    """Beyond the bound, the least recently used entries go; a recent hit keeps an entry."""
    b = EspeakBackend()
    entries = [cache.get_or_create("de", b, VOICES, [Segment("b1", "de", f"Satz Nummer {i}.")]) for i in range(3)]
    sizes = {e.key: size for e, size, _ in cache.entries()}
    old = time.time() - 7200
    for i, e in enumerate(entries):
        os.utime(e.mp3, (old + i, old + i))
    assert cache.lookup("de", entries[0].key)  # a hit refreshes the oldest
    cache.max_bytes = sizes[entries[0].key] + sizes[entries[2].key]
    assert cache.evict() == 1
    assert cache.lookup("de", entries[1].key) is None
    assert cache.lookup("de", entries[0].key) and cache.lookup("de", entries[2].key)
    stats = cache.stats()
    assert stats["entries"] == 2 and stats["locales"]["de"]["entries"] == 2
    assert cache.prune(0)["evicted"] == 2 and cache.stats()["entries"] == 0


def test_lookup_rejects_bad_keys_and_locales(cache):
    """Keys and locales become paths: anything but the strict patterns is refused."""
    assert cache.lookup("de", "../../etc/passwd") is None
    assert cache.lookup("de", "A" * 32) is None
    with pytest.raises(ValueError):
        cache.lookup("../x", "0" * 32)


def test_atomic_write_replaces_whole_files(tmp_path):
    """atomic_write leaves either the old or the new content, world-readable, and no temporary file."""
    target = tmp_path / "f.bin"
    atomic_write(target, b"old")
    atomic_write(target, b"new" * 100_000)
    assert target.read_bytes() == b"new" * 100_000
    assert [p.name for p in tmp_path.iterdir()] == ["f.bin"]
