"""`flask check`: is this server configured to go live? The configuration, and the operator's settings."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from .. import operator_settings


@click.command("check")
@with_appcontext
def check_command() -> None:
    """Check the configuration and the operator settings; exit 1 when something is still to be set."""
    # A wrong setting never gets here: the app refuses to start and names it (config.validate, wsgi.py).
    click.echo("configuration: valid")
    warning = operator_settings.warning(current_app.config)
    if warning:
        click.echo(f"warning: {warning}", err=True)
        raise SystemExit(1)
    click.echo("operator settings: all set")
