"""Atomic file writes and the sweep of temporary files that killed writers leave behind."""
from __future__ import annotations

import contextlib
import logging
import os
import stat
import tempfile
import time
from pathlib import Path

log = logging.getLogger(__name__)

#: Prefix and suffix of every temporary file made here: ``.<name>.<random>.tmp`` beside the target.
TMP_SUFFIX = ".tmp"


def _write_all(fd: int, data: bytes) -> None:
    """Write every byte to ``fd`` in chunks (a seam the crash tests cut)."""
    view = memoryview(data)
    while view:
        written = os.write(fd, view[:65536])
        view = view[written:]


def atomic_write(path: str | Path, data: bytes, mode: int = 0o644, sync_dir: bool = True) -> None:
    """Write ``path`` so that readers see the old or the new content, never a part.

    A temporary file in the same folder is written, fsynced, given ``mode`` (mkstemp makes
    0600; a web server of another user may serve audio) and renamed over the target.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=TMP_SUFFIX)
    try:
        _write_all(fd, data)
        os.fsync(fd)
        os.fchmod(fd, mode)
        os.close(fd)
        fd = -1
        os.replace(tmp, path)
    except BaseException:
        if fd >= 0:
            os.close(fd)
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    if sync_dir:  # the rename itself survives a power cut only once the folder is synced
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def sweep_temp(folder: str | Path, older_than: float, pattern: str = f".*{TMP_SUFFIX}") -> int:
    """Delete temporary files below ``folder`` older than ``older_than`` seconds; return how many."""
    removed = 0
    now = time.time()
    for tmp in Path(folder).rglob(pattern):
        with contextlib.suppress(FileNotFoundError):
            if tmp.is_file() and now - tmp.stat().st_mtime > older_than:
                tmp.unlink()
                removed += 1
    return removed


def private_dir(path: str | Path, tighten: bool = False) -> Path:
    """Create a folder only its owner can enter (0700); with ``tighten``, also an existing looser one."""
    path = Path(path)
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    if tighten:
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            log.warning("%s was open to others (%o): now 0700", path, mode)
            os.chmod(path, 0o700)
    return path


def private_file(path: str | Path) -> Path:
    """Create a file 0600 (in a new folder 0700) before anything writes it; tighten one others could read.

    SQLite's journal files (-wal, -shm, -journal) beside it are tightened too: they hold the same data.
    """
    path = Path(path)
    private_dir(path.parent)
    os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
    for name in (path.name, f"{path.name}-wal", f"{path.name}-shm", f"{path.name}-journal"):
        part = path.with_name(name)
        try:
            mode = stat.S_IMODE(part.stat().st_mode)
        except FileNotFoundError:
            continue
        if mode & 0o077:  # made by older code or another tool
            log.warning("%s was readable by others (%o): now 0600", part, mode)
            os.chmod(part, 0o600)
    return path
