"""The front's figures in one run with wrk: nginx's page cache and audio against nginx's static files, and the app alone.

Run: .venv/bin/python bench/bench_front.py [--seconds 5] [--rounds 3]
Starts Debian's nginx with deploy/'s configuration (tests/deploy/front.py) before one app server with
deploy/gunicorn.conf.py, all on loopback, and measures in interleaved rounds (medians printed):
- a cached page through nginx against nginx serving the same bytes as a static file (goal >= 0.9);
- an MP3 through nginx (checked by the app, X-Accel-Redirect, then nginx's cache) against the same file static;
- the same page from gunicorn alone against the app's trivial /ping (goal >= 1.0).
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from service.catalogs import compile_po  # noqa: E402  (the checkout, not an installed copy)
from tests.deploy.front import fetch, start_front  # noqa: E402

PAGE = "/tr/talentschulen"
AUDIO_RE = re.compile(r"/audio/tr/talentschulen/page-[0-9a-f]{32}\.mp3")


def wrk(url: str, seconds: int, host: str) -> float:
    """Requests per second measured by wrk -t2 -c32 (keep-alive, loopback)."""
    out = subprocess.run(["wrk", "-t2", "-c32", f"-d{seconds}s", "-H", f"Host: {host}", url],
                         capture_output=True, text=True, check=True, timeout=seconds + 60).stdout
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        raise SystemExit(f"{url}: {errors.group(1)} failed responses\n{out}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))


def main() -> None:
    """Start the front, warm it, measure every pair in interleaved rounds, print a table."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
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
    (static / "bench-audio.mp3").write_bytes(mp3.body)
    assert front.get("/static/bench-page.html").body == page.body
    app = front.servers[0]
    assert fetch(app.port, PAGE, headers={"Host": front.host}).body == page.body
    runs = {
        "page, nginx cache": (front.url(PAGE), front.host),
        "page, nginx static file": (front.url("/static/bench-page.html"), front.host),
        "MP3, nginx (X-Accel + cache)": (front.url(mp3_url), front.host),
        "MP3, nginx static file": (front.url("/static/bench-audio.mp3"), front.host),
        "page, gunicorn alone": (f"http://127.0.0.1:{app.port}{PAGE}", front.host),
        "/ping, gunicorn alone": (f"http://127.0.0.1:{app.port}/ping", front.host),
    }
    results: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(args.rounds):
        for name, (url, host) in runs.items():
            results[name].append(wrk(url, args.seconds, host))
    median = {name: statistics.median(values) for name, values in results.items()}
    print(f"wrk -t2 -c32, {args.seconds} s per run, {args.rounds} interleaved rounds, medians; "
          f"{os.cpu_count()} cores; page {PAGE} ({len(page.body):,} bytes), MP3 {len(mp3.body):,} bytes")
    print("| what was served | req/s (median) | runs | ratio | goal |")
    print("|---|---|---|---|---|")
    pairs = [("page, nginx cache", "page, nginx static file", 0.9),
             ("MP3, nginx (X-Accel + cache)", "MP3, nginx static file", 0.9),
             ("page, gunicorn alone", "/ping, gunicorn alone", 1.0)]
    for name, baseline, goal in pairs:
        ratio = median[name] / median[baseline]
        for label, value, shown in ((name, median[name], f"**{ratio:.2f}** of the next row"),
                                    (baseline, median[baseline], "baseline")):
            runs_text = " / ".join(f"{v:,.0f}" for v in results[label])
            print(f"| {label} | {value:,.0f} | {runs_text} | {shown} | {'>= ' + str(goal) if shown != 'baseline' else ''} |")


if __name__ == "__main__":
    main()
