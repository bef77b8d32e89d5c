"""Readers first: /ping and a page's p50/p95 under the red team's attacks on the README's run command.

Run: .venv/bin/python bench/bench_attack.py [--seconds 20] [--app-root /work/main]

Starts what scripts/serve.sh starts (gunicorn with scripts/gunicorn_conf.py: 2 gevent workers) on a free port
of 127.0.0.1, with the embedded defaults in a temporary instance folder and a cold audio cache. A reader asks
for /ping and for a page (from the page cache, as readers get it) every 50 ms; each attack runs for
``--seconds`` right after a baseline of the same length, measured the same way in the same run:

- h1: 6 clients post the red team's 480 KB form field of combining marks to the feedback form, in a loop;
- login: 8 clients sign in with the right password in a loop, each from its own loopback address (scrypt at
  the shipped parameters; correct logins are not limited), while 24 other addresses fail 5 times each (120
  failed logins within the limits, as the red team's);
- audio: 12 clients fetch the whole-page MP3 of every page in every locale, cold, one after another.
  With ``--listener`` a listener also opens a cold page per locale, as the player does: the first chunk (the
  title), then the next one (the first paragraph) once the first has arrived; once on the idle server before
  the attack (the baseline) and once during it, on pages of its own that the attack leaves alone.
  ``--tts espeak`` serves with ``FLASK_TTS_BACKENDS=espeak`` instead of the default ``auto`` (which speaks with
  MBROLA and RHVoice where they are installed), for a comparison in the same conditions.

Everything runs on loopback and stops by itself (the attack clients take no new request after the phase and
wait at most ``--drain`` seconds for the last ones). ``--app-root`` runs another checkout's code (e.g. the main
branch's, for a before/after comparison in one session).
"""
from __future__ import annotations

import argparse
import functools
import http.client
import multiprocessing
import os
import queue
import re
import socket
import statistics
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests
from requests.adapters import HTTPAdapter

ROOT = Path(__file__).resolve().parent.parent
#: The red team's H1 post: one letter, then 120,000 pairs of combining marks (480 KB).
ZALGO = "a" + "\u0301\u0316" * 120_000
PASSWORD = "Lesepaten-Wanne-Eickel-Rhein-Herne-Kanal"
LOCALES = ("de", "en", "tr", "ar", "pl", "uk", "ro", "ru")
PAGE_MP3_RE = re.compile(r'"(/audio/[a-z]{2}/[^"/]+/page-[0-9a-f]{32}\.mp3)"')
CHUNK_MP3_RE = re.compile(r'"mp3": "(/audio/[a-z]{2}/[^"/]+/b\d+-[0-9a-f]{32}\.mp3)"')
#: The listener's pages (slugs): the first for the idle baseline, the second during the attack.
LISTENER_PAGES = ("talentschulen", "bildungsnetzwerk")


def free_port() -> int:
    """An unused TCP port on loopback."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def timed_get(port: int, path: str, timeout: float = 10.0) -> float | None:
    """Seconds one GET took (body read), or None when it failed or timed out."""
    start = time.monotonic()
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        ok = response.status == 200
        conn.close()
    except OSError:
        return None
    return time.monotonic() - start if ok else None


def wait_up(port: int, timeout: float = 90) -> None:
    """Wait until the server answers /ping."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if timed_get(port, "/ping", 2) is not None:
            return
        time.sleep(0.2)
    raise SystemExit("server did not start")


def read(port: int, page: str, seconds: float) -> dict[str, list[float | None]]:
    """Ask /ping and the page in turn every 50 ms for ``seconds``; their latencies (None: failed)."""
    seen: dict[str, list[float | None]] = {"ping": [], "page": []}
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        seen["ping"].append(timed_get(port, "/ping"))
        seen["page"].append(timed_get(port, page))
        time.sleep(0.05)
    return seen


def figures(latencies: list[float | None]) -> str:
    """p50, p95 and max in ms, and failures."""
    ok = sorted(x * 1000 for x in latencies if x is not None)
    failed = len(latencies) - len(ok)
    if not ok:
        return f"{'-':>8} {'-':>8} {'-':>8} {len(latencies):4} {failed:3}"
    p95 = ok[min(len(ok) - 1, round(0.95 * (len(ok) - 1)))]
    return f"{statistics.median(ok):8.1f} {p95:8.1f} {ok[-1]:8.1f} {len(latencies):4} {failed:3}"


def h1_client(base: str, stop: threading.Event, tally: dict[str, int]) -> None:
    """Post the red team's form field until stopped (encoded once: the attacker's own work is not measured)."""
    prepared = requests.Request("POST", f"{base}/de/barrierefreiheit",
                                files={"message": (None, ZALGO), "page": (None, "barrierefreiheit")}).prepare()
    while not stop.is_set():
        try:
            r = requests.post(prepared.url, data=prepared.body, timeout=60,
                              headers={"Content-Type": prepared.headers["Content-Type"]})
            key = str(r.status_code)
        except requests.RequestException:
            key = "error"
        tally[key] = tally.get(key, 0) + 1


class FromAddress(HTTPAdapter):
    """Connections from one loopback address (127.0.0.0/8 is all loopback): one client per address."""

    def __init__(self, ip: str):
        """Connect from ``ip``."""
        self.ip = ip
        super().__init__()

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        """Bind every connection to the client's address."""
        kwargs["source_address"] = (self.ip, 0)
        super().init_poolmanager(*args, **kwargs)


def login_once(base: str, password: str, username: str = "bench", ip: str = "127.0.0.1") -> str:
    """One sign-in through the real form with a fresh session from ``ip``; its status (or "error")."""
    try:
        with requests.Session() as s:
            s.mount("http://", FromAddress(ip))
            page = s.get(f"{base}/translate/login", timeout=60)
            match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
            r = s.post(f"{base}/translate/login", timeout=60, allow_redirects=False,
                       data={"csrf_token": match.group(1) if match else "", "username": username,
                             "password": password})
            return str(r.status_code)
    except requests.RequestException:
        return "error"


def login_client(ip: str, base: str, stop: threading.Event, tally: dict[str, int]) -> None:
    """Sign in with the right password from one address until stopped (correct logins are not limited)."""
    while not stop.is_set():
        key = login_once(base, PASSWORD, ip=ip)
        tally[key] = tally.get(key, 0) + 1


def failed_logins(first: int, base: str, stop: threading.Event, tally: dict[str, int]) -> None:
    """The red team's failures within the limits: from 6 addresses, 5 wrong passwords each (for names that do not
    exist, so no account's limit is reached); each costs a scrypt hash as a real one does."""
    for host in range(first, first + 6):
        for n in range(5):
            if stop.is_set():
                return
            key = "wrong-" + login_once(base, f"wrong password {n}", f"nobody{host}x{n}", f"127.0.2.{host}")
            tally[key] = tally.get(key, 0) + 1


def audio_client(base: str, urls: queue.Queue[str], stop: threading.Event, tally: dict[str, int]) -> None:
    """Fetch cold whole-page MP3s from the shared list until it is empty or the phase ends."""
    while not stop.is_set():
        try:
            url = urls.get_nowait()
        except queue.Empty:
            return
        try:
            r = requests.get(base + url, timeout=180)
            key = str(r.status_code)
        except requests.RequestException:
            key = "error"
        tally[key] = tally.get(key, 0) + 1


def page_mp3s(base: str) -> list[str]:
    """The whole-page MP3 URL of every page in every locale, from the pages themselves (the sitemap lists them)."""
    sitemap = requests.get(f"{base}/sitemap.xml", timeout=60).text
    pages = sorted(set(re.findall(r"<loc>[^<]*?(/[a-z]{2}/[^<]*)</loc>", sitemap)))
    urls: list[str] = []
    for path in pages:
        html = requests.get(base + path, timeout=60).text
        urls += [u.replace("&amp;", "&") for u in PAGE_MP3_RE.findall(html)]
    return list(dict.fromkeys(urls))


Client = Callable[[threading.Event, dict[str, int]], None]


def playlist(base: str, locale: str, slug: str) -> list[str]:
    """The chunk MP3 URLs of a page's player, in reading order."""
    html = requests.get(f"{base}/{locale}/{slug}", timeout=60).text
    return [u.replace("&amp;", "&") for u in CHUNK_MP3_RE.findall(html)]


def serving(base: str) -> dict[str, str]:
    """Locale -> the voice that speaks it now (from /healthz)."""
    locales = requests.get(f"{base}/healthz", timeout=60).json()["locales"]
    return {loc: (f"{info['serving']}:{info['voice']}" if info["serving"] != "espeak" and info.get("voice")
                  else info["serving"]) for loc, info in locales.items()}


def listen(port: int, base: str, slug: str) -> dict[str, tuple[float | None, float | None]]:
    """Per locale, cold: seconds to the first chunk, then seconds to the next one fetched after it arrived."""
    out = {}
    for locale in LOCALES:
        chunks = playlist(base, locale, slug)
        first = timed_get(port, chunks[0], timeout=60) if chunks else None
        second = timed_get(port, chunks[1], timeout=60) if len(chunks) > 1 else None
        for url, took in zip(chunks, (first, second), strict=False):
            if took is None:  # say why (the status, or the error) rather than only "fail"
                try:
                    why = str(requests.get(base + url, timeout=60).status_code)
                except requests.RequestException as exc:
                    why = type(exc).__name__
                print(f"  listener: {url} failed; asked again: {why}", flush=True)
        out[locale] = (first, second)
    return out


def print_listener(voices: dict[str, str], idle: dict[str, tuple[float | None, float | None]],
                   loaded: dict[str, tuple[float | None, float | None]]) -> None:
    """The listener's figures: idle and under the attack, per locale and voice."""
    def cell(x: float | None) -> str:
        return f"{x:8.2f}" if x is not None else f"{'fail':>8}"

    print(f"\n  cold page, listener: seconds to the first chunk and then to the next (idle: {LISTENER_PAGES[0]}, "
          f"under attack: {LISTENER_PAGES[1]})")
    print(f"  {'locale':6} {'voice':28} {'idle 1st':>8} {'idle 2nd':>8} {'load 1st':>8} {'load 2nd':>8}")
    for locale in LOCALES:
        print(f"  {locale:6} {voices.get(locale, '?'):28} {cell(idle[locale][0])} {cell(idle[locale][1])} "
              f"{cell(loaded[locale][0])} {cell(loaded[locale][1])}", flush=True)


def attacker(clients: list[Client], stop: Any, drain: float, out: Any) -> None:
    """In a child process (its own GIL, so the reader's figures are not its queue): run the clients until
    ``stop`` is set, wait at most ``drain`` seconds for their last requests, report the tally."""
    done = threading.Event()
    tally: dict[str, int] = {}
    threads = [threading.Thread(target=c, args=(done, tally), daemon=True) for c in clients]
    for t in threads:
        t.start()
    stop.wait()
    done.set()
    started = time.monotonic()
    for t in threads:
        t.join(max(0.1, drain - (time.monotonic() - started)))
    out.put((tally, sum(t.is_alive() for t in threads)))


def attack(port: int, page: str, seconds: float, drain: float, name: str, clients: list[Client],
           listener: Callable[[], None] | None = None) -> None:
    """Baseline, then the attack, each ``seconds`` long; print both. ``listener`` runs beside the loaded reader."""
    base = read(port, page, seconds)
    ctx = multiprocessing.get_context("fork")
    stop, out = ctx.Event(), ctx.Queue()
    child = ctx.Process(target=attacker, args=(clients, stop, drain, out))
    child.start()
    time.sleep(0.5)  # the attack is under way before the reader starts
    side = threading.Thread(target=listener) if listener else None
    if side:
        time.sleep(2.0)  # the workers are busy with the attack's audio before the listener arrives
        side.start()
    loaded = read(port, page, seconds)
    if side:
        side.join()
    stop.set()
    tally, left = out.get(timeout=drain + 30)
    child.join(10)
    counts = ", ".join(f"{k}: {v}" for k, v in sorted(tally.items()))
    print(f"\n{name}  (attack requests: {counts or 'none'}{f'; {left} still running' if left else ''})")
    print(f"{'':28} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'n':>4} {'err':>3}")
    for label, seen in (("baseline", base), ("under attack", loaded)):
        for what in ("ping", "page"):
            shown = "/ping" if what == "ping" else page
            print(f"  {label + ' ' + shown:26} {figures(seen[what])}", flush=True)


def main() -> None:
    """Start the run command's set-up, run each attack against its baseline, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="length of each baseline and each attack")
    parser.add_argument("--drain", type=float, default=120.0, help="seconds to wait for an attack's last requests")
    parser.add_argument("--only", action="append", choices=["h1", "login", "audio"])
    parser.add_argument("--app-root", type=Path, default=ROOT, help="the checkout whose code is served")
    parser.add_argument("--page", default="/de/barrierefreiheit")
    parser.add_argument("--listener", action="store_true", help="audio: a listener's cold first chunks per locale")
    parser.add_argument("--tts", default="", help="FLASK_TTS_BACKENDS for the server (default: the app's, auto)")
    options = parser.parse_args()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory(prefix="bench-attack-") as tmp:
        env = {k: v for k, v in os.environ.items() if not k.startswith("FLASK_")}
        env.update({"FLASK_INSTANCE_PATH": f"{tmp}/instance", "FLASK_AUDIO_CACHE_DIR": f"{tmp}/audio_cache",
                    "FLASK_BASE_URL": base, "FLASK_MT_ENABLED": "false"})
        if options.tts:
            env["FLASK_TTS_BACKENDS"] = options.tts
        venv = ROOT / ".venv" / "bin"
        subprocess.run([str(venv / "flask"), "--app", "wsgi", "users", "add", "bench", "--role", "translator",
                        "--locales", "en", "--password-stdin"], cwd=options.app_root, env=env, check=True,
                       input=PASSWORD + "\n", text=True, capture_output=True)
        with open(f"{tmp}/gunicorn.log", "w") as log:  # the server keeps its own copy of the descriptor
            server = subprocess.Popen([str(venv / "gunicorn"), "--config", "scripts/gunicorn_conf.py", "--bind",
                                       f"127.0.0.1:{port}", "wsgi:app"], cwd=options.app_root, env=env,
                                      stdout=subprocess.DEVNULL, stderr=log)
        try:
            wait_up(port)
            print(f"gunicorn {options.app_root}/scripts/gunicorn_conf.py on {base}: "
                  f"{options.seconds:.0f} s per baseline and attack", flush=True)
            mp3s = page_mp3s(base)  # also puts every page in the page cache, as readers would
            requests.get(base + options.page, timeout=60)
            chosen = options.only or ["h1", "login", "audio"]
            if "h1" in chosen:
                attack(port, options.page, options.seconds, options.drain, "H1: 6 clients post 480 KB of marks",
                       [lambda s, t: h1_client(base, s, t)] * 6)
            if "login" in chosen:
                attack(port, options.page, options.seconds, options.drain,
                       "login flood: 8 addresses sign in correctly, 24 addresses fail 5 times each",
                       [functools.partial(login_client, f"127.0.1.{n}", base) for n in range(1, 9)]
                       + [functools.partial(failed_logins, first, base) for first in (1, 7, 13, 19)])
            if "audio" in chosen:
                urls: queue.Queue[str] = queue.Queue()
                if options.listener:  # the listener's pages stay cold for it
                    mp3s = [u for u in mp3s if u.split("/")[3] not in LISTENER_PAGES]
                for url in mp3s:
                    urls.put(url)
                voices = serving(base)
                idle = listen(port, base, LISTENER_PAGES[0]) if options.listener else {}
                loaded: dict[str, tuple[float | None, float | None]] = {}
                attack(port, options.page, options.seconds, options.drain,
                       f"cold audio: 12 clients fetch the {len(mp3s)} whole-page MP3s",
                       [lambda s, t: audio_client(base, urls, s, t)] * 12,
                       (lambda: loaded.update(listen(port, base, LISTENER_PAGES[1]))) if options.listener else None)
                if options.listener:
                    print_listener(voices, idle, loaded)
                    if any(x is None for pair in (*idle.values(), *loaded.values()) for x in pair):
                        errors = [ln for ln in Path(f"{tmp}/gunicorn.log").read_text(errors="replace").splitlines()
                                  if "ERROR" in ln or "Error" in ln or "WARNING" in ln]
                        print("  server log, errors and warnings:\n    " + "\n    ".join(errors[-15:]), flush=True)
                print(f"  load average: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores", flush=True)
        finally:
            server.terminate()
            try:
                server.wait(30)
            except subprocess.TimeoutExpired:
                server.kill()


if __name__ == "__main__":
    main()
