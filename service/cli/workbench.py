"""`flask workbench`: the translators' daily digest from the command line (a systemd timer or cron runs it)."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from .. import mail, workbench
from ..clock import now

workbench_cli = AppGroup("workbench", help="The translators' workbench: the daily e-mail digest.")


@workbench_cli.command("digest")
@click.option("--dry-run", is_flag=True, help="Print who would get what; write and send nothing.")
def digest_command(dry_run: bool) -> None:
    """Queue today's digest for every translator with news (once a day, however often it runs), then send it."""
    if not dry_run and not mail.enabled(current_app.config):
        raise click.ClickException("e-mail is off: set MAIL_HOST (see docs/operate/city.md)")
    run = workbench.send_digest(current_app, dry_run=dry_run)
    if run.done_already:
        click.echo("the digest went out today already: nothing to do")
        return
    for locale in run.baseline:
        click.echo(f"{locale}: first run, the entries' state is noted (told from the next digest on)")
    for person, subject, text in run.mails:
        verb = "would send" if dry_run else "queued"
        click.echo(f"{verb}: {person.address} ({', '.join(person.locales)}): {subject}")
        if dry_run:
            click.echo(text)
    if not run.mails:
        click.echo("nothing new: no e-mail")
    if dry_run:
        return
    delivery = mail.deliver_due(current_app.extensions["db"], current_app.config, now())
    click.echo(f"sent {delivery.sent}, failed {delivery.failed}")
    if delivery.failed:
        raise click.ClickException(f"{delivery.failed} e-mail(s) failed and stay in the outbox for the next try")
