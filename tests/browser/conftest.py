"""Browser-test fixtures: the real service under gunicorn on 127.0.0.1, and the system Chromium."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from service.config import ROOT

#: Debian's Chromium; Playwright's own browser download cannot work on this network.
CHROMIUM = os.environ.get("BROWSER_TEST_CHROMIUM", "/usr/bin/chromium")
#: Root needs --no-sandbox; the rest keep Chromium from calling home (the network is closed).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
#: Screenshots and other artifacts a person looks at after the run (git-ignored).
ARTIFACTS = ROOT / "test-artifacts"
STARTUP_TIMEOUT = 60.0


@dataclass
class LiveService:
    """The service running in a gunicorn subprocess, with the environment it was started with."""

    url: str
    env: dict
    log: Path
    tmp: Path
    process: subprocess.Popen | None = field(default=None, repr=False)

    @property
    def origin(self) -> str:
        """Scheme, host and port: what every request of a page must go to."""
        return self.url.rstrip("/")

    def flask(self, *args: str, input: str | None = None) -> subprocess.CompletedProcess:
        """Run a `flask --app wsgi` command against the same configuration as the service."""
        return subprocess.run(
            [sys.executable, "-m", "flask", "--app", "wsgi", *args],
            cwd=ROOT,
            env=self.env,
            input=input,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    def get(self, path: str) -> bytes:
        """Fetch a path of the service outside the browser."""
        with urllib.request.urlopen(self.origin + path, timeout=30) as response:
            return response.read()

    def sitemap_urls(self) -> list[str]:
        """Every page in every locale, as the sitemap lists them."""
        root = ET.fromstring(self.get("/sitemap.xml"))
        ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
        return [loc.text.strip() for loc in root.findall("s:url/s:loc", ns)]

    def log_tail(self, chars: int = 4000) -> str:
        """The end of the service's log, for failure messages."""
        try:
            return self.log.read_text(errors="replace")[-chars:]
        except FileNotFoundError:
            return "(no log)"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def service_env(tmp: Path, translations: Path) -> dict:
    """The environment of the service: every path it writes to in a temporary folder."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLASK_")}
    (tmp / "audio_cache").mkdir(parents=True, exist_ok=True)
    env.update(
        {
            "FLASK_SECRET_KEY": "browser-test-secret",
            "FLASK_DATABASE": str(tmp / "service.sqlite"),
            "FLASK_INSTANCE_PATH": str(tmp / "instance"),
            "FLASK_BABEL_TRANSLATION_DIRECTORIES": str(translations),
            "FLASK_AUDIO_CACHE_DIR": str(tmp / "audio_cache"),
            "FLASK_CONTENT_DIR": str(ROOT / "content"),
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


#: A page whose entries are put into every state a reader may meet (machine, outdated, missing).
DEGRADED_LOCALE = "ro"
DEGRADED_SOURCE = "content/talentschulen.md"
DEGRADED_SLUG = "talentschulen"


def mark_states(translations: Path, locale: str, source: str) -> None:
    """Turn some entries of one page into machine, outdated and missing ones."""
    from service.catalogs import MACHINE_COMMENT_PREFIX, compile_po, load_po, po_path, save_po

    path = po_path(translations, locale)
    catalog = load_po(path, locale)
    entries = [m for m in catalog if m.id and any(loc == source for loc, _ in m.locations)]
    entries = [m for m in entries if isinstance(m.id, str) and m.string and len(m.id) > 20]
    assert len(entries) >= 4, f"too few entries of {source} in {path}"
    # The shortest is the outdated one: a long "#| msgid" is wrapped so that it is not read back.
    entries.sort(key=lambda m: len(m.id))
    entries = entries[1:3] + entries[:1] + entries[3:]
    for message in entries[:2]:
        message.flags.add("fuzzy")
        message.auto_comments.append(f"{MACHINE_COMMENT_PREFIX} (browser tests)")
    entries[2].flags.add("fuzzy")
    entries[2].previous_id = [entries[2].id.replace(" ", "  ", 1)]
    entries[3].string = ""
    save_po(path, catalog)
    compile_po(path)


def wait_until_up(service: LiveService) -> None:
    """Poll the sitemap until the service answers, failing loudly if it died or hangs."""
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if service.process is not None and service.process.poll() is not None:
            pytest.fail(
                f"the service exited with {service.process.returncode}:\n{service.log_tail()}"
            )
        try:
            service.get("/sitemap.xml")
            return
        except (urllib.error.URLError, ConnectionError, OSError):
            time.sleep(0.2)
    pytest.fail(f"the service did not answer within {STARTUP_TIMEOUT:.0f} s:\n{service.log_tail()}")


@pytest.fixture(scope="session")
def live_service(tmp_path_factory, translations_master) -> Iterator[LiveService]:
    """The real service under gunicorn on a free port of 127.0.0.1, for the whole session."""
    tmp = tmp_path_factory.mktemp("browser-service")
    # A private copy: the workbench may write catalogs, the shared master must stay as shipped.
    translations = tmp / "translations"
    shutil.copytree(translations_master, translations)
    mark_states(translations, DEGRADED_LOCALE, DEGRADED_SOURCE)
    env = service_env(tmp, translations)
    port = free_port()
    log = tmp / "gunicorn.log"
    env["FLASK_BASE_URL"] = f"http://127.0.0.1:{port}"  # the sitemap's absolute URLs come from BASE_URL
    service = LiveService(url=f"http://127.0.0.1:{port}/", env=env, log=log, tmp=tmp)
    with open(log, "wb") as log_file:
        service.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "2",
                "--worker-class",
                "gthread",
                "--threads",
                "4",
                "--timeout",
                "120",
                "--graceful-timeout",
                "5",
                "wsgi:app",
            ],
            cwd=ROOT,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_until_up(service)
        yield service
    finally:
        service.process.terminate()
        try:
            service.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            service.process.kill()
            service.process.wait()


@pytest.fixture(scope="session")
def degraded_url(live_service) -> str:
    """The page with machine, outdated and missing entries (see mark_states)."""
    return f"{live_service.origin}/{DEGRADED_LOCALE}/{DEGRADED_SLUG}"


@pytest.fixture(scope="session")
def browser(tmp_path_factory) -> Iterator:
    """Headless Debian Chromium under Playwright; a missing browser fails the run, never skips."""
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"Chromium not found at {CHROMIUM}: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        # Playwright gives each launch a new, empty profile of its own.
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def context(browser, live_service) -> Iterator:
    """A fresh browser profile (no cookies, no storage) pointed at the live service."""
    # bypass_csp: the service's CSP would also block the tests' own probes (wait_for_function evaluates
    # strings); tests/browser/test_csp.py drives pages with the CSP in force.
    ctx = browser.new_context(base_url=live_service.origin, viewport={"width": 1280, "height": 900},
                              bypass_csp=True)
    ctx.set_default_timeout(15_000)
    try:
        yield ctx
    finally:
        ctx.close()


@pytest.fixture
def page(context) -> Iterator:
    """A page in a fresh browser profile."""
    yield context.new_page()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """The folder for screenshots (git-ignored), created on demand."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
