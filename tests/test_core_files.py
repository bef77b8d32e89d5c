"""Atomic writes and the sweep of stale temporary files, on the real file system."""
from __future__ import annotations

import os
import time

from service.core.files import atomic_write, sweep_temp


def test_atomic_write_replaces_whole_files(tmp_path):
    """atomic_write leaves either the old or the new content, world-readable, and no temporary file."""
    target = tmp_path / "f.bin"
    atomic_write(target, b"old")
    atomic_write(target, b"new" * 100_000)
    assert target.read_bytes() == b"new" * 100_000
    assert oct(target.stat().st_mode & 0o777) == "0o644"
    assert [p.name for p in tmp_path.iterdir()] == ["f.bin"]


def test_sweep_removes_only_stale_temporary_files(tmp_path):
    """Temporary files older than the limit go, in sub-folders too; fresh ones and real files stay."""
    (tmp_path / "de").mkdir()
    stale = tmp_path / "de" / ".x.mp3.abc.tmp"
    fresh = tmp_path / "de" / ".y.mp3.def.tmp"
    real = tmp_path / "de" / "x.mp3"
    for path in (stale, fresh, real):
        path.write_bytes(b"1")
    old = time.time() - 7200
    os.utime(stale, (old, old))
    os.utime(real, (old, old))
    assert sweep_temp(tmp_path, 3600) == 1
    assert not stale.exists() and fresh.exists() and real.exists()
