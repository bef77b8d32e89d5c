"""`flask feedback`: the accessibility inbox on the command line: list, show, export, purge, retry e-mail."""
from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from .. import db, inbox, mail, retention
from ..clock import now
from ..core.files import atomic_write

feedback_cli = AppGroup("feedback", help="Accessibility feedback: the inbox, its export and its e-mail.")


def _one_line(text: str, width: int) -> str:
    """Text on one line, cut to a width."""
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


@feedback_cli.command("list")
@click.option("--state", type=click.Choice(inbox.STATES), default="open", show_default=True)
@click.option("--locale", default=None, help="Only messages sent from pages in this locale.")
@click.option("--search", "text", default=None, help="Only messages whose text, name, e-mail or note has this.")
def list_command(state: str, locale: str | None, text: str | None) -> None:
    """Messages, newest first: number, received, state, locale, page, name, the start of the text."""
    with db.connect(current_app) as conn:
        rows = inbox.search(conn, state, locale, text)
    for row in rows:
        click.echo(f"{row.id:>5}  {row.created}  {row.state:8} {row.locale:3} {row.page[:20]:20} "
                   f"{_one_line(row.name or '-', 20):20}  {_one_line(row.message, 60)}")
    click.echo(f"{len(rows)} message(s)")


@feedback_cli.command("show")
@click.argument("feedback_id", type=int)
def show_command(feedback_id: int) -> None:
    """One message with every field and its handling note."""
    with db.connect(current_app) as conn:
        row = inbox.get(conn, feedback_id)
    if row is None:
        raise click.ClickException(f"no feedback {feedback_id}")
    for field in inbox.CSV_FIELDS:
        if field not in ("message", "note"):
            click.echo(f"{field + ':':12}{getattr(row, field) or '-'}")
    click.echo(f"\nmessage:\n{row.message}")
    if row.note:
        click.echo(f"\nnote:\n{row.note}")


@feedback_cli.command("export")
@click.option("--state", type=click.Choice(inbox.STATES), default="all", show_default=True)
@click.option("--locale", default=None)
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the CSV to this file (private, 0600) instead of standard output.")
def export_command(state: str, locale: str | None, output: Path | None) -> None:
    """Messages as CSV (UTF-8, one header row, formula-safe cells)."""
    with db.connect(current_app) as conn:
        rows = inbox.search(conn, state, locale)
    data = inbox.to_csv(rows)
    if output is None:
        click.echo(data, nl=False)
        return
    atomic_write(output, data.encode("utf-8"), mode=0o600)
    click.echo(f"{len(rows)} message(s) written to {output}", err=True)


@feedback_cli.command("purge")
@click.option("--id", "ids", type=int, multiple=True, help="Erase these messages now (a request for erasure).")
@click.option("--dry-run", is_flag=True, help="Only count what would be deleted.")
def purge_command(ids: tuple[int, ...], dry_run: bool) -> None:
    """Delete feedback whose retention period has passed (or, with --id, the given messages at once)."""
    with db.connect(current_app) as conn:
        if ids:
            missing = [i for i in ids if inbox.get(conn, i) is None]
            if missing:
                raise click.ClickException(f"no feedback {', '.join(map(str, missing))}: nothing deleted")
            target = list(ids)
        else:
            target = retention.due_feedback(conn, retention.cutoffs(current_app.config, now())["feedback"])
        deleted = len(target) if dry_run else inbox.erase(conn, target)
    click.echo(f"feedback: {deleted} message(s) {'due' if dry_run else 'deleted'}")


@feedback_cli.command("retry")
def retry_command() -> None:
    """Send every e-mail notification not delivered yet, now (after the mail server was down or misconfigured)."""
    if not mail.enabled(current_app.config):
        raise click.ClickException("e-mail is off: set MAIL_HOST (see README)")
    with db.connect(current_app) as conn:
        mail.retry_now(conn, now())
    delivery = mail.deliver_due(current_app.extensions["db"], current_app.config, now())
    with db.connect(current_app) as conn:
        counts = mail.counts(conn)
    click.echo(f"sent {delivery.sent}, failed {delivery.failed}; waiting in the outbox: {counts['waiting']}")
    if delivery.failed:
        raise click.ClickException(f"{delivery.failed} e-mail(s) failed and stay in the outbox for the next try")
