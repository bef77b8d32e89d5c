"""Machine translation as RQ jobs: `flask mt fill` and a page's background MT run on a `flask worker`."""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from redis import Redis as RedisClient
from rq import Worker
from rq.registry import FinishedJobRegistry

from service import catalogs, create_app
from service.config import ROOT
from tests.cluster.servers import Process, Redis, flask

pytestmark = pytest.mark.cluster


@pytest.fixture
def redis_unix():
    """A redis-server of our own, reached through its Unix socket (these tests forbid IP connections)."""
    folder = Path(tempfile.mkdtemp(prefix="herne-mt-redis-"))
    server = Redis(folder)
    server.start()
    yield server
    server.stop()
    shutil.rmtree(folder, ignore_errors=True)


def _env(mt_config: dict, argos_home: Path, redis_url: str, name: str) -> dict[str, str]:
    """The environment of a CLI run or worker with the test's settings and argos' private folders."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLASK_")}
    env.update({f"FLASK_{k}": str(v) for k, v in mt_config.items() if isinstance(v, str)})
    env.update({"FLASK_REDIS_URL": redis_url, "FLASK_SECRET_KEY": "test", "FLASK_INSTANCE_PATH": str(argos_home / name),
                "HOME": str(argos_home), "XDG_DATA_HOME": str(argos_home / "data"),
                "XDG_CACHE_HOME": str(argos_home / "cache"), "XDG_CONFIG_HOME": str(argos_home / "config"),
                "PYTHONPATH": str(ROOT)})
    return env


@pytest.fixture
def mt_worker(mt_config, argos_home, redis_unix, tmp_path):
    """One `flask worker` with the MT settings, registered in Redis before the test starts."""
    worker = Process("mt-worker", [*flask("worker", "--name", "mt-worker")],
                     _env(mt_config, argos_home, redis_unix.unix_url, "worker"), tmp_path / "worker.log")
    worker.start()
    try:
        client = RedisClient(unix_socket_path=str(redis_unix.socket))
        deadline = time.monotonic() + 120
        while Worker.count(connection=client) < 1:
            assert time.monotonic() < deadline, (tmp_path / "worker.log").read_text()
            time.sleep(0.1)
        yield client
    finally:
        worker.stop()


def test_mt_fill_runs_on_the_workers_and_waits_with_a_progress_bar(mt_config, argos_home, redis_unix, mt_worker):
    path = catalogs.po_path(mt_config["BABEL_TRANSLATION_DIRECTORIES"], "en")
    catalog = catalogs.load_po(path, "en")
    # The tiny model swaps Stadt for City (and Schule for School): pick messages with only the first.
    emptied = [m for m in catalog if m.id and "Stadt" in m.id and "Schule" not in m.id and not m.pluralizable][:2]
    for m in emptied:
        m.string = ""
    catalogs.save_po(path, catalog)

    run = subprocess.run(flask("mt", "fill", "en"), env=_env(mt_config, argos_home, redis_unix.unix_url, "cli"),
                         cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "messages into en, jobs" in run.stdout and "fuzzy machine suggestions" in run.stdout
    filled = catalogs.load_po(path, "en")
    for m in emptied:
        assert filled[m.id].fuzzy and filled[m.id].string == m.id.replace("Stadt", "City")
    finished = FinishedJobRegistry("bulk", connection=mt_worker).get_job_ids()
    assert finished and all(jid.startswith("mt-en-") for jid in finished)


def test_a_pages_background_translation_runs_as_a_job(mt_config, redis_unix, mt_worker):
    app = create_app({**mt_config, "REDIS_URL": redis_unix.unix_url})
    service = app.extensions["mt"]
    service.engine.reload()
    try:
        client = app.test_client()
        first = client.get("/fr/werkstatt")
        assert first.status_code == 200
        assert service.wait(timeout=120)
        jobs = FinishedJobRegistry("interactive", connection=mt_worker).get_job_ids()
        assert jobs and all(jid.startswith("mt-fr-") for jid in jobs)
        assert service.cache.stats().get("fr")  # stored by the worker in the shared cache
        assert client.get("/fr/werkstatt").text != first.text  # the page now shows the machine translation
        assert service.translated_blocks == 0  # nothing was translated in the app's own process
    finally:
        service.shutdown()
