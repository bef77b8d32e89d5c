"""Alembic's environment: the app's connection (or a URL) and the service's MetaData as the target."""
from __future__ import annotations

import os

from alembic import context
from sqlalchemy import Connection

from service.db.engine import make_engine
from service.db.schema import metadata

config = context.config


def _url() -> str:
    """The database of a run without the app: ``sqlalchemy.url`` of the config, else FLASK_DATABASE_URL."""
    url = config.get_main_option("sqlalchemy.url") or os.environ.get("FLASK_DATABASE_URL")
    if not url:
        raise RuntimeError("no database: run `flask db upgrade`, or set sqlalchemy.url or FLASK_DATABASE_URL")
    return url


def _configure(conn: Connection) -> None:
    """Compare defaults too; on SQLite, later ALTERs are written as batch (copy-and-move) operations."""
    context.configure(connection=conn, target_metadata=metadata, compare_server_default=True,
                      render_as_batch=conn.dialect.name == "sqlite")


def run_offline() -> None:
    """Write the SQL of the migrations instead of running it (`--sql`)."""
    context.configure(url=_url(), target_metadata=metadata, literal_binds=True,
                      dialect_opts={"paramstyle": "named"})
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    """Run the migrations on the connection the app passed in (inside its transaction), or on the URL."""
    conn = config.attributes.get("connection")
    if conn is not None:
        _configure(conn)
        with context.begin_transaction():  # joins the caller's transaction
            context.run_migrations()
        return
    engine = make_engine(_url())
    try:
        with engine.connect() as conn:
            _configure(conn)
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
