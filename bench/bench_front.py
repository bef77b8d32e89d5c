"""The front's figures in one run with wrk: nginx's page cache and audio against its static files, and the app alone.

Run: .venv/bin/python bench/bench_front.py [--seconds 2] [--rounds 11] [--pin]
Starts Debian's nginx with deploy/'s configuration (tests/deploy/front.py) before one app server with
deploy/gunicorn.conf.py, all on loopback, and measures each pair in adjacent runs, round after round (medians printed):
- a cached page through nginx against nginx serving the same bytes as a static file (goal >= 0.9);
- the same page as browsers ask for it (Accept-Encoding: gzip, deflate, br, zstd), brotli from nginx's cache,
  against nginx serving those brotli bytes as a static file;
- an MP3 through nginx (the app's verdict on its URL, stored by nginx; the file from the data volume) against
  the same file static (goal >= 0.9);
- the same page from gunicorn alone against the app's trivial /ping (goal >= 1.0);
- for reference, what nginx's page cache costs by itself: a copy of the shipped page location before a trivial
  upstream that sends the same page with four headers, against the same static file; and the issue's ad hoc
  configuration (a server of its own with proxy_pass, proxy_cache and proxy_cache_valid, nothing else) before the
  same upstream, against that server's static file.

--pin gives nginx one worker on CPU 0 and runs wrk (one thread, 16 connections) on CPU 1: then only nginx's own work
per request limits, and the ratios scatter far less than when nginx and wrk share both cores (the default). The
app-alone pair is left out then (it is about gunicorn, which keeps both cores).
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from service.catalogs import compile_po  # noqa: E402  (the checkout, not an installed copy)
from tests.deploy.front import NGINX, fetch, free_port, start_front  # noqa: E402

PAGE = "/tr/talentschulen"
AUDIO_RE = re.compile(r"/audio/tr/talentschulen/page-[0-9a-f]{32}\.mp3")
REFERENCE = "/bench-reference/page"
ADHOC = "/page"

#: What Chrome and Firefox send.
BROWSER_ACCEPT_ENCODING = "gzip, deflate, br, zstd"


def wrk(url: str, seconds: int, host: str, accept_encoding: str = "", pin: bool = False) -> float:
    """Requests per second measured by wrk -t2 -c32 (keep-alive, loopback), or -t1 -c16 on CPU 1 when pinned."""
    headers = ["-H", f"Host: {host}"] + (["-H", f"Accept-Encoding: {accept_encoding}"] if accept_encoding else [])
    command = ["taskset", "-c", "1", "wrk", "-t1", "-c16"] if pin else ["wrk", "-t2", "-c32"]
    out = subprocess.run([*command, f"-d{seconds}s", *headers, url],
                         capture_output=True, text=True, check=True, timeout=seconds + 60).stdout
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        raise SystemExit(f"{url}: {errors.group(1)} failed responses\n{out}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))


def start_reference(front, body: bytes, cache_control: str, pin: bool) -> tuple[ThreadingHTTPServer, int]:
    """Start a trivial upstream that sends ``body`` with four headers (304 to its ETag), put before it a copy of the
    shipped page location (``location /`` at /bench-reference/) and the issue's ad hoc configuration (a server of
    its own), pin nginx if asked, reload nginx; return the upstream and the ad hoc server's port."""
    class Trivial(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):  # noqa: N802 (http.server's name)
            fresh = self.headers.get("If-None-Match") == '"reference"'
            self.send_response(304 if fresh else 200)
            for name, value in (("Content-Type", "text/html; charset=utf-8"), ("ETag", '"reference"'),
                                ("Cache-Control", cache_control)):
                self.send_header(name, value)
            self.send_header("Content-Length", "0" if fresh else str(len(body)))
            self.end_headers()
            if not fresh:
                self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Trivial)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    upstream = f"http://127.0.0.1:{server.server_address[1]}"
    etc = front.tmp / "nginx" / "etc" / "nginx"
    locations = etc / "herne" / "locations.conf"
    text = locations.read_text()
    start = text.index("location / {")
    block = text[start:text.index("\n}\n", start) + 3]
    copy = block.replace("location / {", "location /bench-reference/ {", 1).replace(
        "proxy_pass http://herne_app;", f"proxy_pass {upstream};", 1)
    assert copy.count("bench-reference") == 1 and "herne_app" not in copy, "the page location changed shape"
    locations.write_text(text + "\n" + copy)
    # The ad hoc configuration: the app said no-cache then, so the cache ignored it and kept pages 10 minutes.
    adhoc_port = free_port()
    (front.tmp / "nginx" / "cache" / "adhoc").mkdir(exist_ok=True)
    site = etc / "sites-available" / "herne.conf"
    site.write_text(site.read_text() + f"""
proxy_cache_path {front.tmp / "nginx" / "cache" / "adhoc"} keys_zone=bench_adhoc:1m;
server {{
    listen 127.0.0.1:{adhoc_port};
    location /static/ {{ alias {front.static_dir}/; }}
    location / {{
        proxy_pass {upstream};
        proxy_cache bench_adhoc;
        proxy_ignore_headers Cache-Control;
        proxy_cache_valid 200 10m;
    }}
}}
""")
    if pin:
        text = front.conf.read_text()
        assert "worker_processes auto;" in text, "nginx.conf changed shape"
        front.conf.write_text(text.replace("worker_processes auto;", "worker_processes 1;\nworker_cpu_affinity 01;"))
    subprocess.run([NGINX, "-t", "-q", "-p", str(front.tmp / "nginx"), "-e", "stderr", "-c", str(front.conf)],
                   check=True, timeout=30)
    front.process.send_signal(signal.SIGHUP)
    for _ in range(100):
        reply = front.get(REFERENCE)
        if (reply.headers.get("x-cache-status") == "HIT" and fetch(adhoc_port, ADHOC).status == 200
                and len(workers(front)) == (1 if pin else os.cpu_count())):
            return server, adhoc_port
        time.sleep(0.1)
    raise SystemExit(f"the reference location does not answer from nginx's cache: {reply.status} {reply.headers}")


def workers(front) -> list[str]:
    """The pids of nginx's working worker processes (not those a reload is shutting down)."""
    out = subprocess.run(["pgrep", "-P", str(front.process.pid), "-f", "nginx: worker process$"],
                         capture_output=True, text=True).stdout
    return out.split()


def main() -> None:
    """Start the front, warm it, measure every pair in interleaved rounds, print a table."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=11)
    parser.add_argument("--pin", action="store_true", help="nginx: one worker on CPU 0; wrk -t1 -c16 on CPU 1")
    args = parser.parse_args()
    if args.pin and (os.cpu_count() or 1) < 2:
        raise SystemExit("--pin needs two CPUs")
    if not shutil.which("wrk") or not (shutil.which("nginx") or os.path.exists("/usr/sbin/nginx")):
        raise SystemExit("needs Debian's nginx and wrk: bash scripts/setup.sh --test installs them")
    tmp = Path(tempfile.mkdtemp(prefix="bench-front-"))
    try:
        translations = tmp / "translations"
        shutil.copytree(ROOT / "translations", translations, ignore=shutil.ignore_patterns("*.mo"))
        for po in translations.glob("*/LC_MESSAGES/*.po"):
            compile_po(po)
        static = tmp / "static"
        shutil.copytree(ROOT / "service" / "static", static)
        front = start_front(tmp / "run", translations, servers=1, workers=None, static_dir=static)
        try:
            measure(front, static, args)
        finally:
            front.stop()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def measure(front, static: Path, args) -> None:
    """Warm the caches, put the same bytes into the static folder, run wrk on each pair, print."""
    page = front.get(PAGE)
    assert page.status == 200, page.status
    mp3_url = AUDIO_RE.search(page.text).group(0)
    mp3 = front.get(mp3_url, timeout=120)
    assert mp3.status == 200 and len(mp3.body) > 10_000
    (static / "bench-page.html").write_bytes(page.body)
    browser = [front.get(PAGE, headers={"Accept-Encoding": BROWSER_ACCEPT_ENCODING}) for _ in range(2)][-1]
    assert browser.headers.get("content-encoding") == "br" and browser.headers["x-cache-status"] == "HIT"
    (static / "bench-page.br").write_bytes(browser.body)
    (static / "bench-audio.mp3").write_bytes(mp3.body)
    assert front.get("/static/bench-page.html").body == page.body
    app = front.servers[0]
    assert fetch(app.port, PAGE, headers={"Host": front.host}).body == page.body
    reference, adhoc_port = start_reference(front, page.body, page.headers["cache-control"], args.pin)
    assert front.get(REFERENCE).body == page.body == fetch(adhoc_port, ADHOC).body
    assert fetch(adhoc_port, "/static/bench-page.html").body == page.body
    edge, app_url = front.url, f"http://127.0.0.1:{app.port}"
    adhoc = f"http://127.0.0.1:{adhoc_port}"
    # (label, URL, Accept-Encoding) of what is measured and of its baseline, and the goal of their ratio.
    pairs = [(("page, nginx cache", edge(PAGE), ""),
              ("page, nginx static file", edge("/static/bench-page.html"), ""), 0.9),
             ((f"page as browsers ask (brotli, {len(browser.body):,} bytes), nginx cache", edge(PAGE),
               BROWSER_ACCEPT_ENCODING),
              ("the same brotli bytes, nginx static file", edge("/static/bench-page.br"), ""), 0.9),
             (("MP3, nginx (app verdict stored, file from the volume)", edge(mp3_url), ""),
              ("MP3, nginx static file", edge("/static/bench-audio.mp3"), ""), 0.9),
             (("reference: the same page from a copy of the page location before a trivial upstream (4 headers), "
               "nginx cache", edge(REFERENCE), ""), ("page, nginx static file", edge("/static/bench-page.html"), ""),
              None),
             (("reference: the same page from the issue's ad hoc configuration (a server with proxy_pass, "
               "proxy_cache, proxy_cache_valid; nothing else) before the same upstream", adhoc + ADHOC, ""),
              ("page, static file of that server", adhoc + "/static/bench-page.html", ""), None)]
    if not args.pin:  # pinning is about nginx: the app's own pair keeps both cores as before
        pairs.insert(3, (("page, gunicorn alone", app_url + PAGE, ""), ("/ping, gunicorn alone", app_url + "/ping", ""),
                         1.0))
    # The two runs of a pair are adjacent, in alternating order: other load on the machine hits both alike.
    rates: dict[str, list[float]] = {}
    ratios: dict[str, list[float]] = {}
    for n in range(args.rounds):
        for measured, base, _ in pairs:
            order = [measured, base] if n % 2 == 0 else [base, measured]
            got = {label: wrk(url, args.seconds, front.host, accept, args.pin) for label, url, accept in order}
            for label, value in got.items():
                rates.setdefault(label, []).append(value)
            ratios.setdefault(measured[0], []).append(got[measured[0]] / got[base[0]])
    load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
    how = "nginx: 1 worker on CPU 0, taskset -c 1 wrk -t1 -c16" if args.pin else "wrk -t2 -c32"
    print(f"{how}, {args.seconds} s per run, {args.rounds} rounds (pairs adjacent), medians; {os.cpu_count()} cores,"
          f" load average {load}; page {PAGE} ({len(page.body):,} bytes), MP3 {len(mp3.body):,} bytes")
    print("| what was served | req/s (median) | ratio to the baseline below (median of the rounds) | goal |")
    print("|---|---|---|---|")
    for (name, _, _), (base, _, _), goal in pairs:
        print(f"| {name} | {statistics.median(rates[name]):,.0f} | **{statistics.median(ratios[name]):.2f}** "
              f"(rounds: {', '.join(f'{r:.2f}' for r in ratios[name])}) | {f'>= {goal}' if goal else 'reference'} |")
        print(f"| {base} | {statistics.median(rates[base]):,.0f} | baseline | |")
    reference.shutdown()


if __name__ == "__main__":
    main()
