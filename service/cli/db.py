"""`flask db`: bring the database to the newest schema (Alembic), or show the revision it is at."""
from __future__ import annotations

import click
from alembic.util import CommandError
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy.exc import SQLAlchemyError

from ..core.locks import LockTimeout
from ..db import migrate

#: Seconds to wait for another process that is migrating.
LOCK_TIMEOUT = 300.0


def _where() -> str:
    """The database in messages, without a password."""
    return current_app.extensions["db"].url.render_as_string(hide_password=True)


@click.group("db", cls=AppGroup)
def db_cli() -> None:
    """The database schema (Alembic migrations)."""


@db_cli.command("upgrade")
def upgrade_command() -> None:
    """Create the tables, or upgrade them to the newest revision; a database from before Alembic is adopted."""
    try:
        with current_app.extensions["locks"].hold("db:migrate", timeout=LOCK_TIMEOUT):
            before, after = migrate.upgrade(current_app.extensions["db"])
    except LockTimeout:
        raise click.ClickException("another process is migrating the database; try again later") from None
    except (CommandError, SQLAlchemyError) as exc:
        raise click.ClickException(f"upgrade of {_where()} failed: {exc}") from None
    if before == after:
        click.echo(f"{_where()}: already at {after} (head)")
    else:
        click.echo(f"{_where()}: upgraded from {before or 'nothing'} to {after} (head)")


@db_cli.command("current")
def current_command() -> None:
    """Show the revision the database is at, and whether it is the newest."""
    try:
        with current_app.extensions["db"].connect() as conn:
            revision = migrate.current(conn)
    except SQLAlchemyError as exc:
        raise click.ClickException(f"cannot read {_where()}: {exc}") from None
    head = migrate.head()
    if revision == head:
        click.echo(f"{revision} (head)")
    else:
        click.echo(f"{revision or 'none'} (head is {head}: run `flask db upgrade`)")
