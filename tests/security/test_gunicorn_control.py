"""Finding L9 (third red team): gunicorn 27 opened its control socket at one default path per user
(``~/.gunicorn/gunicorn.ctl``), so two instances on one host replaced each other's. Both shipped configurations
now switch it off: two instances run side by side and neither leaves a socket in the user's home."""
from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import time

import pytest

from service.config import ROOT


def _free_port() -> int:
    """An unused TCP port on loopback."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _answers(port: int) -> bool:
    """Whether /ping answers 200."""
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        conn.request("GET", "/ping")
        return conn.getresponse().status == 200
    except OSError:
        return False


@pytest.mark.parametrize("config", ["scripts/gunicorn_conf.py", "deploy/gunicorn.conf.py"])
def test_two_instances_leave_no_control_socket(tmp_path, config):
    """Two servers of one user with the same configuration: both answer, no control socket appears."""
    home = tmp_path / "home"
    home.mkdir()
    servers = []
    try:
        for name in ("one", "two"):
            env = {k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "XDG_"))}
            env.update(HOME=str(home), FLASK_INSTANCE_PATH=str(tmp_path / name), FLASK_SECRET_KEY="x",
                       FLASK_MT_ENABLED="false")
            port = _free_port()
            process = subprocess.Popen([sys.executable, "-m", "gunicorn", "--config", config, "--workers", "1",
                                        "--bind", f"127.0.0.1:{port}", "wsgi:app"], cwd=ROOT, env=env,
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
            servers.append((process, port))
        deadline = time.monotonic() + 60
        while not all(_answers(port) for _, port in servers):
            assert time.monotonic() < deadline and all(p.poll() is None for p, _ in servers), "a server did not start"
            time.sleep(0.2)
        assert not (home / ".gunicorn").exists() or list((home / ".gunicorn").iterdir()) == []
    finally:
        for process, _ in servers:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(30)
