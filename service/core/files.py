"""Atomic file writes and the sweep of temporary files that killed writers leave behind."""
from __future__ import annotations

import contextlib
import os
import tempfile
import time
from pathlib import Path

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
