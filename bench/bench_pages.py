"""Requests per second of a cached localized page against a trivial route of the same app, under gunicorn.

Run: .venv/bin/python bench/bench_pages.py [--seconds 10] [--workers 2]
Uses wrk (Debian package 'wrk') when present, else a keep-alive Python client (slower: it competes for the CPU).
"""
from __future__ import annotations

import argparse
import http.client
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    """An unused TCP port on loopback."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_up(port: int, timeout: float = 30) -> None:
    """Wait until the server answers /ping."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/ping")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("server did not start")


def run_wrk(url: str, seconds: int, headers: dict | None = None) -> float:
    """Requests per second measured by wrk."""
    extra = [arg for name, value in (headers or {}).items() for arg in ("-H", f"{name}: {value}")]
    out = subprocess.run(["wrk", "-t2", "-c32", f"-d{seconds}s", *extra, url], capture_output=True, text=True,
                         check=True).stdout
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))


def run_python(url: str, seconds: int, headers: dict | None = None, threads: int = 8) -> float:
    """Requests per second from keep-alive connections in threads."""
    host, port, path = re.match(r"http://([^:]+):(\d+)(/.*)", url).groups()
    counts = [0] * threads
    stop = time.time() + seconds

    def loop(i: int) -> None:
        conn = http.client.HTTPConnection(host, int(port))
        while time.time() < stop:
            conn.request("GET", path, headers=headers or {})
            conn.getresponse().read()
            counts[i] += 1

    pool = [threading.Thread(target=loop, args=(i,)) for i in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return sum(counts) / seconds


def main() -> None:
    """Start gunicorn, warm the page cache, measure both routes, print figures and the ratio."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--page", default="/tr/talentschulen")
    args = parser.parse_args()
    port = free_port()
    tmp = tempfile.mkdtemp(prefix="bench-pages-")
    env = {**os.environ, "FLASK_DATABASE": f"{tmp}/bench.sqlite", "FLASK_AUDIO_CACHE_DIR": f"{tmp}/audio"}
    gunicorn = [sys.executable, "-m", "gunicorn", "-w", str(args.workers), "-b", f"127.0.0.1:{port}",
                "--log-level", "warning", "wsgi:app"]
    server = subprocess.Popen(gunicorn, cwd=ROOT, env=env)
    try:
        wait_up(port)
        base = f"http://127.0.0.1:{port}"
        for _ in range(20):  # fill every worker's page cache
            conn = http.client.HTTPConnection("127.0.0.1", port)
            conn.request("GET", args.page)
            assert conn.getresponse().status == 200
        measure = run_wrk if shutil.which("wrk") else run_python
        tool = "wrk -t2 -c32" if shutil.which("wrk") else "python keep-alive client, 8 threads"
        trivial = measure(f"{base}/ping", args.seconds)
        page = measure(f"{base}{args.page}", args.seconds)
        # As browsers ask: compressed (brotli), kept compressed by the page front rather than compressed each time.
        browser = measure(f"{base}{args.page}", args.seconds, {"Accept-Encoding": "gzip, deflate, br"})
        print(f"load tool: {tool}; gunicorn sync workers: {args.workers}; {os.cpu_count()} cores")
        print(f"trivial route /ping            : {trivial:10.0f} req/s")
        print(f"cached localized page {args.page:9}: {page:10.0f} req/s")
        print(f"ratio page / trivial           : {page / trivial:10.2f}")
        print(f"the same page, Accept-Encoding: gzip, deflate, br: {browser:10.0f} req/s,"
              f" ratio to trivial {browser / trivial:.2f}")
    finally:
        server.terminate()
        server.wait(timeout=10)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
