"""Engines and write transactions: SQLAlchemy for the configured URL, with SQLite's settings and its write lock."""
from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, CursorResult, Engine, create_engine, event, exc, func, select
from sqlalchemy.engine import URL, make_url

from ..core.files import private_file

log = logging.getLogger(__name__)

#: SQLite waits this long (ms) for another process's write lock before giving up.
BUSY_TIMEOUT_MS = 30_000
# Keys in Connection.info (the pooled DBAPI connection's dict) that transaction() shares with the begin hook.
_OPEN = "service.db.transaction"
_IMMEDIATE = "service.db.begin_immediate"


def database_url(config: Mapping[str, Any]) -> str:
    """DATABASE_URL when set (PostgreSQL, say), else the embedded SQLite file DATABASE."""
    return config.get("DATABASE_URL") or f"sqlite:///{config['DATABASE']}"


def _private_file(path: Path) -> None:
    """Create the database file 0600 in a 0700 folder; tighten a file that others could read."""
    private_file(path)  # it holds password hashes and e-mail addresses


def _sqlite_events(engine: Engine) -> None:
    """Settings of every SQLite connection, and BEGIN emitted by SQLAlchemy instead of the driver."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, record: Any) -> None:
        """WAL, durable enough, foreign keys, a busy timeout; the driver leaves transactions to us."""
        # The sqlite3 driver's own BEGIN skips SELECTs and cannot be IMMEDIATE: SQLAlchemy's recipe.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in (f"busy_timeout={BUSY_TIMEOUT_MS}", "journal_mode=WAL", "synchronous=NORMAL",
                       "foreign_keys=ON"):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        """Reads begin DEFERRED; transaction() begins IMMEDIATE, taking the write lock at once."""
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.info.get(_IMMEDIATE) else "BEGIN")


def _fork_guard(engine: Engine) -> None:
    """Never hand a pooled connection to a forked process (gunicorn --preload, multiprocessing)."""

    @event.listens_for(engine, "connect")
    def _remember_pid(dbapi_connection: Any, record: Any) -> None:
        """Note the process that opened the connection."""
        record.info["pid"] = os.getpid()

    @event.listens_for(engine, "checkout")
    def _same_process(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        """Drop a connection inherited from the parent; the pool opens a fresh one."""
        if record.info.get("pid") != os.getpid():
            record.dbapi_connection = proxy.dbapi_connection = None
            raise exc.DisconnectionError("connection opened by another process")


def make_engine(url: str | URL, **kwargs: Any) -> Engine:
    """An engine for a URL; for a SQLite file, a private file and the settings of _sqlite_events."""
    url = make_url(url)
    sqlite = url.get_backend_name() == "sqlite"
    if sqlite and url.database and url.database != ":memory:" and not url.database.startswith("file:"):
        _private_file(Path(url.database))
    engine = create_engine(url, **kwargs)
    _fork_guard(engine)
    if sqlite:
        _sqlite_events(engine)
    return engine


def _lock_key(name: str) -> int:
    """A signed 64-bit number for a lock name (PostgreSQL advisory locks are numbered)."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


def _take(conn: Connection, lock: str | None) -> None:
    """Hold the named lock until the transaction ends (PostgreSQL; SQLite holds its one write lock already)."""
    if lock is None or conn.dialect.name == "sqlite":
        return
    if conn.dialect.name != "postgresql":
        raise NotImplementedError(f"no transaction lock for {conn.dialect.name}")
    conn.execute(select(func.pg_advisory_xact_lock(_lock_key(lock))))


@contextmanager
def transaction(conn: Connection, lock: str | None = None) -> Iterator[Connection]:
    """Run a block of writes in one transaction, committed at the end (or rolled back on an exception).

    On SQLite the transaction begins IMMEDIATE: it takes the database's single write lock before its
    first statement, so read-then-write work cannot interleave with another writer and never fails
    half-way for a lock. On PostgreSQL, ``lock`` names an advisory lock held until commit, which
    serializes the same kind of work for one key (rows themselves are locked as they are written).
    Inside another ``transaction()`` on the same connection the block joins the outer one.
    A read the connection began on its own (SQLAlchemy's autobegin) is committed first: every
    write runs in here, so it holds nothing but a snapshot.
    """
    if conn.info.get(_OPEN):
        _take(conn, lock)
        yield conn
        return
    if conn.in_transaction():
        conn.commit()
    conn.info[_OPEN] = True
    conn.info[_IMMEDIATE] = True
    try:
        with conn.begin():
            conn.info.pop(_IMMEDIATE, None)
            _take(conn, lock)
            yield conn
    finally:
        conn.info.pop(_IMMEDIATE, None)
        conn.info.pop(_OPEN, None)


def inserted_id(result: CursorResult[Any]) -> int:
    """The primary key of the row a single-row INSERT added."""
    key = result.inserted_primary_key
    if key is None:  # only for an INSERT of several rows, or none
        raise ValueError("not a single-row INSERT")
    return int(key[0])
