"""The on-disk audio cache: MP3 files with their timings, keyed by content hash, synthesized once, size-bounded."""
from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..core import offload
from ..core.files import atomic_write, sweep_temp
from ..core.locks import FileLocks, Locks
from ..core.syntax import LOCALE_RE
from ..tts.base import Backend
from ..tts.mp3 import check_bitrate
from .render import FORMAT_VERSION, Segment, render

log = logging.getLogger(__name__)

KEY_RE = re.compile(r"^[0-9a-f]{32}$")
#: A killed writer's temporary file is left behind; prune removes those older than this.
STALE_TMP_SECONDS = 3600
#: A hit refreshes the LRU clock (the MP3's mtime) at most this often.
TOUCH_SECONDS = 600


@dataclass(frozen=True)
class CachedAudio:
    """A complete cache entry: the MP3 and its timings as JSON and WebVTT."""

    locale: str
    key: str
    folder: Path

    @property
    def mp3(self) -> Path:
        """The audio file."""
        return self.folder / f"{self.key}.mp3"

    @property
    def timings(self) -> Path:
        """Word and sentence timings as JSON."""
        return self.folder / f"{self.key}.json"

    @property
    def vtt(self) -> Path:
        """Sentence cues as WebVTT."""
        return self.folder / f"{self.key}.vtt"


def canonical_key(spec: dict) -> str:
    """Hash a canonical JSON form of everything that changes the output."""
    blob = json.dumps(spec, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:32]


def lock_name(locale: str, key: str) -> str:
    """The name of the lock that makes the synthesis of one entry happen once."""
    return f"audio:{locale}:{key}"


class AudioCache:
    """MP3 files and their timings under ``root/<locale>/``, keyed by content hash, size-bounded."""

    def __init__(self, root: str | Path, max_bytes: int = 512 * 1024 * 1024, bitrate: int = 48, quality: int = 5,
                 locks: Locks | None = None):
        """Keep entries under ``root``; evict least recently used beyond ``max_bytes``; lock through ``locks``."""
        self.root = Path(root)
        self.max_bytes = max_bytes
        self.bitrate = check_bitrate(bitrate)
        self.quality = quality
        self.locks: Locks = locks if locks is not None else FileLocks(self.root / ".locks")

    def spec(self, backend: Backend, voices: dict[str, str], segments: list[Segment], speed: float) -> dict:
        """The canonical description of one audio file."""
        return {
            "format": f"mp3-mono-{self.bitrate}k-q{self.quality}-v{FORMAT_VERSION}",
            "backend": backend.name,
            "engine": backend.version,
            "speed": round(float(speed), 3),
            "segments": [
                {"block": s.block, "voice": voices.get(s.lang, ""), "text": s.text, "speech": s.speech or "",
                 **({"terms": [list(t) for t in s.terms]} if s.terms else {})}
                for s in segments
            ],
        }

    def folder(self, locale: str) -> Path:
        """The folder of one locale (validated: it becomes part of a path)."""
        if not LOCALE_RE.match(locale):
            raise ValueError(f"bad locale {locale!r}")
        return self.root / locale

    def lookup(self, locale: str, key: str) -> CachedAudio | None:
        """Return the complete entry for ``key``, or None; a hit counts as a use for LRU."""
        if not KEY_RE.match(key):
            return None
        entry = CachedAudio(locale, key, self.folder(locale))
        try:
            st = entry.mp3.stat()
        except FileNotFoundError:
            return None
        if time.time() - st.st_mtime > TOUCH_SECONDS:
            with contextlib.suppress(OSError):
                os.utime(entry.mp3)
        return entry

    def get_or_create(
        self,
        locale: str,
        backend: Backend,
        voices: dict[str, str],
        segments: list[Segment],
        speed: float = 1.0,
        key: str | None = None,
    ) -> CachedAudio:
        """Return the entry for these segments, synthesizing it once however many ask at a time."""
        key = key or canonical_key(self.spec(backend, voices, segments, speed))
        default_voice = next(iter(voices.values()), "")
        # Synthesis and encoding off the event loop (core/offload.py): readers are served meanwhile.
        return self.get_or_build(locale, key, lambda: offload.run(
            render, backend, segments, lambda lang: voices.get(lang, default_voice), speed, self.bitrate, self.quality,
        ))

    def get_or_build(self, locale: str, key: str, build: Callable[[], tuple[bytes, dict, str]]) -> CachedAudio:
        """Return the entry for ``key``, made once by ``build()`` (MP3, timings, WebVTT) under the key's lock."""
        entry = self.lookup(locale, key)
        if entry:
            return entry
        folder = self.folder(locale)
        with self.locks.hold(lock_name(locale, key)):
            entry = self.lookup(locale, key)  # another thread or worker may have finished meanwhile
            if entry:
                return entry
            entry = CachedAudio(locale, key, folder)
            offload.run(self._write, entry, *build())  # fsyncs wait for the disk: not on the event loop
        try:
            offload.run(self.evict)  # a stat of every entry
        except OSError:  # a cache fault is logged, never fails the request
            log.exception("audio cache eviction failed")
        return entry

    @staticmethod
    def _write(entry: CachedAudio, mp3: bytes, timings: dict, vtt: str) -> None:
        """Write an entry's files; the MP3 last, as its presence marks a complete entry."""
        atomic_write(entry.timings, json.dumps(timings, ensure_ascii=False, separators=(",", ":")).encode())
        atomic_write(entry.vtt, vtt.encode("utf-8"))
        atomic_write(entry.mp3, mp3)

    def files(self, locale: str | None = None) -> list[tuple[CachedAudio, int, float]]:
        """Every complete cached file set (MP3, timings, captions) with its total size in bytes and last use time."""
        out = []
        if locale:
            folders = [self.folder(locale)]
        else:
            folders = sorted(p for p in self.root.glob("*") if p.is_dir() and LOCALE_RE.match(p.name))
        for folder in folders:
            if not folder.is_dir():
                continue
            for mp3 in folder.glob("*.mp3"):
                if not KEY_RE.match(mp3.stem):
                    continue
                entry = CachedAudio(folder.name, mp3.stem, folder)
                try:
                    st = mp3.stat()
                except FileNotFoundError:
                    continue
                size = st.st_size
                for extra in (entry.timings, entry.vtt):
                    with contextlib.suppress(FileNotFoundError):
                        size += extra.stat().st_size
                out.append((entry, size, st.st_mtime))
        return out

    def remove(self, entry: CachedAudio) -> None:
        """Delete one entry, MP3 first so that it is never half-present."""
        for path in (entry.mp3, entry.timings, entry.vtt):
            with contextlib.suppress(FileNotFoundError):
                path.unlink()

    def evict(self, max_bytes: int | None = None) -> int:
        """Remove least recently used entries until the cache fits; return how many were removed."""
        limit = self.max_bytes if max_bytes is None else max_bytes
        items = self.files()
        total = sum(size for _, size, _ in items)
        removed = 0
        for entry, size, _ in sorted(items, key=lambda t: t[2]):
            if total <= limit:
                break
            self.remove(entry)
            total -= size
            removed += 1
        return removed

    def prune(self, max_bytes: int | None = None) -> dict:
        """Trim to the size bound and delete what killed writers left (temporary files, orphaned timings)."""
        stale = sweep_temp(self.root, STALE_TMP_SECONDS)
        now = time.time()
        for timings in self.root.glob("*/*.json"):  # orphans of a crash between the writes
            if KEY_RE.match(timings.stem) and not timings.with_suffix(".mp3").exists():
                with contextlib.suppress(FileNotFoundError):
                    if now - timings.stat().st_mtime > STALE_TMP_SECONDS:
                        timings.unlink()
                        timings.with_suffix(".vtt").unlink(missing_ok=True)
        return {"evicted": self.evict(max_bytes), "stale_tmp": stale}

    def stats(self) -> dict:
        """Entries and bytes per locale, and the bound."""
        per: dict[str, dict[str, int]] = {}
        for entry, size, _ in self.files():
            s = per.setdefault(entry.locale, {"entries": 0, "bytes": 0})
            s["entries"] += 1
            s["bytes"] += size
        return {
            "root": str(self.root),
            "max_bytes": self.max_bytes,
            "bytes": sum(s["bytes"] for s in per.values()),
            "entries": sum(s["entries"] for s in per.values()),
            "locales": per,
        }
