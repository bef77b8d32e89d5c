"""Real servers on loopback for the cluster tests: PostgreSQL, Redis, gunicorn app servers, RQ workers.

Each is started by the tests themselves (PostgreSQL from ``initdb`` in a temporary folder, run as the
``postgres`` user since CI runs as root), on a free port of 127.0.0.1, in its own process group so
that ``kill()`` ends it with every child, and is stopped by the fixture that started it.
"""
from __future__ import annotations

import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

from service.config import ROOT

#: Seconds a server may take to start.
START_TIMEOUT = 60.0


def free_port() -> int:
    """A TCP port nobody listens on at 127.0.0.1 now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port: int, timeout: float = START_TIMEOUT, proc: subprocess.Popen | None = None) -> None:
    """Wait until something accepts connections on 127.0.0.1:port."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process {proc.args[:3]} exited with {proc.returncode}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listens on port {port} after {timeout} s")


def descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (RQ's work horse runs in a session of its own, outside our group)."""
    children: dict[int, list[int]] = {}
    for stat in glob.glob("/proc/[0-9]*/stat"):
        try:
            fields = Path(stat).read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(Path(stat).parent.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def kill_group(proc: subprocess.Popen, sig: int = signal.SIGKILL) -> None:
    """Send a signal to a process started with start_new_session, to its group and to every descendant."""
    if proc.poll() is None:
        below = descendants(proc.pid)
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            pass
        for pid in below:
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


def pg_bin(name: str) -> str:
    """A PostgreSQL server program from Debian's versioned folder."""
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not found:
        raise FileNotFoundError(f"{name}: install Debian's postgresql (bash scripts/setup.sh --test)")
    return found[-1]


class Postgres:
    """A throw-away PostgreSQL cluster owned by the postgres user, on a loopback port."""

    def __init__(self) -> None:
        """Make a folder the postgres user may use (pytest's own tmp folders are private to root)."""
        self.root = Path(tempfile.mkdtemp(prefix="herne-pg-"))
        os.chmod(self.root, 0o755)
        self.data = self.root / "data"
        self.port = free_port()
        self.proc: subprocess.Popen | None = None

    def _as_postgres(self, *args: str) -> list[str]:
        """A command run as the postgres user when we are root (PostgreSQL refuses to run as root)."""
        return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else list(args)

    def start(self) -> None:
        """initdb (once), then run the server in the foreground of its own process group."""
        if not self.data.exists():
            self.data.mkdir()
            if os.geteuid() == 0:
                shutil.chown(self.data, "postgres", "postgres")
            subprocess.run(self._as_postgres(pg_bin("initdb"), "-D", str(self.data), "-U", "herne", "--auth=trust",
                                             "-E", "UTF8", "--locale=C"), check=True, capture_output=True)
        self.proc = subprocess.Popen(
            self._as_postgres(pg_bin("postgres"), "-D", str(self.data), "-p", str(self.port), "-h", "127.0.0.1",
                              "-k", str(self.data), "-c", "fsync=off", "-c", "max_connections=200"),
            stdout=subprocess.DEVNULL, stderr=open(self.root / "postgres.log", "ab"), start_new_session=True)
        wait_port(self.port, proc=self.proc)
        deadline = time.monotonic() + START_TIMEOUT
        while subprocess.run(self._as_postgres(pg_bin("pg_ctl"), "status", "-D", str(self.data)),
                             capture_output=True).returncode != 0 or not self._accepts():
            if time.monotonic() > deadline:
                raise TimeoutError("PostgreSQL did not start")
            time.sleep(0.1)
        subprocess.run(["psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "herne", "-d", "postgres", "-c",
                        "CREATE DATABASE herne"], capture_output=True)

    def _accepts(self) -> bool:
        """Whether the server answers a query."""
        return subprocess.run(["psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "herne", "-d", "postgres",
                               "-c", "SELECT 1"], capture_output=True).returncode == 0

    @property
    def url(self) -> str:
        """The SQLAlchemy URL of the test database."""
        return f"postgresql+psycopg://herne@127.0.0.1:{self.port}/herne"

    def stop(self) -> None:
        """Stop the server (fast shutdown) and delete its files."""
        if self.proc is not None:
            kill_group(self.proc, signal.SIGINT)
        shutil.rmtree(self.root, ignore_errors=True)


class Redis:
    """A redis-server on a loopback port with its own configuration and an append-only file."""

    def __init__(self, folder: Path) -> None:
        """Keep its data in ``folder``."""
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        """Run redis-server (again, on the same port and data)."""
        self.proc = subprocess.Popen(
            [shutil.which("redis-server") or "/usr/bin/redis-server", "--port", str(self.port),
             "--bind", "127.0.0.1", "--unixsocket", str(self.socket), "--unixsocketperm", "700",
             "--dir", str(self.folder), "--appendonly", "yes", "--save", "",
             "--daemonize", "no", "--protected-mode", "yes"],
            stdout=open(self.folder / "redis.log", "ab"), stderr=subprocess.STDOUT, start_new_session=True)
        try:
            self._wait_ready()
        except BaseException:
            self.stop()  # never leave a server behind that a failed start launched
            raise

    def _wait_ready(self) -> None:
        """Wait until the server accepts connections on its Unix socket."""
        deadline = time.monotonic() + START_TIMEOUT
        while True:  # through the Unix socket: some tests forbid IP connections in this process
            if self.proc.poll() is not None:
                raise RuntimeError(f"redis-server exited with {self.proc.returncode}")
            with socket.socket(socket.AF_UNIX) as s:
                try:
                    s.connect(str(self.socket))
                    return
                except OSError:
                    pass
            if time.monotonic() > deadline:
                raise TimeoutError("redis-server did not start")
            time.sleep(0.05)

    def stop(self) -> None:
        """Stop it (SIGTERM: the append-only file is flushed)."""
        if self.proc is not None:
            kill_group(self.proc, signal.SIGTERM)

    @property
    def url(self) -> str:
        """The URL the service is given."""
        return f"redis://127.0.0.1:{self.port}/0"

    @property
    def socket(self) -> Path:
        """Its Unix socket (for tests that forbid IP connections)."""
        return self.folder / "redis.sock"

    @property
    def unix_url(self) -> str:
        """The URL of the Unix socket."""
        return f"unix://{self.socket}?db=0"


class Process:
    """A gunicorn app server or a `flask worker`, in its own process group, with its log in a file."""

    def __init__(self, name: str, args: list[str], env: dict[str, str], log: Path, port: int | None = None):
        """Remember how to start it."""
        self.name, self.args, self.env, self.log, self.port = name, args, env, log, port
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        """Start it from the project folder (so ``wsgi`` and ``tests`` are importable) and wait until ready."""
        self.proc = subprocess.Popen(self.args, cwd=ROOT, env=self.env, stdout=open(self.log, "ab"),
                                     stderr=subprocess.STDOUT, start_new_session=True)
        try:
            self._wait_ready()
        except BaseException:
            self.kill()
            raise

    def _wait_ready(self) -> None:
        """Wait until an app server answers (a worker is ready once started)."""
        if self.port is not None:
            wait_port(self.port, proc=self.proc)
            deadline = time.monotonic() + START_TIMEOUT
            while True:  # the port opens before the workers have loaded the app
                try:
                    if requests.get(f"{self.base}/healthz", timeout=5).status_code < 500:
                        return
                except requests.RequestException:
                    pass
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{self.name} does not answer")
                time.sleep(0.1)

    def kill(self) -> None:
        """kill -9 the process and all its children."""
        if self.proc is not None:
            kill_group(self.proc, signal.SIGKILL)

    def stop(self) -> None:
        """End it gracefully (SIGTERM), or by force after a while."""
        if self.proc is not None:
            kill_group(self.proc, signal.SIGTERM)

    @property
    def base(self) -> str:
        """The server's base URL."""
        return f"http://127.0.0.1:{self.port}"


def gunicorn(name: str, env: dict[str, str], log: Path, workers: int = 2) -> Process:
    """An app server: gunicorn with the service's usual start command on a free loopback port."""
    port = free_port()
    args = [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--threads", "4",
            "--bind", f"127.0.0.1:{port}", "--graceful-timeout", "5", "wsgi:app"]
    return Process(name, args, env, log, port)


def flask(*args: str) -> list[str]:
    """The command line of a `flask` command of the service."""
    return [sys.executable, "-m", "flask", "--app", "wsgi", *args]


def worker(name: str, env: dict[str, str], log: Path) -> Process:
    """An RQ worker: `flask worker`."""
    return Process(name, flask("worker", "--name", name), env, log)
