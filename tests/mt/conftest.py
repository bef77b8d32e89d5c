"""Fixtures for machine translation: tiny real Argos packages, an offline argostranslate, no network."""
from __future__ import annotations

import os
import shutil
import socket
from pathlib import Path

import pytest

from service.mt.argos import ArgosEngine
from tests import tiny_argos


def _refuse(*args, **kwargs):
    """Stand-in for socket connect: MT must never reach the network."""
    raise OSError("network access attempted during an MT test")


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """Block every outgoing IP connection (unix sockets stay allowed)."""
    real_connect = socket.socket.connect

    def connect(self, address):
        if self.family in (socket.AF_INET, socket.AF_INET6):
            _refuse()
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", lambda self, address: _refuse())
    monkeypatch.setattr(socket, "create_connection", _refuse)
    monkeypatch.setattr(socket, "getaddrinfo", _refuse)


@pytest.fixture(scope="session")
def argos_home(tmp_path_factory) -> Path:
    """Import argostranslate once with HOME and XDG folders in a temporary place, as production does."""
    home = tmp_path_factory.mktemp("argos-home")
    packages = home / "packages-empty"
    packages.mkdir()
    keys = ["HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_CONFIG_HOME", "ARGOS_PACKAGES_DIR"]
    saved = {k: os.environ.get(k) for k in keys}
    os.environ.update({
        "HOME": str(home),
        "XDG_DATA_HOME": str(home / "data"),
        "XDG_CACHE_HOME": str(home / "cache"),
        "XDG_CONFIG_HOME": str(home / "config"),
    })
    try:
        ArgosEngine(packages)._import()  # sets ARGOS_CHUNK_TYPE and ARGOS_PACKAGES_DIR, then imports
    finally:
        for key, value in saved.items():  # other suites (browsers) need the real HOME back
            if key == "ARGOS_PACKAGES_DIR":
                continue
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    return home


@pytest.fixture(scope="session")
def argos_models(tmp_path_factory) -> dict[str, Path]:
    """Build the tiny .argosmodel files once: de->en (Stadt->City, Schule->School), en->fr (City->Ville)."""
    work = tmp_path_factory.mktemp("argos-build")
    sp = tiny_argos.train_sentencepiece(work / "sp")
    return {
        "de_en": tiny_argos.build_package(work, "de", "en", {"Stadt": "City", "Schule": "School"}, sp_model=sp),
        "en_fr": tiny_argos.build_package(work, "en", "fr", {"City": "Ville"}, sp_model=sp),
        "de_en_v2": tiny_argos.build_package(work / "v2", "de", "en", {"Stadt": "City"}, version="0.2", sp_model=sp),
    }


def install(argos_home: Path, target: Path, *models: Path) -> Path:
    """Install packages into a package folder with argostranslate's own installer."""
    from argostranslate import package, settings

    target.mkdir(parents=True, exist_ok=True)
    saved = settings.package_data_dir
    settings.package_data_dir = target
    try:
        for model in models:
            package.install_from_path(model)
    finally:
        settings.package_data_dir = saved
    return target


@pytest.fixture(scope="session")
def packages_dir(argos_home, argos_models, tmp_path_factory) -> Path:
    """A package folder with de->en and en->fr installed (fr reachable only through English)."""
    return install(argos_home, tmp_path_factory.mktemp("argos-packages"), argos_models["de_en"], argos_models["en_fr"])


@pytest.fixture
def private_packages(argos_home, argos_models, tmp_path) -> Path:
    """A package folder a test may break."""
    return install(argos_home, tmp_path / "packages", argos_models["de_en"], argos_models["en_fr"])


@pytest.fixture
def engine(packages_dir) -> ArgosEngine:
    """The real argos engine on the tiny packages."""
    eng = ArgosEngine(packages_dir)
    eng.reload()
    return eng


@pytest.fixture
def mt_config(app_config, packages_dir, tmp_path) -> dict:
    """App configuration with MT on the tiny packages and a private cache."""
    return {
        **app_config,
        "MT_PACKAGES_DIR": str(packages_dir),
        "MT_CACHE_PATH": str(tmp_path / "mt" / "cache.sqlite"),
        "MT_RETRY_AFTER": 300.0,
    }


@pytest.fixture
def mt_app(mt_config):
    """The real app with MT."""
    from service import create_app

    app = create_app(mt_config)
    app.extensions["mt"].engine.reload()
    yield app
    app.extensions["mt"].shutdown()


@pytest.fixture
def mt_client(mt_app):
    """A test client of the app with MT."""
    return mt_app.test_client()


def copy_tree(src: Path, dst: Path) -> Path:
    """Copy a folder (helper for tests that damage packages)."""
    shutil.copytree(src, dst)
    return dst
