"""The shipped front on loopback for tests/deploy/: nginx (Debian's) before two gunicorn app servers."""
from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest

from .front import NGINX, Front, start_front


@pytest.fixture(scope="session")
def front(tmp_path_factory, translations_master) -> Iterator[Front]:
    """nginx with deploy/'s configuration before app servers a and b, sharing catalogs, database and audio.

    Each app server runs one worker with one thread: the ten slow clients of the buffering test would
    hold every app thread if nginx passed a request on before it is complete (with more threads per
    server, gunicorn's uneven spread of connections over workers can leave one free by chance).
    """
    if not shutil.which(NGINX):
        pytest.fail("nginx is not installed: scripts/setup.sh --test installs Debian's nginx")
    front = start_front(tmp_path_factory.mktemp("front"), translations_master, workers=1, threads=1)
    try:
        yield front
    finally:
        front.stop()
