"""The catalog revision signal of several app servers: one token per locale in a Redis hash.

Whoever saves or compiles a catalog bumps its locale's token (a fresh random value, so a token
never comes back, even after Redis lost its data). Every server reads the whole hash at most once
per ``ttl`` seconds and reloads a locale whose token changed: no file timestamps over a network
file system. When Redis cannot be reached, the last tokens read stay in force (pages keep serving)
and a bump that failed is sent again with the next successful read.
"""
from __future__ import annotations

import logging
import threading
import time
import uuid

import redis

from .redislocks import UNREACHABLE

log = logging.getLogger(__name__)


def _text(value: bytes | str) -> str:
    """A Redis answer as text (a client made without decode_responses answers bytes)."""
    return value.decode() if isinstance(value, bytes) else value


class RedisRevisions:
    """Per-locale catalog tokens under ``<prefix>:catalog-revisions``, memoized per process for ``ttl`` s."""

    def __init__(self, client: redis.Redis, prefix: str = "herne", ttl: float = 0.5):
        """Read and bump tokens in ``client``; trust a read for ``ttl`` seconds."""
        self.client = client
        self.key = f"{prefix}:catalog-revisions"
        self.ttl = ttl
        self._lock = threading.Lock()
        self._tokens: dict[str, str] = {}
        self._read_at = float("-inf")
        self._unsent: set[str] = set()
        self.reachable = True

    def token(self, locale: str) -> str:
        """The locale's current token ("" before its first change)."""
        now = time.monotonic()
        if now - self._read_at >= self.ttl:
            self._read(now)
        return self._tokens.get(locale, "")

    def _read(self, now: float) -> None:
        """Fetch every token (one HGETALL), first resending bumps that failed."""
        with self._lock:
            if now - self._read_at < self.ttl:  # another thread just read
                return
            self._read_at = now
            try:
                for locale in sorted(self._unsent):
                    self._send(locale)
                raw = self.client.hgetall(self.key)
            except UNREACHABLE as exc:
                if self.reachable:
                    log.error("catalog revisions unreadable, keeping the last ones: %s", exc)
                self.reachable = False
                return
            self.reachable = True
            self._tokens = {_text(k): _text(v) for k, v in raw.items()}

    def _send(self, locale: str) -> None:
        """Set a fresh token for a locale (lock held by the caller or not needed)."""
        self.client.hset(self.key, locale, uuid.uuid4().hex[:16])
        self._unsent.discard(locale)

    def bump(self, locale: str) -> bool:
        """Tell every server that a locale's catalog changed; False (and retried later) when Redis is down."""
        try:
            self._send(locale)
        except UNREACHABLE as exc:
            log.error("catalog revision of %s not announced yet (Redis unreachable): %s", locale, exc)
            self._unsent.add(locale)
            return False
        self._read_at = float("-inf")  # this process sees its own change at once
        return True
