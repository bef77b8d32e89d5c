"""Start the shipped front on loopback: nginx with deploy/'s rendered configuration before gunicorn app servers.

Used by tests/deploy/ and bench/bench_front.py. Every process started here is stopped by
``Front.stop()``; every port is a free one on 127.0.0.1; every path is below one temporary folder.
"""
from __future__ import annotations

import http.client
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from deploy.render import render_all
from service.config import ROOT

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
#: The internal location of X-Accel-Redirect answers, as in the shipped settings.
ACCEL_PREFIX = "/_audio/"
STARTUP_TIMEOUT = 60.0


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Reply:
    """One HTTP answer: status, headers (names in lower case; a repeated header's values joined by ", ") and body."""

    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        """The body as text."""
        return self.body.decode("utf-8", errors="replace")


def fetch(port: int, path: str, method: str = "GET", headers: dict | None = None, body: bytes | None = None,
          timeout: float = 15.0) -> Reply:
    """One request on a fresh connection to 127.0.0.1:port."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        data = response.read()
        headers: dict[str, str] = {}
        for name, value in response.getheaders():
            headers[name.lower()] = f"{headers[name.lower()]}, {value}" if name.lower() in headers else value
        return Reply(response.status, headers, data)
    finally:
        conn.close()


@dataclass
class AppServer:
    """One gunicorn app server with deploy/gunicorn.conf.py."""

    name: str
    port: int
    env: dict
    log: Path
    host: str
    workers: int | None = 2  # None: as deploy/gunicorn.conf.py says
    threads: int = 2
    process: subprocess.Popen | None = field(default=None, repr=False)

    def start(self) -> None:
        """Start gunicorn in its own process group and wait until it answers /ping."""
        sizes = ["--workers", str(self.workers), "--threads", str(self.threads)] if self.workers else []
        command = [sys.executable, "-m", "gunicorn", "--config", str(ROOT / "deploy" / "gunicorn.conf.py"),
                   "--bind", f"127.0.0.1:{self.port}", *sizes, "--forwarded-allow-ips", "127.0.0.1", "wsgi:app"]
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                            start_new_session=True)
        wait_for(lambda: fetch(self.port, "/ping", headers={"Host": self.host}, timeout=2).status == 200,
                 f"app server {self.name}", self)

    def kill9(self) -> None:
        """SIGKILL the whole server at once (master and workers), as a crash would."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        """Stop gracefully; kill what is left after 15 s."""
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def alive(self) -> bool:
        """Whether the master process still runs."""
        return self.process is not None and self.process.poll() is None

    def log_tail(self, chars: int = 3000) -> str:
        """The end of the server's log, for failure messages."""
        return self.log.read_text(errors="replace")[-chars:] if self.log.exists() else "(no log)"


def wait_for(check, what: str, server=None, timeout: float = STARTUP_TIMEOUT) -> None:
    """Poll ``check()`` until it is true, failing with the log when the process died or time is up."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server is not None and server.process is not None and server.process.poll() is not None:
            raise RuntimeError(f"{what} exited with {server.process.returncode}:\n{server.log_tail()}")
        try:
            if check():
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{what} did not come up within {timeout:.0f} s:\n{server.log_tail() if server else ''}")


@dataclass
class Front:
    """nginx on a free loopback port before several app servers that share catalogs, database and audio."""

    tmp: Path
    port: int
    public_url: str
    host: str
    conf: Path
    translations: Path
    audio_dir: Path
    cache_dir: Path
    static_dir: Path
    servers: list[AppServer]
    process: subprocess.Popen | None = field(default=None, repr=False)

    def get(self, path: str, **kwargs) -> Reply:
        """A request to nginx (Host: the public host unless given)."""
        headers = {"Host": self.host, **(kwargs.pop("headers", None) or {})}
        return fetch(self.port, path, headers=headers, **kwargs)

    def url(self, path: str = "/") -> str:
        """A URL of nginx on loopback."""
        return f"http://127.0.0.1:{self.port}{path}"

    def flask(self, *args: str, server: int = 0) -> subprocess.CompletedProcess:
        """Run a `flask --app wsgi` command with an app server's configuration."""
        return subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=ROOT,
                              env=self.servers[server].env, capture_output=True, text=True, timeout=120)

    def error_log(self) -> str:
        """nginx's error log."""
        path = self.tmp / "nginx" / "log" / "error.log"
        return path.read_text(errors="replace")[-4000:] if path.exists() else "(no log)"

    def start_nginx(self) -> None:
        """Check the configuration, then run nginx in the foreground of a child process."""
        prefix = str(self.tmp / "nginx")
        check = subprocess.run([NGINX, "-t", "-q", "-p", prefix, "-e", "stderr", "-c", str(self.conf)],
                               capture_output=True, text=True, timeout=30)
        if check.returncode != 0:
            raise RuntimeError(f"nginx -t failed:\n{check.stderr}")
        self.process = subprocess.Popen([NGINX, "-p", prefix, "-e", "stderr", "-c", str(self.conf),
                                         "-g", "daemon off;"], stdout=subprocess.DEVNULL,
                                        stderr=open(self.tmp / "nginx" / "log" / "stderr.log", "ab"))
        wait_for(lambda: self.get("/ping", timeout=2).status == 200, "nginx", None)

    def stop(self) -> None:
        """Stop nginx and every app server."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        for server in self.servers:
            server.stop()


def app_env(tmp: Path, translations: Path, audio_dir: Path, public_url: str) -> dict:
    """The environment of every app server: shared database, catalogs, audio and locks in ``tmp``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "GUNICORN_"))}
    host = public_url.split("://", 1)[1]
    env.update({
        "FLASK_SECRET_KEY": "deploy-test-secret",
        "FLASK_DATABASE": str(tmp / "service.sqlite"),
        "FLASK_INSTANCE_PATH": str(tmp / "instance"),
        "FLASK_LOCK_DIR": str(tmp / "locks"),
        "FLASK_BABEL_TRANSLATION_DIRECTORIES": str(translations),
        "FLASK_AUDIO_CACHE_DIR": str(audio_dir),
        "FLASK_CONTENT_DIR": str(ROOT / "content"),
        "FLASK_AUDIO_X_ACCEL_PREFIX": ACCEL_PREFIX,
        # Where start_front has `flask error-pages` write nginx's error pages (herne-app.service sets the same).
        "FLASK_ERROR_PAGES_DIR": str(tmp / "error-pages"),
        # The configured public address: absolute URLs come from here, never from a request's Host.
        "FLASK_BASE_URL": public_url,
        "FLASK_SERVER_NAME": host,
        # One proxy (nginx) in front: its X-Forwarded-For names the client (rate limits), nobody else's counts.
        "FLASK_PROXY_FIX": "1",
        "PYTHONUNBUFFERED": "1",
    })
    return env


def start_front(tmp: Path, translations_master: Path, servers: int = 2, workers: int | None = 2, threads: int = 2,
                static_dir: Path | None = None, render: dict[str, str] | None = None) -> Front:
    """Render deploy/ for loopback (with the ``render`` settings on top), start ``servers`` app servers and nginx
    before them; stop all on failure."""
    port = free_port()
    public_url = f"http://herne.test:{port}"
    translations = tmp / "translations"
    shutil.copytree(translations_master, translations)
    audio_dir = tmp / "audio_cache"
    nginx_dir = tmp / "nginx"
    for sub in ("log", "temp", "cache", "run", "etc"):
        (nginx_dir / sub).mkdir(parents=True, exist_ok=True)
    audio_dir.mkdir(parents=True, exist_ok=True)
    ports = [free_port() for _ in range(servers)]
    settings = {
        "PUBLIC_URL": public_url,
        "PUBLIC_SERVER": "http",
        "APP_SERVERS": ",".join(f"127.0.0.1:{p}" for p in ports),
        "LISTEN_HTTP": f"127.0.0.1:{port}",
        # Only the test rendering runs nginx's workers as root: the temporary folders are private to root.
        "NGINX_USER": "root" if os.geteuid() == 0 else "nobody",
        "CONF_DIR": str(nginx_dir / "etc" / "nginx" / "herne"),
        "SITE_CONF": str(nginx_dir / "etc" / "nginx" / "sites-available" / "herne.conf"),
        "CACHE_DIR": str(nginx_dir / "cache"),
        "CACHE_MAX_SIZE": "256m",
        "LOG_DIR": str(nginx_dir / "log"),
        "TEMP_DIR": str(nginx_dir / "temp"),
        "PID_FILE": str(nginx_dir / "run" / "nginx.pid"),
        "AUDIO_X_ACCEL_PREFIX": ACCEL_PREFIX,
        "AUDIO_DIR": str(audio_dir),
        "STATIC_DIR": str(static_dir or ROOT / "service" / "static"),
        "ERROR_PAGES_DIR": str(tmp / "error-pages"),
        "APP_DIR": str(ROOT),
        "DATA_DIR": str(tmp),
        "INSTANCE_DIR": str(tmp / "instance"),
        **(render or {}),
    }
    written = render_all(nginx_dir / "etc", settings)
    env = app_env(tmp, translations, audio_dir, public_url)
    front = Front(tmp=tmp, port=port, public_url=public_url, host=public_url.split("://", 1)[1],
                  conf=written["nginx/nginx.conf"], translations=translations, audio_dir=audio_dir,
                  cache_dir=nginx_dir / "cache", static_dir=Path(settings["STATIC_DIR"]),
                  servers=[AppServer(chr(ord("a") + i), p, env, tmp / f"app-{chr(ord('a') + i)}.log",
                                     public_url.split("://", 1)[1], workers, threads) for i, p in enumerate(ports)])
    try:
        # The database is made once, before two servers start on it at the same time.
        migrate = front.flask("db", "upgrade")
        if migrate.returncode != 0:
            raise RuntimeError(f"flask db upgrade failed:\n{migrate.stdout}{migrate.stderr}")
        pages = front.flask("error-pages")  # as herne-app.service does at each start (FLASK_ERROR_PAGES_DIR)
        if pages.returncode != 0:
            raise RuntimeError(f"flask error-pages failed:\n{pages.stdout}{pages.stderr}")
        for server in front.servers:
            server.start()
        front.start_nginx()
    except BaseException:
        front.stop()
        raise
    return front
