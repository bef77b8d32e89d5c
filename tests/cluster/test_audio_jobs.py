"""Audio with a job queue but no cluster: a cold request without a live worker, and `flask audio build` on a worker."""
from __future__ import annotations

import json
import os
import time
from pathlib import Path

from rq import Worker

from service import create_app
from service.cli.audio import _items

from ..clock_support import MovableClock, utc
from ..test_audio_routes import section_url
from .servers import worker

#: Redis databases of their own: the cluster's workers (database 0) must not count as live workers here.
NO_WORKER_DB = 3
BUILD_DB = 4
#: A moment inside the year-end notice's window: every page reads the notice's block.
NOTICE_LIVE = utc(2026, 12, 20, 10, 0)
PAGES = ("datenschutz", "barrierefreiheit")
BUILD = ["audio", "build", "--locale", "de", "--page", PAGES[0], "--page", PAGES[1]]


def _queued(redis_server, db: int, **extra) -> dict:
    """Settings of an app server that sends synthesis to RQ on its own Redis database."""
    return {"REDIS_URL": f"redis://127.0.0.1:{redis_server.port}/{db}", "MT_ENABLED": False, "AUDIO_WARM": False,
            **extra}


def test_cold_audio_without_a_live_worker_is_made_at_once(app_config, redis_server):
    """No `flask worker` runs: the server synthesizes itself instead of waiting AUDIO_JOB_WAIT for nobody."""
    # Waiting for a job nobody takes would end in 503 after this; the answer is the audio instead.
    app = create_app({**app_config, **_queued(redis_server, NO_WORKER_DB, AUDIO_JOB_WAIT=2.0)})
    client = app.test_client()
    jobs = app.extensions["jobs"]
    assert jobs.workers() == 0
    response = client.get(section_url(client)["mp3"])
    assert response.status_code == 200 and response.mimetype == "audio/mpeg"
    assert all(queue.count == 0 for queue in jobs.queues.values())  # nothing left waiting for a worker


def test_a_worker_that_does_not_finish_in_time_gives_503_with_retry_after(app_config, redis_server):
    """A live but busy worker: the request waits AUDIO_JOB_WAIT at most, then asks the reader to come back."""
    app = create_app({**app_config, **_queued(redis_server, NO_WORKER_DB, AUDIO_JOB_WAIT=0.3)})
    jobs = app.extensions["jobs"]
    busy = Worker(list(jobs.queues.values()), name="busy-elsewhere", connection=jobs.client)
    busy.register_birth()  # alive in Redis, takes nothing
    try:
        client = app.test_client()
        response = client.get(section_url(client)["mp3"])
        assert response.status_code == 503
        assert response.headers["Retry-After"] == "10"
    finally:
        busy.register_death()
        for queue in jobs.queues.values():
            queue.empty()


def test_audio_build_on_a_worker_counts_pages_sharing_the_notice_once(app_config, redis_server, tmp_path: Path):
    """Every page reads the live notice's block: one job for all of them, and no failure reported."""
    settings = _queued(redis_server, BUILD_DB)
    app = create_app({**app_config, **settings, "CLOCK": MovableClock(NOTICE_LIVE)})
    env = {**os.environ, "FLASK_INSTANCE_PATH": str(tmp_path / "worker"), "FLASK_SECRET_KEY": "test-secret",
           "FLASK_DATABASE": str(tmp_path / "worker.sqlite"), "FLASK_REDIS_URL": settings["REDIS_URL"],
           "FLASK_MT_ENABLED": "false", "FLASK_AUDIO_CACHE_DIR": app.config["AUDIO_CACHE_DIR"],
           "FLASK_BABEL_TRANSLATION_DIRECTORIES": app.config["BABEL_TRANSLATION_DIRECTORIES"],
           "FLASK_CONTENT_DIR": app.config["CONTENT_DIR"],  # the pages the app reads (the fixture site)
           # the worker speaks as the app does (the test app's voices, not the default's choice of installed ones)
           "FLASK_TTS_BACKENDS": json.dumps(app.config["TTS_BACKENDS"])}
    with app.app_context():  # the scenario: both pages read the notice's block, the same text
        shared = [item for item in _items(("de",), PAGES) if item[2].startswith("n")]
    pages_of: dict[str, list[str]] = {}
    for _, slug, audio_id in shared:
        pages_of.setdefault(audio_id, []).append(slug)
    assert pages_of and all(sorted(slugs) == sorted(PAGES) for slugs in pages_of.values())
    process = worker("build-worker", env, tmp_path / "worker.log")
    process.start()
    try:
        jobs = app.extensions["jobs"]
        deadline = time.monotonic() + 120
        while jobs.workers() == 0:  # registered once it has loaded the app
            assert time.monotonic() < deadline and process.proc.poll() is None, (tmp_path / "worker.log").read_text()
            time.sleep(0.1)
        result = app.test_cli_runner().invoke(args=BUILD)
    finally:
        process.stop()
    assert result.exit_code == 0, result.output
    assert "FAILED" not in result.output and "could not be built" not in result.output
    again = app.test_cli_runner().invoke(args=BUILD)  # every item, both pages' notice chunk too, is cached now
    assert again.exit_code == 0 and "0 of 0 audio files ready" in again.output, again.output
