"""The service's database: an engine per app (DATABASE_URL, else the SQLite file DATABASE), a connection per request.

Tables are in ``schema``, versioned by the Alembic scripts in ``migrations`` (``flask db upgrade``);
the embedded SQLite database is also brought to head when the app starts.
"""
from __future__ import annotations

from flask import Flask, current_app, g
from sqlalchemy import Connection, Engine
from sqlalchemy.pool import NullPool

from ..core.locks import Locks
from . import migrate
from .engine import database_url, inserted_id, make_engine, transaction

__all__ = ["connect", "get_db", "get_engine", "init_app", "inserted_id", "transaction"]


def get_engine() -> Engine:
    """The current app's engine."""
    return current_app.extensions["db"]


def get_db() -> Connection:
    """This request's connection, opened on first use and closed at teardown."""
    if "db" not in g:
        g.db = get_engine().connect()
    return g.db


def close_db(exc: BaseException | None = None) -> None:
    """Close this request's connection (rolling back whatever it left open) if one was opened."""
    conn = g.pop("db", None)
    if conn is not None:
        conn.close()


def connect(app_or_url: Flask | str) -> Connection:
    """A connection outside a request (CLI, tests): the app's engine, or its own for a URL or SQLite path."""
    if isinstance(app_or_url, Flask):
        return app_or_url.extensions["db"].connect()
    url = app_or_url if "://" in app_or_url else f"sqlite:///{app_or_url}"
    return make_engine(url, poolclass=NullPool).connect()


def auto_upgrade(app: Flask, engine: Engine) -> bool:
    """Whether the app migrates at start: DATABASE_AUTO_UPGRADE, by default only for the embedded SQLite."""
    setting = app.config.get("DATABASE_AUTO_UPGRADE")
    return engine.dialect.name == "sqlite" if setting is None else bool(setting)


def init_app(app: Flask, locks: Locks) -> Engine:
    """Create the app's engine and the request teardown; bring the embedded database to head (under ``locks``)."""
    engine = make_engine(database_url(app.config))
    app.extensions["db"] = engine
    app.teardown_appcontext(close_db)
    if auto_upgrade(app, engine):
        # Workers starting together: the first migrates, the others find the database at head.
        with locks.hold("db:migrate"):
            migrate.upgrade(engine)
        engine.dispose()  # no pooled connection for a forked worker to inherit
    return engine
