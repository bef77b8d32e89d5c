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
    """``fcntl.flock`` on ``<root>/<name>.lock``: across threads and processes of one host.

    A lock file lives only while its lock is held or asked for: the holder unlinks it before it lets go, so
    the folder does not grow by one file per audio key. Whoever waited on the unlinked file finds, once it
    has the lock, that the path names another file (or none) and starts over on the current one.
    """

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
        path = self.path(name)
        deadline = None if timeout is None else time.monotonic() + timeout
        fd = self._acquire(path, name, deadline)
        try:
            yield
        finally:
            try:
                os.unlink(path)  # while held: nobody else holds this file, and later comers make a new one
            except FileNotFoundError:
                pass
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
                os.close(fd)

    @staticmethod
    def _acquire(path: Path, name: str, deadline: float | None) -> int:
        """Open and flock the lock file at ``path``; return its descriptor, held."""
        pause = 0.002
        while True:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
            try:
                # Never a blocking flock: under gevent workers it would stop the whole process, and with it the
                # greenlet of the same process that holds the lock. Polling sleeps, which yields to the others.
                while True:
                    try:
                        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                        break
                    except BlockingIOError:
                        if deadline is not None and time.monotonic() >= deadline:
                            raise LockTimeout(name) from None
                        time.sleep(pause)
                        pause = min(pause * 2, 0.02)
                if _same_file(fd, path):
                    return fd
            except BaseException:
                os.close(fd)
                raise
            os.close(fd)  # the holder before us unlinked this file: its lock guards nothing any more


def _same_file(fd: int, path: Path) -> bool:
    """Whether ``path`` still names the open file ``fd`` (a holder unlinks its lock file before releasing it)."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return False
    held = os.fstat(fd)
    return (st.st_dev, st.st_ino) == (held.st_dev, held.st_ino)
