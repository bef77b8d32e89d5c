"""Finding L4 (third red team): RQ jobs were pickled, so whoever could write to Redis ran code on every worker.

Jobs are now JSON with plain-data arguments, and a worker calls only the service's own job functions: a job
forged in Redis, pickled as RQ does by default or in JSON naming another function, runs nothing.
"""
from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from rq import Queue
from rq.job import Job

from service import create_app
from service.jobs import BULK, get_jobs, make_worker, submit_audio


@pytest.fixture
def redis_url(tmp_path) -> Iterator[str]:
    """A redis-server of this test's own on a free loopback port, without persistence."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen([shutil.which("redis-server") or "/usr/bin/redis-server", "--port", str(port),
                               "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(tmp_path)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    client = redis.Redis(port=port)
    deadline = time.monotonic() + 20
    while True:
        try:
            client.ping()
            break
        except redis.ConnectionError:
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.05)
    try:
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        server.terminate()
        server.wait(10)


def test_a_queued_synthesis_is_stored_as_plain_json(app_config, redis_url):
    """What `flask audio build` queues: JSON whose arguments are strings, lists and dicts, no pickle."""
    app = create_app({**app_config, "REDIS_URL": redis_url})
    with app.test_request_context("/"):
        jid = submit_audio("de", "werkstatt", "b1")
        raw = get_jobs().client.hget(f"rq:job:{jid}", "data")
    data = json.loads(zlib.decompress(raw))  # RQ compresses job data; a pickle (its default) is no JSON
    assert data[0] == "service.jobs.synthesize_job"
    locale, segments, key = data[2]
    assert locale == "de" and isinstance(key, str) and segments[0]["block"] == "b1"


def test_a_forged_job_runs_nothing(app_config, redis_url, tmp_path):
    """Two jobs written straight into Redis, as someone with access to it could: a pickle that would call
    os.system, and a JSON job naming os.system. The worker runs neither: both fail, the marker never appears."""
    app = create_app({**app_config, "REDIS_URL": redis_url})
    client = redis.Redis.from_url(redis_url)
    marker = tmp_path / "owned"
    pickled = Queue(BULK, connection=client).enqueue("os.system", f"touch {marker}")  # RQ's default: pickle
    forged = Queue(BULK, connection=client, serializer="json").enqueue("os.system", f"touch {marker}-json")
    with app.app_context():
        worker = make_worker("test-worker")
        worker.subscribe = lambda: None  # RQ's command channel: closing it waits up to 60 s for its thread
        worker.work(burst=True)
    assert not marker.exists() and not Path(f"{marker}-json").exists()
    for job in (pickled, forged):
        assert Job.fetch(job.id, connection=client, serializer="json").get_status() == "failed"
