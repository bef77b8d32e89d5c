"""How /ping answers while slow clients drip request bodies, for each gunicorn worker class.

Run: .venv/bin/python bench/bench_slow_clients.py [--slow 10] [--seconds 12]
Each configuration is started on a free port of 127.0.0.1; ``--slow`` sockets send a POST to the
feedback form with Content-Length 4000 and then one byte every two seconds, while one client asks
/ping in a loop (a 5 s timeout each). Printed per configuration: /ping answers, time-outs, median
and worst latency, and the same figures without slow clients as the baseline of the same run.
"""
from __future__ import annotations

import argparse
import http.client
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: name -> gunicorn arguments (scripts/serve.sh runs the last one).
CONFIGS = {
    "sync, 2 workers": ["--workers", "2", "--worker-class", "sync"],
    "gthread, 2 workers x 4 threads": ["--workers", "2", "--worker-class", "gthread", "--threads", "4"],
    "gthread, 2 workers x 32 threads": ["--workers", "2", "--worker-class", "gthread", "--threads", "32"],
    "gevent, 2 workers x 1000 connections": ["--workers", "2", "--worker-class", "gevent",
                                             "--worker-connections", "1000"],
}


def free_port() -> int:
    """An unused TCP port on loopback."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ping(port: int, timeout: float = 5.0) -> float | None:
    """Seconds one GET /ping took, or None when it failed or timed out."""
    start = time.monotonic()
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        conn.request("GET", "/ping")
        ok = conn.getresponse().status == 200
        conn.close()
    except OSError:
        return None
    return time.monotonic() - start if ok else None


def wait_up(port: int, timeout: float = 60) -> None:
    """Wait until the server answers /ping."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if ping(port, 2) is not None:
            return
        time.sleep(0.2)
    raise SystemExit("server did not start")


def drip(port: int, stop: threading.Event, interval: float = 2.0) -> None:
    """A slow client: headers at once, then the body one byte every ``interval`` seconds."""
    try:
        sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        sock.sendall(b"POST /de/barrierefreiheit HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                     b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 4000\r\n\r\n")
        while not stop.wait(interval):
            sock.sendall(b"a")
    except OSError:
        pass


def measure(port: int, seconds: float, slow: int) -> dict:
    """Ping for ``seconds`` while ``slow`` dripping sockets are open."""
    stop = threading.Event()
    drippers = [threading.Thread(target=drip, args=(port, stop), daemon=True) for _ in range(slow)]
    for t in drippers:
        t.start()
    time.sleep(1.0 if slow else 0)  # let every slow request reach a worker
    latencies, failures = [], 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        took = ping(port)
        if took is None:
            failures += 1
        else:
            latencies.append(took)
        time.sleep(0.05)
    stop.set()
    return {"ok": len(latencies), "failed": failures,
            "median_ms": 1000 * statistics.median(latencies) if latencies else float("nan"),
            "max_ms": 1000 * max(latencies) if latencies else float("nan")}


def run(name: str, args: list[str], seconds: float, slow: int) -> None:
    """Start one configuration, measure without and with slow clients, print both."""
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "FLASK_SECRET_KEY": "bench", "FLASK_DATABASE": f"{tmp}/service.sqlite",
               "FLASK_MT_ENABLED": "false", "FLASK_BASE_URL": f"http://127.0.0.1:{port}"}
        proc = subprocess.Popen([sys.executable, "-m", "gunicorn", *args, "--bind", f"127.0.0.1:{port}",
                                 "--timeout", "120", "wsgi:app"], cwd=ROOT, env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_up(port)
            base = measure(port, seconds / 2, 0)
            loaded = measure(port, seconds, slow)
        finally:
            proc.terminate()
            proc.wait(30)
    for label, r in (("baseline", base), (f"{slow} slow clients", loaded)):
        print(f"{name:40} {label:16} {r['ok']:5} ok {r['failed']:3} timed out   "
              f"median {r['median_ms']:7.1f} ms   max {r['max_ms']:7.1f} ms", flush=True)


def main() -> None:
    """Measure every configuration (or the ones named) and print a table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slow", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=12)
    parser.add_argument("--only", action="append", help="substring of a configuration name")
    options = parser.parse_args()
    for name, args in CONFIGS.items():
        if not options.only or any(o in name for o in options.only):
            run(name, args, options.seconds, options.slow)


if __name__ == "__main__":
    main()
