"""Persistent SQLite cache of machine translations, keyed by a hash of source text, engine, model and locale.

It lives in its own file so that a corrupt cache (a truncated file, a torn write) can be
moved aside and rebuilt without touching the service database: a cache fault is logged
and never fails a request.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from ..core.files import private_file

log = logging.getLogger(__name__)

SCHEMA = """
CREATE TABLE IF NOT EXISTS mt_cache (
    key TEXT PRIMARY KEY,
    locale TEXT NOT NULL,
    engine TEXT NOT NULL,
    model TEXT NOT NULL,
    source_hash TEXT NOT NULL,
    source TEXT NOT NULL,
    text TEXT NOT NULL,
    status TEXT NOT NULL,
    created REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS mt_cache_locale ON mt_cache (locale);
"""


def cache_key(text: str, source_locale: str, locale: str, engine: str, model: str, glossary: str = "") -> str:
    """Hash of a canonical dict of everything that changes the output."""
    canonical = json.dumps(
        {"text": text, "from": source_locale, "to": locale, "engine": engine, "model": model, "glossary": glossary},
        sort_keys=True,
        ensure_ascii=False,
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class CachedTranslation:
    """One cached translation; status is 'ok' or 'rejected' (output lost a protected span)."""

    text: str
    status: str
    model: str


class TranslationCache:
    """Thread-safe access to the cache file; rebuilds it when SQLite says it is corrupt."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._local = threading.local()
        self._generation = 0
        self._lock = threading.Lock()
        self.rebuilds = 0
        self._open_checked()

    # -- connections -----------------------------------------------------------
    def _connect(self) -> sqlite3.Connection:
        """Open the file and apply the schema."""
        private_file(self.path)  # 0600 from the start, in a new folder 0700
        conn = sqlite3.connect(self.path, timeout=30, check_same_thread=False)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.executescript(SCHEMA)
        return conn

    def _open_checked(self) -> None:
        """Check the file at start; rebuild it when it is not a sound SQLite database."""
        try:
            conn = self._connect()
            try:
                ok = conn.execute("PRAGMA quick_check").fetchone()[0]
            finally:
                conn.close()
            if ok != "ok":
                raise sqlite3.DatabaseError(f"quick_check: {ok}")
        except sqlite3.DatabaseError as exc:
            self._rebuild(exc)

    def _conn(self) -> sqlite3.Connection:
        """This thread's connection, reopened after a rebuild."""
        local = self._local
        if getattr(local, "generation", None) != self._generation or getattr(local, "conn", None) is None:
            if getattr(local, "conn", None) is not None:
                try:
                    local.conn.close()
                except sqlite3.Error:
                    pass
            local.conn = self._connect()
            local.generation = self._generation
        return local.conn

    def _rebuild(self, exc: Exception) -> None:
        """Move the damaged file (and its WAL) aside and start an empty cache."""
        with self._lock:
            log.error("MT cache %s is corrupt (%s): rebuilding", self.path, exc)
            stamp = time.strftime("%Y%m%d%H%M%S")
            for suffix in ("", "-wal", "-shm"):
                damaged = Path(str(self.path) + suffix)
                if damaged.exists():
                    os.replace(damaged, Path(f"{self.path}.corrupt-{stamp}{suffix}"))
            self._generation += 1
            self.rebuilds += 1
            conn = self._connect()
            conn.close()

    def _run(self, fn):
        """Run fn(conn); on corruption rebuild once and retry; other faults are logged and give None."""
        for attempt in (1, 2):
            try:
                return fn(self._conn())
            except sqlite3.DatabaseError as exc:
                message = str(exc).lower()
                corrupt = "malformed" in message or "not a database" in message or "corrupt" in message
                if corrupt and attempt == 1:
                    self._rebuild(exc)
                    continue
                log.error("MT cache error: %s", exc)
                return None
        return None

    # -- API -------------------------------------------------------------------
    def get_many(self, keys: list[str]) -> dict[str, CachedTranslation]:
        """The cached entries among keys."""
        if not keys:
            return {}

        def query(conn: sqlite3.Connection) -> dict[str, CachedTranslation]:
            found: dict[str, CachedTranslation] = {}
            for i in range(0, len(keys), 500):
                chunk = keys[i:i + 500]
                marks = ",".join("?" * len(chunk))
                for key, text, status, model in conn.execute(
                    f"SELECT key, text, status, model FROM mt_cache WHERE key IN ({marks})", chunk
                ):
                    found[key] = CachedTranslation(text, status, model)
            return found

        return self._run(query) or {}

    def put(self, key: str, *, locale: str, engine: str, model: str, source: str, text: str,
            status: str = "ok") -> None:
        """Store one translation (replacing an older row of the same key)."""

        def write(conn: sqlite3.Connection) -> None:
            with conn:
                conn.execute(
                    "INSERT OR REPLACE INTO mt_cache"
                    " (key, locale, engine, model, source_hash, source, text, status, created)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (key, locale, engine, model, hashlib.sha256(source.encode()).hexdigest(), source, text, status,
                     time.time()),
                )

        self._run(write)

    def revision(self, locale: str) -> str:
        """Changes whenever a translation of the locale is added (for page cache keys)."""
        row = self._run(lambda c: c.execute("SELECT COUNT(*), MAX(rowid) FROM mt_cache WHERE locale = ?",
                                            (locale,)).fetchone())
        return f"{row[0]}.{row[1]}" if row else "err"

    def stats(self) -> dict[str, dict[str, int]]:
        """Entries per locale and status."""
        rows = self._run(lambda c: c.execute("SELECT locale, status, COUNT(*) FROM mt_cache"
                                             " GROUP BY locale, status").fetchall())
        result: dict[str, dict[str, int]] = {}
        for locale, status, count in rows or []:
            result.setdefault(locale, {})[status] = count
        return result

    def close(self) -> None:
        """Close this thread's connection."""
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None
