"""Shared fixtures: the real app on temporary copies of the catalogs, database and caches.

The suite stands alone: the developer's FLASK_* variables are removed when the session starts (a
FLASK_DATABASE_URL would otherwise be migrated and written to), and every app a test makes has a
temporary instance folder (never the checkout's instance/).
"""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from service import create_app
from service.catalogs import compile_po
from service.config import ROOT, SHIPPED_LOCALES

from .cluster.servers import Postgres
from .pg_support import fresh_database
from .site_support import FIXTURE_CONTENT, REAL_CONTENT, merge_fixture_translations

#: The instance folder of apps made outside a test's own (session fixtures); removed at the end.
_SESSION_INSTANCE = Path(tempfile.mkdtemp(prefix="herne-test-instance-"))


def pytest_configure(config: pytest.Config) -> None:
    """Before any test: forget the FLASK_* settings of the shell that runs the suite."""
    for name in [n for n in os.environ if n.startswith("FLASK_")]:
        del os.environ[name]
    os.environ["FLASK_INSTANCE_PATH"] = str(_SESSION_INSTANCE)


def pytest_unconfigure(config: pytest.Config) -> None:
    """Remove the session's instance folder."""
    shutil.rmtree(_SESSION_INSTANCE, ignore_errors=True)


@pytest.fixture(autouse=True)
def instance_folder(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh instance folder for every app the test makes (secret key, locks, voices, default database)."""
    folder = tmp_path_factory.mktemp("instance")
    monkeypatch.setenv("FLASK_INSTANCE_PATH", str(folder))
    return folder


def compile_all(directory: Path) -> None:
    """Compile every .po below a translations folder, as the set-up does."""
    for po in directory.glob("*/LC_MESSAGES/*.po"):
        compile_po(po)


@pytest.fixture(scope="session")
def translations_master(tmp_path_factory) -> Path:
    """A compiled copy of the shipped catalogs with the fixture pages' translations, made once per session."""
    target = tmp_path_factory.mktemp("translations-master") / "translations"
    shutil.copytree(ROOT / "translations", target, ignore=shutil.ignore_patterns("*.mo"))
    merge_fixture_translations(target, [loc for loc in SHIPPED_LOCALES if loc != "de"])
    compile_all(target)
    return target


@pytest.fixture
def translations_dir(translations_master, tmp_path) -> Path:
    """A private, compiled copy of the catalogs that a test may change."""
    target = tmp_path / "translations"
    shutil.copytree(translations_master, target)
    return target


def content_dir(request: pytest.FixtureRequest) -> Path:
    """The pages a test's app reads: the fixture set, or content/ for a test marked ``real_content``."""
    return REAL_CONTENT if request.node.get_closest_marker("real_content") else FIXTURE_CONTENT


@pytest.fixture
def app_config(request, tmp_path, translations_dir) -> dict:
    """The test configuration: every path of the app in a temporary folder, the fixture pages (tests/fixtures)."""
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "DATABASE": str(tmp_path / "service.sqlite"),
        "BABEL_TRANSLATION_DIRECTORIES": str(translations_dir),
        "AUDIO_CACHE_DIR": str(tmp_path / "audio_cache"),
        "CONTENT_DIR": str(content_dir(request)),
        # espeak-ng for every locale, whatever voices the machine has: the tests of the voices themselves
        # (test_tts_mbrola, test_tts_rhvoice, test_audio_voices, test_audio_sync) choose theirs.
        "TTS_BACKENDS": {"default": "espeak"},
        # A quarter of the production cost (0.1 s instead of 0.4 s a hash): tests sign in hundreds of
        # times. tests/security/test_passwords.py checks the default itself, and the rehash to it.
        "PASSWORD_HASH_METHOD": "scrypt:32768:8:1",
    }


@pytest.fixture
def app(app_config):
    """The real app, configured for tests."""
    return create_app(app_config)


@pytest.fixture
def client(app):
    """A test client of the real app."""
    return app.test_client()


@pytest.fixture
def runner(app):
    """A CLI runner of the real app."""
    return app.test_cli_runner()


@pytest.fixture(scope="session")
def locales() -> list[str]:
    """Every shipped locale."""
    return list(SHIPPED_LOCALES)


@pytest.fixture(scope="module")
def postgres_server():
    """A PostgreSQL cluster of the tests' own on a free loopback port, stopped (files deleted) after the module."""
    server = Postgres()
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, app_config: dict) -> dict:
    """The test configuration on the embedded SQLite file, and on a fresh PostgreSQL database (migrated at start)."""
    if request.param == "sqlite":
        return app_config
    server = request.getfixturevalue("postgres_server")
    return {**app_config, "DATABASE_URL": fresh_database(server), "DATABASE_AUTO_UPGRADE": True}
