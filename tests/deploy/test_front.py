"""The shipped front, for real: Debian's nginx with deploy/'s configuration before two gunicorn app servers."""
from __future__ import annotations

import gzip
import html
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import brotli
import pytest
import requests

from service.catalogs import compile_po, load_po, po_path, save_po
from service.config import ROOT, defaults

from ..polling import wait_until
from .front import ACCEL_PREFIX, Front, fetch

pytestmark = pytest.mark.deploy

AUDIO_RE = re.compile(r"/audio/de/talentschulen/page-([0-9a-f]{32})\.mp3")
#: How long a saved fix may take to reach the edge (issue 15).
EDGE_DELAY = 5.0


def cached_files(front: Front) -> list[Path]:
    """Every file nginx stored in its caches."""
    return [p for p in front.cache_dir.rglob("*") if p.is_file()]


def stored_anywhere(front: Front, needle: bytes) -> dict[Path, bytes]:
    """The files of nginx's caches that contain ``needle``, with what they hold.

    nginx writes a cache entry as ``<key>.<number>`` next to its final name and renames it when
    complete, so a file listed a moment ago may be gone when it is read: then look again, since
    its content now sits under the final name.
    """
    for _ in range(20):
        try:
            contents = {p: p.read_bytes() for p in cached_files(front)}
        except FileNotFoundError:
            time.sleep(0.05)
            continue
        return {p: data for p, data in contents.items() if needle in data}
    raise AssertionError("nginx's cache kept changing while it was searched")


#: The headers Flask-Talisman puts on every answer of the app (service/web/security.py).
SECURITY_HEADERS = ("content-security-policy", "permissions-policy", "x-frame-options", "referrer-policy",
                    "x-content-type-options")


def security(reply) -> dict[str, str | None]:
    """The security headers of an answer (a header sent twice shows as both values joined)."""
    return {name: reply.headers.get(name) for name in SECURITY_HEADERS}


def audio_url(front: Front) -> tuple[str, Path]:
    """The whole-page MP3 of a German page as its page links it, and where its file will lie."""
    page = front.get("/de/talentschulen")
    match = AUDIO_RE.search(page.text)
    assert match, "the page links no MP3"
    return match.group(0), front.audio_dir / "de" / f"{match.group(1)}.mp3"


def test_cached_pages_come_from_the_edge(front):
    """The second request for a page is answered by nginx's cache, with the app's ETag and cache rules."""
    first = front.get("/de/bildungsnetzwerk")
    second = front.get("/de/bildungsnetzwerk")
    assert first.status == second.status == 200
    assert first.headers["x-cache-status"] in ("MISS", "HIT", "STALE", "REVALIDATED")
    assert second.headers["x-cache-status"] == "HIT"
    assert second.body == first.body and second.headers["etag"] == first.headers["etag"]
    rules = second.headers["cache-control"]
    assert "public" in rules and "s-maxage=" in rules and "max-age=0" in rules and "must-revalidate" in rules
    assert "strict-transport-security" not in second.headers  # HSTS only over TLS (test_render.py)


#: What browsers and other clients send as Accept-Encoding, and the compression they get back.
ACCEPT_ENCODINGS = [
    ("gzip, deflate, br, zstd", "br"),  # Chrome, Firefox
    ("gzip, deflate, br", "br"),  # Safari
    ("BR", "br"),  # codings are case-insensitive
    ("gzip, deflate", "gzip"),  # older clients, curl --compressed without brotli
    ("br;q=0, gzip;q=0.5", "gzip"),  # brotli refused
    ("gzip;q=0", None),  # gzip refused
    ("identity", None),
    ("", None),  # no header at all
]


def decoded(reply) -> bytes:
    """The body as the browser shows it, whatever compression it came with."""
    coding = reply.headers.get("content-encoding")
    if coding == "br":
        return brotli.decompress(reply.body)
    return gzip.decompress(reply.body) if coding == "gzip" else reply.body


def test_pages_are_stored_compressed_as_browsers_ask(front):
    """A browser gets the page compressed as it asks, from nginx's cache: one stored copy per compression,
    made by the app once, never compressed again per request."""
    path = "/tr/bildungsnetzwerk"
    plain = front.get(path)
    assert plain.status == 200 and "content-encoding" not in plain.headers
    for accept, coding in ACCEPT_ENCODINGS:
        headers = {"Accept-Encoding": accept} if accept else {}
        first, second = front.get(path, headers=headers), front.get(path, headers=headers)
        assert first.status == second.status == 200, accept
        assert second.headers["x-cache-status"] == "HIT", accept
        assert second.headers.get("content-encoding") == coding, accept
        assert decoded(second) == decoded(first) == plain.body, accept
        assert second.headers["vary"] == "Accept-Encoding", accept  # once: the app's, not nginx's as well
        if coding:
            assert second.headers["etag"] != plain.headers["etag"], accept  # revalidated per compression
    entries = [data for p, data in stored_anywhere(front, path.encode()).items()
               if re.fullmatch("[0-9a-f]{32}", p.name)]  # not an entry nginx is still renaming into place
    keys = sorted(line.split(b" ", 1)[1].decode() for data in entries
                  for line in data.split(b"\n") if line.startswith(b"KEY: ") and line.endswith(path.encode()))
    assert keys == sorted(f"{c} http{path}" for c in ("", "br", "gzip")), keys


def test_a_saved_fix_is_at_the_edge_within_5_seconds(front):
    """A catalog change compiled on the shared volume shows through nginx within 5 s, and stays."""
    path = po_path(front.translations, "en")
    catalog = load_po(path, "en")
    before = front.get("/en/talentschulen")
    assert front.get("/en/talentschulen").headers["x-cache-status"] == "HIT"
    message = next(m for m in catalog if m.id and isinstance(m.string, str) and "fuzzy" not in m.flags
                   and any(loc.endswith("talentschulen.md") for loc, _ in m.locations)
                   and re.fullmatch(r"[A-Za-z][\w ,.-]{8,}", m.string) and html.escape(m.string) in before.text)
    marker = f"Edge check {uuid.uuid4().hex[:8]}"
    message.string = marker
    save_po(path, catalog)
    compile_po(path)
    saved = time.monotonic()
    seen = None
    while time.monotonic() - saved < EDGE_DELAY:
        if marker in front.get("/en/talentschulen").text:
            seen = time.monotonic() - saved
            break
        time.sleep(0.1)
    assert seen is not None, f"the fix was not at the edge {EDGE_DELAY} s after the save"
    assert all(marker in front.get("/en/talentschulen").text for _ in range(10))
    for server in front.servers:  # every app server shows it too
        assert marker in fetch(server.port, "/en/talentschulen", headers={"Host": front.host}).text


def test_personal_data_is_never_stored(front):
    """Workbench pages and the answer to a feedback form are private: never from, never in nginx's cache."""
    login = [front.get("/translate/login") for _ in range(2)]
    for reply in login:
        assert reply.status == 200 and "no-store" in reply.headers["cache-control"]
        assert reply.headers.get("x-cache-status") != "HIT"
    tokens = [re.search(r'name="csrf_token" value="([^"]+)"', r.text).group(1) for r in login]
    assert tokens[0] != tokens[1]  # each visitor got their own page: nothing was shared

    email = f"erika.{uuid.uuid4().hex[:8]}@example.org"
    form = f"name=Erika+Mustermann&email={email.replace('@', '%40')}&message=kurz".encode()
    answer = front.get("/de/barrierefreiheit", method="POST", body=form,
                       headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert answer.status == 400 and email in answer.text  # the form comes back with the visitor's values
    assert "no-store" in answer.headers["cache-control"] and "public" not in answer.headers["cache-control"]
    later = front.get("/de/barrierefreiheit")
    assert later.status == 200 and email not in later.text
    assert not stored_anywhere(front, email.encode())
    assert not any(stored_anywhere(front, token.encode()) for token in tokens)


def test_audio_is_sent_by_nginx_with_ranges(front):
    """nginx sends audio files from the data volume, byte ranges too, once the app said the URL is published."""
    url, path = audio_url(front)
    check = url.replace("/audio/", "/audio-check/", 1)
    verdict = fetch(front.servers[1].port, check, headers={"Host": front.host}, timeout=60)
    assert verdict.status == 200 and verdict.body == b"" and "s-maxage=" in verdict.headers["cache-control"]
    data = path.read_bytes()
    assert len(data) > 10_000

    part = front.get(url, headers={"Range": "bytes=100-1099"})
    assert part.status == 206 and part.body == data[100:1100]
    assert part.headers["content-range"] == f"bytes 100-1099/{len(data)}"
    assert part.headers["content-type"] == "audio/mpeg"
    assert "immutable" in part.headers["cache-control"] and "x-accel-redirect" not in part.headers
    tail = front.get(url, headers={"Range": "bytes=-500"})
    assert tail.status == 206 and tail.body == data[-500:]
    whole = front.get(url)
    assert whole.status == 200 and whole.body == data and whole.headers["accept-ranges"] == "bytes"
    assert whole.headers["x-content-type-options"] == "nosniff" and "content-disposition" not in whole.headers
    assert front.get(url, headers={"If-None-Match": whole.headers["etag"]}).status == 304
    download = front.get(url + "?download=1")
    assert download.body == data
    assert download.headers["content-disposition"] == 'attachment; filename="talentschulen-page-de.mp3"'
    cues = front.get(url.replace(".mp3", ".vtt"))
    assert cues.status == 200 and cues.headers["content-type"].startswith("text/vtt")
    assert cues.text.startswith("WEBVTT")
    # A forged hash: the app says no, and answers the reader itself (its 404 page, in the URL's language).
    forged = url.replace(path.stem, "0" * 32)
    assert fetch(front.servers[0].port, forged.replace("/audio/", "/audio-check/", 1),
                 headers={"Host": front.host}).status == 403
    refused = front.get(forged)
    assert refused.status == 404 and 'lang="de"' in refused.text
    # Neither the app's file location nor the verdicts are reachable from outside.
    assert front.get(f"{ACCEL_PREFIX}de/{path.name}").status == 404
    assert front.get("/_herne_audio_check").status == 404


def test_audio_needs_the_app_once_per_shared_max_age(front):
    """With the app's verdict stored, nginx sends audio while every app server is frozen (SIGSTOP)."""
    url, path = audio_url(front)
    data = front.get(url, timeout=60).body  # the verdict is stored now, for s-maxage (2 s)
    assert data == path.read_bytes()
    for server in front.servers:
        os.killpg(server.process.pid, signal.SIGSTOP)
    try:
        part = front.get(url, headers={"Range": "bytes=0-999"}, timeout=5)
        assert part.status == 206 and part.body == data[:1000]
    finally:
        for server in front.servers:
            os.killpg(server.process.pid, signal.SIGCONT)


def test_a_pruned_audio_file_is_made_again(front):
    """A file removed from the data volume (the cache's size bound) is made again by the app: never a 404."""
    url, path = audio_url(front)
    before = front.get(url, timeout=60)
    assert before.status == 200
    path.unlink()
    # nginx keeps an open file for a second (open_file_cache); then it finds the file gone and the app makes it.
    deadline = time.monotonic() + 15
    while not path.exists() and time.monotonic() < deadline:
        again = front.get(url, timeout=60)
        assert again.status == 200 and again.headers["content-type"] == "audio/mpeg" and len(again.body) > 10_000
        time.sleep(0.2)
    assert path.exists(), "the app did not make the pruned file again"
    # The app sent that file through X-Accel-Redirect: nginx drops the app's other headers there, and adds
    # the security headers itself, once.
    assert security(again) == security(front.get("/de/talentschulen"))
    # Once open_file_cache_valid has passed, nginx sends the new file.
    wait_until(lambda: front.get(url).body == path.read_bytes(), 15, "nginx sends the file the app made again")


def test_what_nginx_answers_itself_has_the_apps_security_headers(front):
    """Static and audio files and nginx's own error pages carry the app's CSP, frame, referrer, feature and
    nosniff headers, each once, as the app's pages do: a security scan finds the same rules on every answer."""
    page = front.get("/de/talentschulen")
    expected = security(page)
    assert None not in expected.values() and "frame-ancestors 'none'" in expected["content-security-policy"]
    url, _ = audio_url(front)
    answers = {
        "style sheet": front.get("/static/site.css"),
        "script": front.get("/static/player.js"),
        "MP3": front.get(url, timeout=60),
        "byte range of the MP3": front.get(url, headers={"Range": "bytes=0-99"}),
        "timings": front.get(url.replace(".mp3", ".json")),
        "nginx's 405 page": front.get("/tr/", method="PUT", body=b"x"),
    }
    statuses = {"byte range of the MP3": 206, "nginx's 405 page": 405}
    for what, reply in answers.items():
        assert reply.status == statuses.get(what, 200), (what, reply.status)
        assert security(reply) == expected, what
    # Pages keep the app's own, not doubled by nginx.
    assert security(front.get("/de/talentschulen")) == expected


def test_a_forged_host_cannot_poison_the_edge_cache(front):
    """A forged Host (and X-Forwarded-*) changes nothing nginx stores, nor what an app server caches."""
    forged = {"Host": "evil.example", "X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "https",
              "X-Forwarded-Ssl": "on", "Forwarded": "host=evil.example;proto=https"}
    attack = front.get("/pl/", headers=forged)
    assert attack.status == 200 and "evil.example" not in attack.text
    after = front.get("/pl/")
    assert after.status == 200 and "evil.example" not in after.text
    assert f"{front.public_url}/pl/" in after.text  # links name the configured site
    assert not stored_anywhere(front, b"evil.example")
    # The app servers themselves: links come from the configuration, never from the request.
    port = front.servers[0].port
    direct = fetch(port, "/uk/", headers=forged)
    assert direct.status == 400  # not a trusted host
    assert "evil.example" not in fetch(port, "/uk/", headers={"Host": front.host}).text


def test_slow_clients_do_not_stall_the_app(front):
    """Ten clients dripping request bodies hold nginx, not the app: /ping through nginx keeps answering."""
    stop = threading.Event()
    dripping = []
    errors = []

    sent = [0] * 10  # body bytes each slow client has sent

    def drip(sock: socket.socket, index: int) -> None:
        try:
            while not stop.is_set():
                sock.sendall(b"a")
                sent[index] += 1
                stop.wait(0.5)
        except OSError as exc:
            errors.append(exc)

    request = (f"POST /de/barrierefreiheit HTTP/1.1\r\nHost: {front.host}\r\n"
               "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\nmessage=").encode()
    for index in range(10):
        sock = socket.create_connection(("127.0.0.1", front.port), timeout=10)
        sock.sendall(request)
        dripping.append((sock, threading.Thread(target=drip, args=(sock, index), daemon=True)))
    try:
        for _, thread in dripping:
            thread.start()
        wait_until(lambda: min(sent) >= 2 or errors, 15, "every slow client is sending its body")
        # More slow requests than the app servers have threads: unbuffered, these would hold them all.
        answers = [front.get("/ping", timeout=3) for _ in range(5)]
        assert [a.status for a in answers] == [200] * 5
        assert not errors, f"nginx dropped a slow client: {errors}"
    finally:
        stop.set()
        for sock, thread in dripping:
            thread.join(timeout=5)
            sock.close()


def test_kill_9_of_an_app_server_loses_no_reader(front):
    """A reader load over pages, /ping and audio goes on without one failed request when app server a is killed."""
    url, _ = audio_url(front)
    paths = ["/de/", "/ping", "/de/schulmodernisierung", url]
    expected = {p: front.get(p, timeout=60).body for p in paths}
    failures: list[str] = []
    answered = {"before": 0, "ping after": 0}
    killed = threading.Event()
    stop = threading.Event()

    def read(offset: int) -> None:
        for i in range(2000):  # bounded in count, and ended by the test once the kill has been seen through
            if stop.is_set():
                return
            path = paths[(i + offset) % len(paths)]
            try:
                reply = front.get(path, timeout=10)
                if reply.status != 200 or reply.body != expected[path]:
                    failures.append(f"{path}: {reply.status}, {len(reply.body)} bytes")
                elif killed.is_set():
                    answered["ping after"] += path == "/ping"
                else:
                    answered["before"] += 1
            except OSError as exc:
                failures.append(f"{path}: {exc!r}")

    readers = [threading.Thread(target=read, args=(n,)) for n in range(6)]
    victim = front.servers[0]
    try:
        for reader in readers:
            reader.start()
        wait_until(lambda: answered["before"] >= 30 or failures, 30, "the reader load is running")
        victim.kill9()
        killed.set()
        wait_until(lambda: answered["ping after"] > 10 or failures, 30,
                   "load reaches the remaining app server after the kill")
        stop.set()
        for reader in readers:
            reader.join(timeout=30)
        assert not failures, failures[:10]
        assert front.get("/ping").status == 200
    finally:
        stop.set()
        if not victim.alive():
            victim.start()


def test_request_size_and_form_rate_are_limited_at_the_edge(front):
    """A body over the app's MAX_CONTENT_LENGTH is refused by nginx; a flood of form posts meets 429 there."""
    limit = defaults("/tmp")["MAX_CONTENT_LENGTH"]
    big = front.get("/de/barrierefreiheit", method="POST", body=b"m" * (limit + 1),
                    headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert big.status == 413 and '<html lang="de"' in big.text  # nginx's answer, as the app's page (test below)
    statuses = []
    for _ in range(40):
        reply = front.get("/de/barrierefreiheit", method="POST", body=b"message=",
                          headers={"Content-Type": "application/x-www-form-urlencoded"})
        statuses.append(reply.status)
        if reply.status == 429:  # the edge's answer (the app never saw it), as the app's page in German
            assert heading(reply) == "Zu viele Versuche. Bitte warten Sie einen Moment."
    assert set(statuses) <= {400, 429} and 429 in statuses


def heading(reply) -> str:
    """The h1 of an HTML answer."""
    match = re.search(r"<h1>(.*?)</h1>", reply.text, re.S)
    assert match, reply.text[:500]
    return html.unescape(match.group(1).strip())


def translated(front: Front, locale: str, source: str) -> str:
    """The catalog's translation of a German source message."""
    message = load_po(po_path(front.translations, locale), locale).get(source)
    assert message is not None and message.string, f"{locale} has no translation of {source!r}"
    return message.string


def test_the_edge_answers_its_own_errors_in_the_readers_language(front):
    """What nginx refuses itself comes as the app's error page in the URL's language, with nginx's status and
    never stored: a method the app has not (405), a body over the limit (413), no app server answering (502)."""
    app = front.servers[0]
    put = front.get("/ar/", method="PUT", body=b"x")
    own = fetch(app.port, "/ar/", method="DELETE", headers={"Host": front.host})  # the app's own 405
    assert put.status == own.status == 405
    assert '<html lang="ar" dir="rtl">' in put.text and heading(put) == heading(own)
    assert "no-store" in put.headers["cache-control"] and put.headers["content-type"] == "text/html; charset=utf-8"

    limit = defaults("/tmp")["MAX_CONTENT_LENGTH"]
    big = front.get("/tr/barrierefreiheit", method="POST", body=b"m" * (limit + 1),
                    headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert big.status == 413 and '<html lang="tr" dir="ltr">' in big.text
    assert heading(big) == translated(front, "tr", "Die gesendeten Daten sind zu groß.")
    unknown = front.get("/xx/", method="PUT", body=b"x")  # no such locale: the source language
    assert unknown.status == 405 and '<html lang="de"' in unknown.text

    for server in front.servers:
        server.stop()
    try:
        down = front.get(f"/tr/?unstored={uuid.uuid4().hex}")  # a query string: never from nginx's cache
        assert down.status == 502, (down.status, front.error_log())
        assert '<html lang="tr" dir="ltr">' in down.text
        assert heading(down) == translated(front, "tr", "Dieser Dienst ist zurzeit nicht verfügbar.")
        assert translated(front, "tr", "Fehlercode: %(code)s") % {"code": 502} in html.unescape(down.text)
        assert not stored_anywhere(front, heading(down).encode())
    finally:
        for server in front.servers:
            server.start()
    # nginx counts the refused connections (max_fails=1 fail_timeout=10s): wait until it uses the servers again.
    deadline = time.monotonic() + 30
    while front.get(f"/tr/?back={uuid.uuid4().hex}").status != 200:
        assert time.monotonic() < deadline, "nginx does not reach the app servers again"
        time.sleep(0.5)


def test_a_translators_fix_reaches_nginxs_own_error_pages(front):
    """A translator fixes, in the workbench behind nginx, the message of the 405 page in Turkish: nginx's own
    405 page (a file it sends without the app) says it at once, on the next request, without any restart."""
    source = "Diese Methode ist hier nicht erlaubt."
    before = front.get("/tr/", method="PUT", body=b"x")
    assert before.status == 405 and heading(before) == translated(front, "tr", source)
    password = uuid.uuid4().hex
    added = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "users", "add", "ayla", "--locales", "tr",
                            "--password-stdin"], input=password + "\n", cwd=ROOT, env=front.servers[0].env,
                           capture_output=True, text=True, timeout=120)
    assert added.returncode == 0, added.stderr
    browser = requests.Session()
    browser.headers["Host"] = front.host
    token = re.compile(r'name="csrf_token" value="([^"]+)"')
    page = browser.get(front.url("/translate/login"), timeout=10)
    signed_in = browser.post(front.url("/translate/login"), timeout=30, allow_redirects=False, data={
        "csrf_token": token.search(page.text).group(1), "username": "ayla", "password": password})
    assert signed_in.status_code == 303, signed_in.status_code
    listing = browser.get(front.url("/translate/tr/"), params={"q": source}, timeout=10)
    key = re.search(r"/translate/tr/entry/([0-9a-f]{16})", listing.text).group(1)
    editor = browser.get(front.url(f"/translate/tr/entry/{key}"), timeout=10)
    fix = f"Bu yöntem burada kullanılamaz ({uuid.uuid4().hex[:6]})."
    saved = browser.post(front.url(f"/translate/tr/entry/{key}"), timeout=30, allow_redirects=False, data={
        "csrf_token": token.search(editor.text).group(1),
        "revision": re.search(r'name="revision" value="([0-9a-f]{16})"', editor.text).group(1),
        "msgstr": fix, "action": "approve"})
    assert saved.status_code == 303, saved.status_code
    after = front.get("/tr/", method="PUT", body=b"x")
    assert after.status == 405 and heading(after) == fix
    assert heading(front.get("/ar/", method="PUT", body=b"x")) != fix  # the other languages as they were
