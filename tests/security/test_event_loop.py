"""Finding M1 (third red team): under the run command's gevent workers, CPU-heavy work left the event loop stuck.

Synthesis, MP3 joining and password hashing ran on the loop, so every other request of the process waited
(``/ping`` took 7.5 s median while cold page audio was fetched). They now run in a bounded pool of OS threads
(service/core/offload.py). The child process runs the app as gunicorn's gevent worker does (monkey patched),
holds the first step of the work at a gate, and asks for /ping meanwhile: /ping must answer while the work waits.
(Timings under load: bench/bench_attack.py.)
"""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from service.config import ROOT


@pytest.mark.parametrize("scenario", ["audio", "login"])
def test_ping_answers_while_heavy_work_runs(app_config, scenario):
    """Cold whole-page audio, a login: /ping answers while the work is held, then the work completes."""
    done = subprocess.run([sys.executable, "-m", "tests.security.gevent_loop_probe", scenario, json.dumps(app_config)],
                          cwd=ROOT, capture_output=True, text=True, timeout=180, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    events = json.loads(done.stdout.strip().splitlines()[-1])
    expected_status = "work-200" if scenario == "audio" else "work-303"
    assert events == ["work-started", "ping-200", "work-released", expected_status]


def test_a_listeners_chunk_is_served_while_downloads_wait(app_config):
    """Two cold whole-page downloads held in synthesis cannot take every pool thread: a listener's cold chunk of
    another page is served before they go on, and then they complete (bench/bench_attack.py --listener)."""
    probe = [sys.executable, "-m", "tests.security.gevent_loop_probe", "listener", json.dumps(app_config)]
    done = subprocess.run(probe, cwd=ROOT, capture_output=True, text=True, timeout=180, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    events = json.loads(done.stdout.strip().splitlines()[-1])
    assert "gate-gave-up" not in events
    assert events.index("chunk-200") < min(i for i, e in enumerate(events) if e.startswith("download-2"))
    assert events.count("download-200") == 2
