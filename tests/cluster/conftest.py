"""The cluster: PostgreSQL, Redis, three gunicorn app servers (own instance folders, one DATA_DIR), two RQ workers."""
from __future__ import annotations

import json
import os
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from flask import Flask

from service import create_app, db
from service.workbench import auth

from .servers import Postgres, Process, Redis, flask, gunicorn, worker

PASSWORD = "correct horse battery"
ADMIN = "anna"
#: Every synthesis waits this long (s), so a page's job lasts long enough to be killed in the middle.
SYNTH_DELAY = 1.0
BACKEND = "tests.cluster.recording:RecordingEspeak"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test in this folder carries the ``cluster`` marker (``-m "not cluster"`` leaves them out)."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.cluster)


@pytest.fixture(scope="session")
def cluster_root() -> Path:
    """A folder for the cluster's files (instance folders, data volume, logs)."""
    with tempfile.TemporaryDirectory(prefix="herne-cluster-") as root:
        yield Path(root)


@pytest.fixture(scope="session")
def redis_server(cluster_root: Path) -> Redis:
    """A redis-server of our own on a loopback port."""
    server = Redis(cluster_root / "redis")
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def postgres() -> Postgres:
    """A PostgreSQL cluster of our own (initdb as the postgres user) on a loopback port."""
    server = Postgres()
    try:
        server.start()
        yield server
    finally:
        server.stop()


@dataclass
class Cluster:
    """The running cluster and how to reach each part of it."""

    root: Path
    pg: Postgres
    redis: Redis
    servers: dict[str, Process] = field(default_factory=dict)
    workers: list[Process] = field(default_factory=list)

    @property
    def data(self) -> Path:
        """The shared data volume."""
        return self.root / "data"

    @property
    def record(self) -> Path:
        """One line per synthesis, from every process of the cluster."""
        return self.root / "syntheses.log"

    def settings(self) -> dict:
        """The settings every server and worker shares."""
        return {
            "DATABASE_URL": self.pg.url,
            "REDIS_URL": self.redis.url,
            "DATA_DIR": str(self.data),
            "TTS_BACKENDS": {"default": BACKEND},
            "TTS_BACKEND_OPTIONS": {BACKEND: {"record": str(self.record), "delay": SYNTH_DELAY}},
            "MT_ENABLED": False,
            "LOCK_TTL": 4.0,
            "AUDIO_JOB_WAIT": 120.0,
        }

    def env(self, name: str) -> dict[str, str]:
        """The environment of one server (or worker, or CLI run) named ``name``: its own instance folder."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("FLASK_")}
        env.update({f"FLASK_{k}": v if isinstance(v, str) else json.dumps(v) for k, v in self.settings().items()})
        env["FLASK_INSTANCE_PATH"] = str(self.root / name / "instance")
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(Path(__file__).parents[2]), env.get("PYTHONPATH")]))
        return env

    def app(self) -> Flask:
        """The app with the cluster's settings, in this process (for direct database checks)."""
        return create_app({**self.settings(), "TESTING": True})

    def flask(self, name: str, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
        """Run a `flask` command with the configuration of server ``name``."""
        return subprocess.run(flask(*args), env=self.env(name), capture_output=True, text=True, timeout=timeout,
                              cwd=Path(__file__).parents[2])

    def url(self, name: str, path: str) -> str:
        """A URL on one app server."""
        return f"{self.servers[name].base}{path}"


@pytest.fixture(scope="session")
def cluster(cluster_root: Path, postgres: Postgres, redis_server: Redis) -> Cluster:
    """Migrations run twice at once (both must succeed), then three app servers and two workers."""
    c = Cluster(cluster_root, postgres, redis_server)
    for name in ("a", "b", "c", "w1", "w2", "cli"):
        (cluster_root / name / "instance").mkdir(parents=True)
    with ThreadPoolExecutor(2) as pool:
        upgrades = list(pool.map(lambda name: c.flask(name, "db", "upgrade"), ["a", "b"]))
    for run in upgrades:
        assert run.returncode == 0, run.stderr
    current = c.flask("cli", "db", "current")
    assert "(head)" in current.stdout, current.stdout + current.stderr
    c.servers = {name: gunicorn(name, c.env(name), cluster_root / f"{name}.log") for name in ("a", "b", "c")}
    c.workers = [worker(name, c.env(name), cluster_root / f"{name}.log") for name in ("w1", "w2")]
    try:
        with ThreadPoolExecutor(5) as pool:
            list(pool.map(lambda p: p.start(), [*c.servers.values(), *c.workers]))
        app = c.app()
        with db.connect(app) as conn:
            auth.add_user(conn, ADMIN, PASSWORD, "admin", ())
        yield c
    finally:
        for process in [*c.servers.values(), *c.workers]:
            process.stop()
