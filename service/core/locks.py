"""Locks around work that must happen once: one small interface, a file backend for one host.

A lock is named by a short string such as ``catalog:tr:messages`` or ``audio:tr:<key>``.
``FileLocks`` uses ``fcntl.flock`` on one file per name (released by the kernel when a
process dies); ``service.core.redislocks.RedisLocks`` has the same interface for several hosts.
"""
from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import re
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Protocol, runtime_checkable

_SAFE_RE = re.compile(r"[^A-Za-z0-9._-]")


class LockTimeout(Exception):
    """A lock could not be taken within the time asked for."""


class LockUnavailable(Exception):
    """The lock service cannot be reached (Redis down): the work was not started."""


class LockLost(Exception):
    """A lock expired while its holder still worked (the holder stalled longer than its lifetime)."""


@runtime_checkable
class Locks(Protocol):
    """Named exclusive locks shared by every process (and, for some backends, every host)."""

    def hold(self, name: str, timeout: float | None = None) -> AbstractContextManager[None]:
        """Hold the lock ``name`` for the ``with`` block; raise LockTimeout after ``timeout`` seconds."""


def lock_file_name(name: str) -> str:
    """A file name for a lock name: readable, safe, and unique even when characters were replaced."""
    safe = _SAFE_RE.sub("_", name)[:80]
    digest = hashlib.sha256(name.encode("utf-8")).hexdigest()[:12]
    return f"{safe}.{digest}.lock"


class FileLocks:
    """``fcntl.flock`` on ``<root>/<name>.lock``: across threads and processes of one host."""

    def __init__(self, root: str | Path):
        """Keep the lock files in ``root`` (created on first use)."""
        self.root = Path(root)

    def path(self, name: str) -> Path:
        """The lock file of a name."""
        return self.root / lock_file_name(name)

    @contextlib.contextmanager
    def hold(self, name: str, timeout: float | None = None) -> Iterator[None]:
        """Hold the lock ``name``; wait forever, or raise LockTimeout after ``timeout`` seconds."""
        self.root.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(self.path(name), os.O_RDWR | os.O_CREAT, 0o600)
        try:
            # Never a blocking flock: under gevent workers it would stop the whole process, and with it the
            # greenlet of the same process that holds the lock. Polling sleeps, which yields to the others.
            deadline = None if timeout is None else time.monotonic() + timeout
            pause = 0.002
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if deadline is not None and time.monotonic() >= deadline:
                        raise LockTimeout(name) from None
                    time.sleep(pause)
                    pause = min(pause * 2, 0.02)
            try:
                yield
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)
