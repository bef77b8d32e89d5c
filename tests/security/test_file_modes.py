"""Finding 11: the instance folder is 0700, the secret key, databases, MT cache and lock files 0600, from the start."""
from __future__ import annotations

import os
import stat

import pytest

from service import create_app
from service.mt.cache import TranslationCache

from ..workbench_support import login, make_user


def _mode(path) -> int:
    """The permission bits of a file or folder."""
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def instance(tmp_path, monkeypatch):
    """Apps whose instance folder is a fresh temporary one, created under a permissive umask (022)."""
    folder = tmp_path / "instance"
    monkeypatch.setenv("FLASK_INSTANCE_PATH", str(folder))  # what an operator sets for each server
    old = os.umask(0o022)
    yield folder
    os.umask(old)


def test_everything_is_private_from_the_start(instance, app_config, translations_dir):
    """A first start with defaults: no file or folder of the instance is readable by others at any moment."""
    config = {k: v for k, v in app_config.items() if k not in ("SECRET_KEY", "DATABASE")}
    app = create_app(config)
    make_user(app, "anna")
    client = app.test_client()
    assert login(client, "anna").status_code == 303
    assert _mode(instance) == 0o700
    assert _mode(instance / "secret_key") == 0o600
    for path in instance.rglob("*"):
        expected = 0o700 if path.is_dir() else 0o600
        assert _mode(path) == expected, (path.relative_to(instance), oct(_mode(path)))
    names = {p.name for p in instance.rglob("*")}
    assert {"secret_key", "service.sqlite", "locks"} <= names
    locks = app.extensions["locks"]
    with locks.hold("audio:de:0123"):  # a lock file exists only while its lock is held
        assert _mode(locks.path("audio:de:0123")) == 0o600


def test_a_loose_instance_folder_and_database_are_tightened(instance, app_config):
    """Folders and files from older versions (0755, 0644) are made private at the next start."""
    instance.mkdir(mode=0o755)
    database = instance / "service.sqlite"
    database.touch(mode=0o644)
    os.chmod(instance, 0o755)
    os.chmod(database, 0o644)
    create_app({**app_config, "DATABASE": str(database)})
    assert _mode(instance) == 0o700 and _mode(database) == 0o600


def test_the_mt_cache_is_private(instance, app_config):
    """The machine-translation cache beside the database (texts of the pages, but a file of the instance)."""
    TranslationCache(instance / "mt" / "mt_cache.sqlite")
    assert _mode(instance / "mt") == 0o700
    assert _mode(instance / "mt" / "mt_cache.sqlite") == 0o600
