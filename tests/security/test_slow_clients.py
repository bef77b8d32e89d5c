"""Finding 5 (and 1 over a real server): scripts/serve.sh's gunicorn keeps answering while slow clients drip bodies.

The service runs under gunicorn with scripts/gunicorn_conf.py (what serve.sh runs) on a free port of
127.0.0.1. Figures for each worker class: bench/bench_slow_clients.py (README, Security).
"""
from __future__ import annotations

import http.client
import http.cookiejar
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from service import catalogs
from service.config import ROOT
from service.workbench.entries import entry_key

from ..polling import wait_until
from ..site_support import FIXTURE_CONTENT
from ..workbench_support import PASSWORD

SLOW_CLIENTS = 10


def _free_port() -> int:
    """A TCP port on 127.0.0.1 that nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def served(tmp_path_factory, translations_master):
    """The service under gunicorn with serve.sh's configuration; yields (port, environment)."""
    tmp = tmp_path_factory.mktemp("served")
    shutil.copytree(translations_master, tmp / "translations")  # the workbench test writes to it
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLASK_")}
    env.update({"FLASK_SECRET_KEY": "slow-client-test", "FLASK_DATABASE": str(tmp / "service.sqlite"),
                "FLASK_INSTANCE_PATH": str(tmp / "instance"),
                "FLASK_BABEL_TRANSLATION_DIRECTORIES": str(tmp / "translations"),
                "FLASK_CONTENT_DIR": str(FIXTURE_CONTENT),
                "FLASK_AUDIO_CACHE_DIR": str(tmp / "audio"), "FLASK_LOCK_DIR": str(tmp / "locks"),
                "FLASK_MT_ENABLED": "false", "FLASK_BASE_URL": f"http://127.0.0.1:{port}",
                "FLASK_PASSWORD_HASH_METHOD": "scrypt:32768:8:1",
                # One translator per language who approves their own text (the workbench test saves as anna).
                "FLASK_WORKBENCH_SELF_APPROVAL": '["en"]'})
    log = tmp / "gunicorn.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "--config", "scripts/gunicorn_conf.py",
                                 "--bind", f"127.0.0.1:{port}", "wsgi:app"], cwd=ROOT, env=env, stdout=out,
                                stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while _ping(port, 2) is None:
            assert proc.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        yield port, env
    finally:
        proc.terminate()
        proc.wait(30)


def _ping(port: int, timeout: float) -> int | None:
    """The status of GET /ping, or None when it fails or takes longer than ``timeout`` seconds."""
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        conn.request("GET", "/ping")
        status = conn.getresponse().status
        conn.close()
        return status
    except OSError:
        return None


def _drip(port: int, stop: threading.Event, dripping: threading.Event) -> None:
    """A slow client: headers at once, then the body of a feedback form one byte a second (``dripping`` is set
    once the first byte of the body is sent)."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(b"POST /de/barrierefreiheit HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                     b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 5000\r\n\r\n")
        while not stop.wait(1.0):
            sock.sendall(b"a")
            dripping.set()


def test_ping_answers_while_ten_clients_drip_request_bodies(served):
    """Every /ping within 5 s while ten sockets each hold a request open for the whole test."""
    port, _ = served
    stop = threading.Event()
    dripping = [threading.Event() for _ in range(SLOW_CLIENTS)]
    drippers = [threading.Thread(target=_drip, args=(port, stop, d), daemon=True) for d in dripping]
    for t in drippers:
        t.start()
    try:
        # Every slow request has been accepted and is sending its body, one byte a second.
        wait_until(lambda: all(d.is_set() for d in dripping), 30, "every slow client is sending its body")
        answers = []
        for _ in range(20):
            answers.append(_ping(port, 5))
            time.sleep(0.2)
        assert all(t.is_alive() for t in drippers)  # the slow clients are still there
    finally:
        stop.set()
    assert answers == [200] * 20


def _raw(port: int, request: bytes) -> bytes:
    """Send one raw request, return the whole answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def test_forged_host_and_script_name_headers_over_gunicorn(served):
    """A forged Host is refused; a SCRIPT_NAME header from a loopback client is not taken by gunicorn."""
    port, _ = served
    answer = _raw(port, b"GET /de/ HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 400")
    forged = _raw(port, b"GET /de/ HTTP/1.1\r\nHost: 127.0.0.1\r\nSCRIPT_NAME: /evil\r\n"
                        b"X-Forwarded-Host: evil.example\r\nX-Forwarded-Proto: https\r\nConnection: close\r\n\r\n")
    assert forged.startswith(b"HTTP/1.1 200") and b"evil" not in forged
    page = urllib.request.urlopen(f"http://127.0.0.1:{port}/de/", timeout=10).read()
    assert b"evil" not in page and f'href="http://127.0.0.1:{port}/tr/"'.encode() in page


def test_the_workbench_saves_in_parallel_under_these_workers(served, tmp_path):
    """Four translators saving one catalog at once under gevent workers: no deadlock, every save lands."""
    port, env = served
    add = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "users", "add", "anna", "--locales", "en",
                          "--password-stdin"], cwd=ROOT, env=env, input=PASSWORD + "\n", capture_output=True,
                         text=True, timeout=120)
    assert add.returncode == 0, add.stderr
    base = f"http://127.0.0.1:{port}"
    results: dict[str, int] = {}

    po = Path(env["FLASK_BABEL_TRANSLATION_DIRECTORIES"]) / "en" / "LC_MESSAGES" / "messages.po"
    catalog = catalogs.load_po(po, "en")

    def translator(msgid: str, text: str) -> None:
        """Sign in, open the entry of ``msgid``, save ``text``."""
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        login = opener.open(base + "/translate/login", timeout=30).read().decode()
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', login).group(1)
        opener.open(base + "/translate/login", urllib.parse.urlencode(
            {"csrf_token": csrf, "username": "anna", "password": PASSWORD}).encode(), timeout=30)
        key = entry_key(catalog.get(msgid))
        editor = opener.open(f"{base}/translate/en/entry/{key}", timeout=30).read().decode()
        form = {"csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', editor).group(1),
                "revision": re.search(r'name="revision" value="([0-9a-f]{16})"', editor).group(1),
                "pending": re.search(r'name="pending" value="(\d+)"', editor).group(1),
                "msgstr": text, "action": "approve"}
        with opener.open(f"{base}/translate/en/entry/{key}", urllib.parse.urlencode(form).encode(), timeout=60) as r:
            results[msgid] = r.status

    jobs = {"Hinweis": "Note", "Lernen am Kanal": "Learning at the canal", "Bildung": "Education (saved)",
            "Leichte Sprache": "Easy Read"}
    threads = [threading.Thread(target=translator, args=item) for item in jobs.items()]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert results == {msgid: 200 for msgid in jobs}
    saved = po.read_text(encoding="utf-8")
    assert all(f'msgstr "{text}"' in saved for text in jobs.values())
