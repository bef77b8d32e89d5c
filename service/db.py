"""The embedded SQLite database: one connection per request, schema applied at start."""
from __future__ import annotations

import sqlite3
from pathlib import Path

import click
from flask import Flask, current_app, g


FEEDBACK_SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY,
    created TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    locale TEXT NOT NULL,
    page TEXT NOT NULL,
    name TEXT NOT NULL,
    email TEXT NOT NULL,
    message TEXT NOT NULL
);
"""


def connect(path: str) -> sqlite3.Connection:
    """Open the database with the settings every caller needs."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, timeout=30, detect_types=sqlite3.PARSE_DECLTYPES)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA foreign_keys=ON")
    return conn


def get_db() -> sqlite3.Connection:
    """Return this request's connection, opening it on first use."""
    if "db" not in g:
        g.db = connect(current_app.config["DATABASE"])
    return g.db


def close_db(exc: BaseException | None = None) -> None:
    """Close this request's connection if one was opened."""
    db = g.pop("db", None)
    if db is not None:
        db.close()


def ensure_schema(app: Flask, sql: str) -> None:
    """Apply idempotent CREATE statements of a subsystem; called from its ``init_app``."""
    app.extensions.setdefault("db_schemas", [])
    if sql not in app.extensions["db_schemas"]:
        app.extensions["db_schemas"].append(sql)
    conn = connect(app.config["DATABASE"])
    try:
        conn.executescript(sql)
        conn.commit()
    finally:
        conn.close()


def init_db(app: Flask) -> None:
    """Create every table that the subsystems registered."""
    for sql in list(app.extensions.get("db_schemas", [])):
        ensure_schema(app, sql)


@click.command("init-db")
def init_db_command() -> None:
    """Create the database tables."""
    init_db(current_app)
    click.echo(f"Initialized {current_app.config['DATABASE']}")


def init_app(app: Flask) -> None:
    """Register teardown and CLI; apply the feedback schema at start."""
    app.teardown_appcontext(close_db)
    app.cli.add_command(init_db_command)
    ensure_schema(app, FEEDBACK_SCHEMA)
