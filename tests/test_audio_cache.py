"""The audio cache with the real espeak-ng and lameenc: whole files, keys, locks, crashes, eviction."""
from __future__ import annotations

import contextlib
import errno
import json
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from service.audio import cache as cache_module
from service.audio.cache import AudioCache, CachedAudio, canonical_key
from service.audio.render import Segment
from service.core import files
from service.core.locks import FileLocks, Locks
from service.tts.base import BackendError, Synthesis
from service.tts.espeak import EspeakBackend
from service.tts.mp3 import mp3_info

from .audio_support import PAGE, VOICES, CountingBackend, FailingBackend, decode


@pytest.fixture
def cache(tmp_path) -> AudioCache:
    """An empty cache in a temporary folder."""
    return AudioCache(tmp_path / "audio_cache")


def test_entry_is_whole_and_world_readable(cache):
    """An entry is an MP3 with its timings and cues under <root>/<locale>/, each file 0644, nothing else."""
    entry = cache.get_or_create("de", EspeakBackend(), VOICES, PAGE)
    assert isinstance(entry, CachedAudio) and entry.mp3.parent == cache.root / "de"
    timings = json.loads(entry.timings.read_text())
    sound = decode(entry.mp3)
    assert abs(sound.num_frames / sound.sample_rate * 1000 - timings["duration"]) < 150
    assert [b["id"] for b in timings["blocks"]] == ["b1", "b2", "b3"]
    assert entry.vtt.read_text().startswith("WEBVTT\n\n")
    for path in (entry.mp3, entry.timings, entry.vtt):
        assert oct(path.stat().st_mode & 0o777) == "0o644"
    expected = sorted([entry.mp3.name, entry.timings.name, entry.vtt.name])
    assert sorted(p.name for p in entry.folder.iterdir()) == expected
    assert cache.lookup("de", entry.key) == entry


def test_key_covers_everything_that_changes_the_audio(cache):
    """Text, voice, speed, backend version and format all change the key; nothing else does."""
    b = EspeakBackend()
    base = canonical_key(cache.spec(b, VOICES, PAGE, 1.0))
    assert base == canonical_key(cache.spec(b, dict(VOICES), list(PAGE), 1.0))
    assert base != canonical_key(cache.spec(b, VOICES, PAGE[:2], 1.0))
    assert base != canonical_key(cache.spec(b, VOICES, PAGE, 1.25))
    assert base != canonical_key(cache.spec(b, {**VOICES, "en": "en-us"}, PAGE, 1.0))
    assert base != canonical_key(AudioCache(cache.root, bitrate=32).spec(b, VOICES, PAGE, 1.0))
    assert base != canonical_key(cache.spec(b, VOICES, [*PAGE[:2], Segment("b3", "en", PAGE[2].text, "Spoken.")], 1.0))


def test_configured_bitrate_is_honoured(tmp_path):
    """The cache encodes at the bitrate it was given (no silent cap), and refuses a non-standard one."""
    entry = AudioCache(tmp_path, bitrate=96).get_or_create("de", EspeakBackend(), VOICES, PAGE[:2])
    assert mp3_info(entry.mp3.read_bytes())["max_kbps"] == 96
    with pytest.raises(ValueError, match="AUDIO_BITRATE"):
        AudioCache(tmp_path, bitrate=50)


class RecordingLocks:
    """A Locks backend that records which names were held, and which are held now."""

    def __init__(self) -> None:
        """Nothing held yet."""
        self.taken: list[str] = []
        self.held: set[str] = set()
        self._mutex = threading.Lock()

    @contextlib.contextmanager
    def hold(self, name: str, timeout: float | None = None) -> Iterator[None]:
        """Hold ``name`` (one holder at a time, like a real backend)."""
        with self._mutex:
            self.taken.append(name)
            self.held.add(name)
            try:
                yield
            finally:
                self.held.discard(name)


class LockCheckingBackend(EspeakBackend):
    """The real espeak-ng, noting which locks were held during each synthesis."""

    def __init__(self, locks: RecordingLocks):
        """Watch ``locks``."""
        super().__init__()
        self.locks = locks
        self.seen: list[set[str]] = []

    def synthesize(self, text: str, voice: str, speed: float = 1.0) -> Synthesis:
        """Note the held locks, then synthesize for real."""
        self.seen.append(set(self.locks.held))
        return super().synthesize(text, voice, speed)


def test_synthesis_holds_the_named_lock_of_the_locks_given(tmp_path):
    """The cache takes `audio:<locale>:<key>` from the Locks it was given, holds it while synthesizing, once."""
    locks = RecordingLocks()
    assert isinstance(locks, Locks)
    cache = AudioCache(tmp_path, locks=locks)
    backend = LockCheckingBackend(locks)
    entry = cache.get_or_create("tr", backend, VOICES, PAGE[:2])
    name = f"audio:tr:{entry.key}"
    assert locks.taken == [name]
    assert backend.seen and all(held == {name} for held in backend.seen)
    assert not locks.held
    cache.get_or_create("tr", backend, VOICES, PAGE[:2])  # a hit needs no lock
    assert locks.taken == [name] and len(backend.seen) == 2
    assert not (tmp_path / ".locks").exists(), "no file lock besides the Locks given"


def test_default_locks_are_files_beside_the_cache(cache):
    """Without a Locks object, the cache uses flock files in <root>/.locks, removed once the entry is made."""
    assert isinstance(cache.locks, FileLocks) and cache.locks.root == cache.root / ".locks"
    entry = cache.get_or_create("de", EspeakBackend(), VOICES, PAGE[:1])
    assert cache.get_or_create("de", EspeakBackend(), VOICES, PAGE[:1]) == entry
    assert not cache.locks.path(f"audio:de:{entry.key}").exists()


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
    assert len(cache.files()) == 1


def _crashing_writer(root: str, ready) -> None:
    """Write half of the MP3, tell the parent, and wait to be killed (run in a child process)."""
    def half_then_hang(fd: int, data: bytes) -> None:
        if len(data) > 10_000:  # the MP3, not the small timings files
            os.write(fd, data[: len(data) // 2])
            ready.set()
            time.sleep(60)
        else:
            os.write(fd, data)

    files._write_all = half_then_hang
    AudioCache(root).get_or_create("de", EspeakBackend(), VOICES, PAGE)


def test_crash_mid_write_leaves_no_entry(cache, monkeypatch):
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
    assert cache.files() == []
    # the lock died with the process: a new request is not blocked and writes a whole file
    entry = cache.get_or_create("de", EspeakBackend(), VOICES, PAGE)
    assert entry.key == key
    assert decode(entry.mp3).num_frames > 22050
    assert cache.prune()["stale_tmp"] == 0, "a fresh temporary file may still be written: it stays"
    monkeypatch.setattr(cache_module, "STALE_TMP_SECONDS", 0)
    assert cache.prune()["stale_tmp"] == len(leftovers)
    assert not list((cache.root / "de").glob(".*.tmp"))
    assert cache.lookup("de", key) is not None


def test_prune_removes_orphaned_timings(cache, monkeypatch):
    """Timings whose MP3 never came (a crash between the writes) are removed once stale; entries stay."""
    entry = cache.get_or_create("de", EspeakBackend(), VOICES, PAGE[:1])
    orphan = entry.folder / ("0" * 32 + ".json")
    orphan.write_text("{}")
    orphan.with_suffix(".vtt").write_text("WEBVTT\n")
    cache.prune()
    assert orphan.exists()
    monkeypatch.setattr(cache_module, "STALE_TMP_SECONDS", 0)
    cache.prune()
    assert not orphan.exists() and not orphan.with_suffix(".vtt").exists()
    assert cache.lookup("de", entry.key) is not None


def test_failing_backend_does_not_poison_the_cache(cache):
    """An engine failure raises, leaves nothing behind, and a working engine succeeds afterwards."""
    with pytest.raises(BackendError):
        cache.get_or_create("de", FailingBackend(), VOICES, PAGE)
    assert cache.files() == []
    assert not list((cache.root / "de").glob("*"))
    assert cache.get_or_create("de", EspeakBackend(), VOICES, PAGE).mp3.exists()


def test_full_disk_raises_and_leaves_no_file(cache, monkeypatch):
    """ENOSPC while writing gives a clear OSError and no partial or temporary file."""
    def full(fd: int, data: bytes) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(files, "_write_all", full)
    with pytest.raises(OSError) as info:
        cache.get_or_create("de", EspeakBackend(), VOICES, PAGE[:1])
    assert info.value.errno == errno.ENOSPC
    assert not list((cache.root / "de").glob("*"))


def test_size_bound_evicts_least_recently_used(cache):
    """Beyond the bound, the least recently used entries go; a recent hit keeps an entry."""
    b = EspeakBackend()
    entries = [cache.get_or_create("de", b, VOICES, [Segment("b1", "de", f"Satz Nummer {i}.")]) for i in range(3)]
    sizes = {e.key: size for e, size, _ in cache.files()}
    old = time.time() - 7200
    for i, e in enumerate(entries):
        os.utime(e.mp3, (old + i, old + i))
    assert cache.lookup("de", entries[0].key)  # a hit refreshes the oldest
    cache.max_bytes = sizes[entries[0].key] + sizes[entries[2].key]
    assert cache.evict() == 1
    assert cache.lookup("de", entries[1].key) is None
    assert not entries[1].timings.exists() and not entries[1].vtt.exists()
    assert cache.lookup("de", entries[0].key) and cache.lookup("de", entries[2].key)
    stats = cache.stats()
    assert stats["entries"] == 2 and stats["locales"]["de"]["entries"] == 2
    assert set(stats["locales"]) == {"de"}, "the lock folder is not a locale"
    assert cache.prune(0)["evicted"] == 2 and cache.stats()["entries"] == 0


def test_lookup_rejects_bad_keys_and_locales(cache):
    """Keys and locales become paths: anything but the strict patterns is refused."""
    assert cache.lookup("de", "../../etc/passwd") is None
    assert cache.lookup("de", "A" * 32) is None
    with pytest.raises(ValueError):
        cache.lookup("../x", "0" * 32)
    with pytest.raises(ValueError):
        cache.get_or_create(".locks", EspeakBackend(), VOICES, PAGE[:1])
