"""deploy/logrotate: nginx's logs (IP address, User-Agent, Referer) are deleted within the 7 days the privacy page
states."""
from __future__ import annotations

import gzip
import os
import shutil
import subprocess

import pytest

from deploy.render import render_all

pytestmark = pytest.mark.deploy

LOGROTATE = shutil.which("logrotate") or "/usr/sbin/logrotate"


def _rendered(tmp_path):
    """The logrotate file rendered for logs in a temporary folder (no nginx running: no pid file)."""
    logs = tmp_path / "logs"
    logs.mkdir(mode=0o755)
    written = render_all(tmp_path / "out", {"LOG_DIR": str(logs), "PID_FILE": str(tmp_path / "nginx.pid")})
    conf = written["logrotate/herne-nginx"]
    os.chmod(conf, 0o644)  # logrotate refuses a configuration others may write
    return conf, logs


def _logrotate(*args) -> subprocess.CompletedProcess:
    """Run Debian's logrotate."""
    if not os.path.exists(LOGROTATE):
        pytest.fail("logrotate is not installed: scripts/setup.sh --test installs it")
    return subprocess.run([LOGROTATE, *map(str, args)], capture_output=True, text=True, timeout=60, check=False)


def test_the_shipped_file_parses(tmp_path):
    """`logrotate -d` (debug: nothing is changed) reads the file without an error, for both logs."""
    conf, logs = _rendered(tmp_path)
    (logs / "access.log").write_text('203.0.113.9 - - [06/Dec/2026:10:00:00 +0000] "GET /de/ HTTP/1.1" 200\n')
    result = _logrotate("-d", "-s", tmp_path / "state", conf)
    assert result.returncode == 0, result.stderr
    out = result.stdout + result.stderr
    assert "error:" not in out.lower(), out
    assert "rotating pattern" in out and "access.log" in out and "error.log" in out
    assert "after 1 days (6 rotations)" in out and "old logs are removed" in out, out


def test_a_line_is_gone_after_seven_daily_rotations(tmp_path):
    """Seven rotations (a week of daily runs) delete what was logged before them; six old files at most."""
    conf, logs = _rendered(tmp_path)
    access = logs / "access.log"
    access.write_text("203.0.113.9 first day\n")
    for day in range(7):
        result = _logrotate("-f", "-s", tmp_path / "state", conf)
        assert result.returncode == 0, result.stderr
        access.write_text(f"198.51.100.{day} day {day + 2}\n")
    kept = sorted(p.name for p in logs.iterdir() if p.name.startswith("access.log."))
    assert len(kept) == 6, kept
    contents = b"".join(p.read_bytes() for p in logs.iterdir())
    assert b"203.0.113.9" not in contents  # nor inside a compressed file:
    for path in logs.glob("access.log.*.gz"):
        assert b"203.0.113.9" not in gzip.decompress(path.read_bytes())
