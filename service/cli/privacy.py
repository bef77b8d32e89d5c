"""`flask privacy`: delete personal data whose retention period has passed, and show the periods."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from .. import db, retention
from ..clock import now

privacy_cli = AppGroup("privacy", help="Retention of personal data (RETENTION in the configuration).")


@privacy_cli.command("purge")
@click.option("--dry-run", is_flag=True, help="Only count what is due.")
def purge_command(dry_run: bool) -> None:
    """Delete what is due: feedback, handled suggestions, rate-limit records, audit log, removed accounts, mail."""
    with db.connect(current_app) as conn:
        counts = retention.purge(conn, current_app.config, now(), dry_run=dry_run)
    verb = "due" if dry_run else "deleted"
    for kind in retention.KINDS:
        click.echo(f"{kind:12} {counts[kind]:>6} {verb}")


@privacy_cli.command("periods")
def periods_command() -> None:
    """The retention periods in force (what the privacy page states)."""
    for kind, days in current_app.config["RETENTION"].items():
        click.echo(f"{kind:12} {days} days")
    click.echo(f"{'rate_limits':12} {current_app.config['RATE_LIMIT_RETENTION']} seconds")
    with db.connect(current_app) as conn:
        click.echo(f"last automatic purge: {retention.last_purge(conn) or 'never'}")
