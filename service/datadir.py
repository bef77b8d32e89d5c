"""The shared data folder of several app servers (DATA_DIR): seeded once, atomically, from the checkout.

On first start the live catalogs are copied from the repository's ``translations/`` into a
temporary folder inside DATA_DIR, compiled where a ``.mo`` is missing, and renamed into place:
every server sees no catalogs or complete ones. The first server to take the ``data:seed`` lock
does it; the others find the folder there. The secret key that signs sessions lives here too,
so a session started on one server is valid on every other.
"""
from __future__ import annotations

import logging
import os
import secrets
import shutil
from pathlib import Path

from . import catalogs
from .core.files import atomic_write
from .core.locks import Locks

log = logging.getLogger(__name__)

#: Seconds a starting server waits for another one that seeds the folder.
SEED_TIMEOUT = 300.0


def seed_catalogs(source: Path, target: Path, locks: Locks) -> bool:
    """Copy ``source`` to ``target`` once (compiled, renamed into place); True when this call did it."""
    if target.exists():
        return False
    with locks.hold("data:seed", timeout=SEED_TIMEOUT):
        if target.exists():
            return False
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.parent / f".{target.name}.{secrets.token_hex(6)}.tmp"
        try:
            shutil.copytree(source, tmp)
            for po in sorted(tmp.glob("*/LC_MESSAGES/*.po")):
                if not po.with_suffix(".mo").exists():
                    try:
                        catalogs.compile_po(po)
                    except catalogs.CatalogError as exc:  # served from the .po until a translator fixes it
                        log.error("seeding: %s not compiled: %s", po, exc)
            os.rename(tmp, target)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    log.warning("seeded %s from %s", target, source)
    return True


def shared_secret(data_dir: Path, locks: Locks) -> str:
    """The secret key of every server, created on first start in DATA_DIR (0600)."""
    path = data_dir / "secret_key"
    if not path.exists():
        with locks.hold("data:secret", timeout=SEED_TIMEOUT):
            if not path.exists():
                atomic_write(path, secrets.token_hex(32).encode(), mode=0o600)
    return path.read_text().strip()
