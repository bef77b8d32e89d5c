"""Alembic through its Python API: the revision of a database, and an upgrade to head in one transaction."""
from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine

from . import legacy
from .engine import transaction

log = logging.getLogger(__name__)

#: The migration scripts, shipped inside the package (no alembic.ini at run time).
MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(conn: Connection | None = None) -> Config:
    """An Alembic configuration for the shipped scripts; env.py runs on ``conn`` when given."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS).replace("%", "%%"))
    if conn is not None:
        cfg.attributes["connection"] = conn
    return cfg


@lru_cache(maxsize=1)
def head() -> str:
    """The newest revision of the shipped scripts."""
    newest = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if newest is None:
        raise RuntimeError(f"no migration scripts in {MIGRATIONS}")
    return newest


def current(conn: Connection) -> str | None:
    """The revision a database is at (None: no Alembic table, so empty or from before Alembic)."""
    return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine) -> tuple[str | None, str]:
    """Bring a database to head; return its revisions before and after.

    Everything happens in one transaction (SQLite and PostgreSQL both roll DDL back), so an upgrade
    is all or nothing. A database from before Alembic is first completed with its own statements and
    stamped at 0001, so its tables and rows are kept and only later revisions run.
    """
    with engine.connect() as conn:
        with transaction(conn, lock="db:migrate"):
            before = current(conn)
            if before == head():
                return before, before
            cfg = alembic_config(conn)
            if before is None and legacy.found(conn):
                log.warning("database from before Alembic: keeping its tables, stamped at %s", legacy.REVISION)
                legacy.complete(conn)
                command.stamp(cfg, legacy.REVISION)
            command.upgrade(cfg, "head")
            after = current(conn)
            if after is None:  # Alembic wrote no revision: never leave the database half-way
                raise RuntimeError("the upgrade recorded no revision")
    log.info("database upgraded from %s to %s", before or "nothing", after)
    return before, after
