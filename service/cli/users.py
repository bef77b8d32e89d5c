"""`flask users`: add, remove, passwd, access and list workbench accounts."""
from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import Connection

from .. import db
from ..workbench import auth


def _target_locales() -> list[str]:
    """Locales that translators can hold."""
    source = current_app.config["SOURCE_LOCALE"]
    return [loc for loc in current_app.config["SHIPPED_LOCALES"] if loc != source]


def _password(from_stdin: bool) -> str:
    """Read a password from stdin (one line) or ask twice without echo."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


@contextmanager
def _accounts() -> Iterator[Connection]:
    """The accounts database for one command; an account error becomes a clear CLI error."""
    conn = db.connect(current_app)
    try:
        yield conn
    except auth.AccountError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        conn.close()


@click.group("users", cls=AppGroup)
def users_cli() -> None:
    """Workbench accounts (translators and admins)."""


@users_cli.command("add")
@click.argument("username")
@click.option("--role", type=click.Choice(auth.ROLES), default="translator", show_default=True)
@click.option("--locales", default="", help="Comma-separated locales the user may write, e.g. en,tr.")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of stdin.")
def add_command(username: str, role: str, locales: str, password_stdin: bool) -> None:
    """Create an account."""
    with _accounts() as conn:
        user = auth.add_user(conn, username, _password(password_stdin), role,
                             auth.parse_locales(locales, _target_locales()))
    click.echo(f"added {user.username} ({user.role}; locales: {','.join(user.locales) or '-'})")


@users_cli.command("remove")
@click.argument("username")
def remove_command(username: str) -> None:
    """Delete an account (its sessions end at once)."""
    with _accounts() as conn:
        if not auth.remove_user(conn, username):
            raise click.ClickException(f"no user {username!r}")
    click.echo(f"removed {username}")


@users_cli.command("passwd")
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of stdin.")
def passwd_command(username: str, password_stdin: bool) -> None:
    """Set a new password (the user's sessions end)."""
    with _accounts() as conn:
        if not auth.set_password(conn, username, _password(password_stdin)):
            raise click.ClickException(f"no user {username!r}")
    click.echo(f"password of {username} changed")


@users_cli.command("access")
@click.argument("username")
@click.option("--role", type=click.Choice(auth.ROLES), default=None)
@click.option("--locales", default=None, help="Comma-separated locales; an empty string removes all.")
def access_command(username: str, role: str | None, locales: str | None) -> None:
    """Change an account's role or locales."""
    with _accounts() as conn:
        parsed = None if locales is None else auth.parse_locales(locales, _target_locales())
        if not auth.set_access(conn, username, role, parsed):
            raise click.ClickException(f"no user {username!r}")
    click.echo(f"access of {username} changed")


@users_cli.command("list")
def list_command() -> None:
    """Every account with role and locales."""
    with _accounts() as conn:
        for user in auth.list_users(conn):
            click.echo(f"{user.username:24} {user.role:11} {','.join(user.locales) or '-'}")
