"""Run in a child process by test_event_loop.py: the app under gevent's monkey patching, as gunicorn's gevent
worker runs it. One greenlet starts CPU-heavy work (a cold page's audio, or a login) whose first step is held
at a gate of the OS; another greenlet asks for /ping meanwhile, then opens the gate. Prints the order of events
as JSON: on the event loop, the held work stops /ping until the gate gives up (10 s); off the loop, /ping
answers first."""
from __future__ import annotations

from gevent import monkey

monkey.patch_all()

# Everything else after the patching, as in a gevent worker.
import json
import sys

import gevent

from service import create_app
from service.core import offload
from service.tts.espeak import EspeakBackend
from service.workbench import auth
from tests.workbench_support import login, make_user

GATE_SECONDS = 10.0


def main(scenario: str, config: dict) -> None:
    """Run one scenario ("audio" or "login") and print the events in the order they happened."""
    app = create_app(config)
    client = app.test_client()
    events: list[str] = []
    gate = offload.real_lock()
    gate.acquire()

    def held(fn):
        """``fn`` whose first call waits at the gate (an OS lock: it blocks whichever thread runs it)."""
        first = [True]

        def wrapper(*args, **kwargs):
            if first[0]:
                first[0] = False
                events.append("work-started")
                events.append("work-released" if gate.acquire(timeout=GATE_SECONDS) else "work-gave-up")
            return fn(*args, **kwargs)
        return wrapper

    if scenario == "listener":
        return listener(app, client)
    if scenario == "audio":
        EspeakBackend.synthesize = held(EspeakBackend.synthesize)
        page = client.get("/de/")
        url = next(u for u in page.text.split('"') if "/audio/" in u and "/page-" in u and u.endswith(".mp3"))

        def work() -> None:
            """Fetch the whole page's audio, cold."""
            events.append(f"work-{client.get(url).status_code}")
    else:
        make_user(app, "anna")
        client.get("/translate/login")
        auth.check_password_hash = held(auth.check_password_hash)

        def work() -> None:
            """Sign in (scrypt)."""
            events.append(f"work-{login(client, 'anna').status_code}")

    def reader() -> None:
        """Wait until the work started, ask for /ping, then let the work go on."""
        while "work-started" not in events:
            gevent.sleep(0.01)
        events.append(f"ping-{client.get('/ping').status_code}")
        gate.release()

    gevent.joinall([gevent.spawn(work), gevent.spawn(reader)], timeout=120)
    print(json.dumps(events))


def listener(app, client) -> None:
    """Two cold whole-page downloads whose every synthesis waits at the gate, then a listener's cold chunk of a
    third page: the chunk must be served while the downloads wait (they take one of the two pool threads at most,
    so they cannot take both), and everything completes once the gate opens."""
    events: list[str] = []
    gate = offload.real_lock()
    gate.acquire()
    html = client.get("/de/werkstatt").text
    chunk = next(u for u in html.split('"') if "/audio/de/werkstatt/b" in u and u.endswith(".mp3"))
    title = html.split("<h1", 1)[1].split(">", 1)[1].split("<", 1)[0].strip()
    pages = [next(u for u in client.get(f"/de/{slug}").text.split('"') if "/page-" in u and u.endswith(".mp3"))
             for slug in ("", "datenschutz")]
    synthesize = EspeakBackend.synthesize

    def held(self, text, *args, **kwargs):
        """The listener's title passes; every other text (the downloads') waits at the gate."""
        if title not in text:
            events.append("download-held")
            if gate.acquire(timeout=GATE_SECONDS):
                gate.release()
            else:
                events.append("gate-gave-up")
        return synthesize(self, text, *args, **kwargs)

    EspeakBackend.synthesize = held

    def download(url: str) -> None:
        """Fetch a whole page's audio, cold."""
        events.append(f"download-{client.get(url).status_code}")

    def listen() -> None:
        """Once a download is held, fetch the chunk, then open the gate."""
        while "download-held" not in events:
            gevent.sleep(0.01)
        gevent.sleep(0.2)  # the second download has had its chance at the pool
        events.append(f"chunk-{client.get(chunk).status_code}")
        gate.release()

    gevent.joinall([gevent.spawn(download, url) for url in pages] + [gevent.spawn(listen)], timeout=120)
    print(json.dumps(events))


if __name__ == "__main__":
    main(sys.argv[1], json.loads(sys.argv[2]))
