"""`flask content`: check the German source pages, and publish a change of them everywhere in one command."""
from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from ..content import Content, get_content
from . import audio as audio_cli
from . import i18n as i18n_cli

content_cli = AppGroup("content", help="The German source pages (CONTENT_DIR): check and publish.")

#: What a content file that cannot be read or parsed raises.
UNREADABLE = (OSError, UnicodeDecodeError, ValueError)


def _parsed() -> Content:
    """The content folder parsed afresh (nothing changes when a file is broken: ClickException)."""
    folder = Path(current_app.config["CONTENT_DIR"])
    try:
        return Content(folder, interval=float("inf"))
    except UNREADABLE as exc:
        raise click.ClickException(f"{folder}: {exc}. Nothing was published.") from None


@content_cli.command("check")
def check_command() -> None:
    """Parse every content file as the site does; exit 1 naming the file and line of the first problem."""
    content = _parsed()
    click.echo(f"{content.folder}: {len(content.pages)} pages, {len(content.notices)} notices: ok")


@content_cli.command("publish")
@click.option("--no-audio", is_flag=True, help="Leave the audio to the first listener of each page.")
@click.option("--audio-locale", "audio_locales", multiple=True,
              help="Build the audio of this locale only (repeatable; default: every locale served).")
@click.pass_context
def publish_command(ctx: click.Context, no_audio: bool, audio_locales: tuple[str, ...]) -> None:
    """Make a change of the content files live on every worker of every server, in one step.

    Checks every file (a broken one stops everything before any change); extracts the templates and updates every
    catalog (a changed German text keeps its translation, marked outdated); compiles them; tells every worker of
    every server to reload the pages at its next request (Redis when REDIS_URL is set); builds the audio that is
    not cached yet (on the RQ workers when there are some). Deploy the files to every server first.
    """
    content = _parsed()
    ctx.invoke(i18n_cli.extract_command, check=False, domain=None)
    ctx.invoke(i18n_cli.update_command, locale=None, domain=None)
    failed = None
    try:
        ctx.invoke(i18n_cli.compile_command, locale=None, domain=None)
    except click.ClickException as exc:  # the others are compiled and the pages go live; say so at the end
        failed = exc
    live = get_content()
    live.announce()
    live.reload()  # this process at once (a server's workers: at their next request)
    click.echo(f"content {content.token} published: {len(content.pages)} pages, {len(content.notices)} notices; "
               f"every worker reloads it at its next request")
    if not no_audio:
        ctx.invoke(audio_cli.build_command, locales=audio_locales, pages=(), jobs=None, verbose=False)
    if failed is not None:
        raise failed
