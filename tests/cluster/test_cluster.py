"""Three app servers, two RQ workers, PostgreSQL, Redis and one data volume on loopback: what a city relies on."""
from __future__ import annotations

import difflib
import json
import re
import subprocess
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import miniaudio
import redis
import requests
from rq.job import Job
from rq.registry import StartedJobRegistry
from sqlalchemy import select

from service import db
from service.content import get_content
from service.db.schema import feedback
from service.workbench import auth

from ..polling import wait_until
from .conftest import ADMIN, PASSWORD, Cluster
from .servers import flask as flask_args

TOKEN_RE = re.compile(r'name="csrf_token" value="([^"]+)"')
REVISION_RE = re.compile(r'name="revision" value="([0-9a-f]{16})"')
KEY_RE = re.compile(r"/translate/(\w+)/entry/([0-9a-f]{16})")
AUDIO_RE = re.compile(r'/audio/(\w+)/([\w-]+)/(page|b\d+)-([0-9a-f]{32})\.mp3')
SAVE_REFUSED = "Speichern ist gerade nicht möglich"
#: Pages carry absolute links to the host they were asked under (each server has its own port here).
ORIGIN_RE = re.compile(r"http://127\.0\.0\.1:\d+/")


Login = tuple[requests.Session, requests.Response]


def login(cluster: Cluster, server: str, username: str = ADMIN, password: str = PASSWORD) -> Login:
    """A browser session signed in (or not) through one server's login form."""
    session = requests.Session()
    page = session.get(cluster.url(server, "/translate/login"), timeout=10)
    response = session.post(cluster.url(server, "/translate/login"), timeout=30, allow_redirects=False, data={
        "csrf_token": TOKEN_RE.search(page.text).group(1), "username": username, "password": password})
    return session, response


def h1_msgid(cluster: Cluster, slug: str) -> str:
    """The German h1 of a content page."""
    app = cluster.app()
    with app.app_context():
        return next(b.msgid for b in get_content().pages[slug].blocks if b.tag == "h1")


def open_editor(cluster: Cluster, session: requests.Session, server: str, locale: str,
                msgid: str) -> tuple[str, str, str]:
    """Key, CSRF token and revision of the editor of the entry with this msgid."""
    listing = session.get(cluster.url(server, f"/translate/{locale}/"), params={"q": msgid}, timeout=10)
    key = KEY_RE.search(listing.text).group(2)
    editor = session.get(cluster.url(server, f"/translate/{locale}/entry/{key}"), timeout=10)
    return key, TOKEN_RE.search(editor.text).group(1), REVISION_RE.search(editor.text).group(1)


def post_save(cluster: Cluster, session: requests.Session, server: str, locale: str, msgid: str,
              text: str) -> requests.Response:
    """Save a translation through one server's editor form (approved: shown to readers at once)."""
    key, token, revision = open_editor(cluster, session, server, locale, msgid)
    return session.post(cluster.url(server, f"/translate/{locale}/entry/{key}"), timeout=30, allow_redirects=False,
                        data={"csrf_token": token, "revision": revision, "msgstr": text, "action": "approve"})


def seen_within(cluster: Cluster, servers: str, path: str, text: str, limit: float) -> dict[str, float]:
    """Seconds until each server's page shows ``text`` (polled every 50 ms, for at most ``limit`` s)."""
    start = time.monotonic()
    seen: dict[str, float] = {}
    while len(seen) < len(servers) and time.monotonic() - start < limit:
        for name in servers:
            if name not in seen and text in requests.get(cluster.url(name, path), timeout=10).text:
                seen[name] = time.monotonic() - start
        time.sleep(0.05)
    return seen


def test_a_save_on_one_server_is_live_on_the_others_within_two_seconds(cluster: Cluster):
    msgid = h1_msgid(cluster, "talentschulen")
    for name in "abc":  # every server has rendered (and cached) the page before the change
        assert requests.get(cluster.url(name, "/en/talentschulen"), timeout=10).status_code == 200
    session, response = login(cluster, "a")
    assert response.status_code == 303
    text = f"Talent schools {uuid.uuid4().hex[:8]}"
    assert post_save(cluster, session, "a", "en", msgid, text).status_code == 303

    seen = seen_within(cluster, "bc", "/en/talentschulen", text, limit=5.0)
    assert set(seen) == {"b", "c"}, seen
    assert max(seen.values()) < 2.0, seen
    # The session that A started is valid on B and C: one secret key, sessions are no server's own.
    for name in "bc":
        page = session.get(cluster.url(name, "/translate/"), timeout=10, allow_redirects=False)
        assert page.status_code == 200 and ADMIN in page.text


def test_concurrent_cold_audio_requests_over_three_servers_synthesize_once(cluster: Cluster):
    page = requests.get(cluster.url("a", "/ro/talentschulen"), timeout=10).text
    section = next(m for m in AUDIO_RE.finditer(page) if m.group(3) != "page")
    url = section.group(0)
    before = cluster.record.read_text().splitlines() if cluster.record.exists() else []

    with ThreadPoolExecutor(9) as pool:
        answers = list(pool.map(lambda name: requests.get(cluster.url(name, url), timeout=120), "abcabcabc"))

    assert [r.status_code for r in answers] == [200] * 9
    assert len({r.content for r in answers}) == 1
    assert len(answers[0].content) > 1000
    calls = [line.split()[1] for line in cluster.record.read_text().splitlines()[len(before):]]
    assert calls, "nothing was synthesized"
    assert len(calls) == len(set(calls)), "a text of the section was synthesized more than once"
    assert len(list((cluster.data / "audio_cache" / "ro").glob(f"{section.group(4)}.mp3"))) == 1


def test_failed_logins_add_up_across_servers(cluster: Cluster):
    app = cluster.app()
    with db.connect(app) as conn:
        auth.add_user(conn, "bert", PASSWORD, "translator", ("en",))
    # Failures for one user name, spread over three servers: five are free, then each further try must wait
    # (1 s, 2 s, ...). Counted per server, eight tries would be at most three per server and never slowed.
    codes = [login(cluster, name, "bert", "wrong password!")[1].status_code for name in "abcabcab"]
    assert codes[:5] == [401] * 5, codes
    assert 429 in codes[5:], codes
    # While the account is slowed down, even the right password is refused, on any server.
    assert login(cluster, "c", "bert", PASSWORD)[1].status_code == 429


def test_feedback_limits_add_up_and_feedback_is_listed_with_another_servers_configuration(cluster: Cluster):
    marker = uuid.uuid4().hex[:8]
    codes = []
    for i, name in enumerate("abcabc"):
        response = requests.post(cluster.url(name, "/de/barrierefreiheit"), timeout=10, allow_redirects=False, data={
            "name": "Erika", "email": "", "message": f"Der Kontrast ist zu schwach ({marker}-{i}).", "website": ""})
        codes.append(response.status_code)
    assert codes == [303] * 5 + [429]

    cli = cluster.flask("c", "feedback", "--help")
    if cli.returncode == 0:  # the inbox command of the city features
        listing = cluster.flask("c", "feedback", "list")
        assert listing.returncode == 0, listing.stderr
        assert listing.stdout.count(f"({marker}-") == 5
    else:  # before it exists: the same question through the app's database layer with C's settings
        app = cluster.app()
        with db.connect(app) as conn:
            messages = conn.scalars(select(feedback.c.message).where(feedback.c.message.contains(marker))).all()
        assert sorted(messages) == sorted(f"Der Kontrast ist zu schwach ({marker}-{i})." for i in range(5))


def _lines(path: Path) -> int:
    """How many lines a file has (0 while it does not exist)."""
    try:
        return path.read_bytes().count(b"\n")
    except FileNotFoundError:
        return 0


def _started_job(client: redis.Redis, timeout: float = 60.0) -> Job:
    """The first bulk job a worker has started."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for jid in StartedJobRegistry("bulk", connection=client).get_job_ids(cleanup=False):
            job = Job.fetch(jid, connection=client)
            if job.worker_name:
                return job
        time.sleep(0.05)
    raise TimeoutError("no job was started")


def test_kill_9_of_a_worker_in_the_middle_of_a_job_loses_nothing(cluster: Cluster):
    client = redis.Redis.from_url(cluster.redis.url)
    syntheses = _lines(cluster.record)
    build = subprocess.Popen(flask_args("audio", "build", "--locale", "uk", "--page", "talentschulen"),
                             env=cluster.env("cli"), cwd=Path(__file__).parents[2], stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True)
    try:
        job = _started_job(client)
        # A synthesis has begun: it takes at least the recorder's delay, so the kill lands in its middle.
        wait_until(lambda: _lines(cluster.record) > syntheses, 60, "a worker starts synthesizing")
        victim = next(w for w in cluster.workers if w.name == job.worker_name)
        victim.kill()
        assert Job.fetch(job.id, connection=client).get_status() == "started"  # it died working
        output, _ = build.communicate(timeout=180)
    finally:
        if build.poll() is None:
            build.kill()
    assert build.returncode == 0, output
    done = Job.fetch(job.id, connection=client)
    assert done.get_status() == "finished" and done.worker_name != victim.name  # taken up by the other worker

    ready = re.search(r"(\d+) of (\d+) audio files ready", output)
    finished = sorted((cluster.data / "audio_cache" / "uk").glob("*.mp3"))
    assert ready and int(ready.group(1)) == int(ready.group(2)) == len(finished) >= 2, output
    for mp3 in finished:  # each one complete: it decodes to the length its timings promise
        timings = json.loads(mp3.with_suffix(".json").read_text())
        decoded = miniaudio.decode(mp3.read_bytes())
        assert abs(decoded.duration * 1000 - timings["duration"]) < 500, mp3.name
    victim.start()


def test_kill_9_of_an_app_server_under_read_load(cluster: Cluster):
    paths = ["/de/", "/en/talentschulen", "/tr/bildungsnetzwerk"]
    results: dict[str, list] = {name: [] for name in "abc"}
    stop = threading.Event()

    def load(name: str) -> None:
        """Read pages from one server until stopped (at most 3,000 requests)."""
        for i in range(3000):
            if stop.is_set():
                return
            try:
                results[name].append(requests.get(cluster.url(name, paths[i % 3]), timeout=5).status_code)
            except requests.RequestException as exc:
                results[name].append(type(exc).__name__)

    threads = [threading.Thread(target=load, args=(name,)) for name in "abc"]
    for t in threads:
        t.start()
    wait_until(lambda: all(len(results[name]) >= 20 for name in "abc"), 60, "every server is under load")
    cluster.servers["b"].kill()
    killed_at = {name: len(results[name]) for name in "abc"}
    wait_until(lambda: all(len(results[name]) >= killed_at[name] + 20 for name in "ac")
               and len(results["b"]) >= killed_at["b"] + 3, 60, "A and C answer on, B's readers see it gone")
    stop.set()
    for t in threads:
        t.join(timeout=30)

    for name in "ac":
        assert results[name] and set(results[name]) == {200}, results[name][-5:]
        assert len(results[name]) > killed_at[name], "A and C kept answering after B died"
    assert 200 in results["b"][:killed_at["b"]]
    assert results["b"][killed_at["b"] + 1:] and all(code != 200 for code in results["b"][killed_at["b"] + 1:])

    cluster.servers["b"].start()
    for path in paths:  # B is back with the same data: the same page, apart from the host in absolute links
        a, b = (requests.get(cluster.url(name, path), timeout=10) for name in "ab")
        assert b.status_code == 200
        a_text, b_text = (ORIGIN_RE.sub("http://site/", r.text) for r in (a, b))
        assert a_text == b_text, "\n".join(difflib.unified_diff(a_text.splitlines(), b_text.splitlines(),
                                                               lineterm="", n=0))


def test_redis_stopped_for_five_seconds(cluster: Cluster):
    msgid = h1_msgid(cluster, "bildungsnetzwerk")
    session, response = login(cluster, "a")
    assert response.status_code == 303
    for name in "abc":
        assert requests.get(cluster.url(name, "/en/bildungsnetzwerk"), timeout=10).status_code == 200
    po = cluster.data / "translations" / "en" / "LC_MESSAGES" / "messages.po"
    mo = po.with_suffix(".mo")
    before = po.read_bytes(), mo.read_bytes()
    refused = f"Education network {uuid.uuid4().hex[:8]}"

    cluster.redis.stop()
    stopped = time.monotonic()
    try:
        for name in "abc":  # pages keep serving
            assert requests.get(cluster.url(name, "/en/bildungsnetzwerk"), timeout=10).status_code == 200
        answer = post_save(cluster, session, "a", "en", msgid, refused)
        assert answer.status_code == 503
        assert SAVE_REFUSED in answer.text
        assert (po.read_bytes(), mo.read_bytes()) == before  # nothing written, not even half
        for name in "abc":
            assert requests.get(cluster.url(name, "/en/bildungsnetzwerk"), timeout=10).status_code == 200
        time.sleep(max(0.0, 5.0 - (time.monotonic() - stopped)))
    finally:
        cluster.redis.start()

    text = f"Education network {uuid.uuid4().hex[:8]}"
    assert post_save(cluster, session, "a", "en", msgid, text).status_code == 303
    seen = seen_within(cluster, "bc", "/en/bildungsnetzwerk", text, limit=5.0)
    assert set(seen) == {"b", "c"} and max(seen.values()) < 2.0, seen
    assert refused not in po.read_text()
    # The workers came back too: cold audio is made again.
    page = requests.get(cluster.url("c", "/pl/bildungsnetzwerk"), timeout=10).text
    url = next(m.group(0) for m in AUDIO_RE.finditer(page) if m.group(3) != "page")
    assert requests.get(cluster.url("b", url), timeout=120).status_code == 200
