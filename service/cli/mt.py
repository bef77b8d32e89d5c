"""`flask mt`: fill a catalog with fuzzy machine suggestions, warm the cache, show the status."""
from __future__ import annotations

from pathlib import Path

import click
from babel.messages.catalog import Catalog
from flask import current_app
from flask.cli import with_appcontext

from .. import catalogs
from ..mt.base import EngineError


@click.group("mt")
def mt_cli() -> None:
    """Offline machine translation (argostranslate)."""


def _service():
    """The app's MT service, or a click error when MT is off or has no engine."""
    service = current_app.extensions.get("mt")
    if service is None:
        raise click.ClickException("machine translation is switched off (MT_ENABLED)")
    return service


def _service_for(locale: str):
    """The MT service, or a click error saying why it cannot translate into a locale."""
    service = _service()
    if not service.can_translate(locale):
        reason = service.engine.unavailable_reason() or f"no model route {service.source}->{locale}"
        raise click.ClickException(f"cannot translate into {locale}: {reason}")
    return service


def machine_comment(engine: str, model: str) -> str:
    """The translator comment that marks a suggestion (catalogs.is_machine recognizes it)."""
    return f"{catalogs.MACHINE_COMMENT_PREFIX} by {engine} ({model}), not reviewed"


def fill_catalog(catalog: Catalog, service, locale: str) -> tuple[int, int]:
    """Put MT suggestions as fuzzy entries into empty or machine entries; return (filled, skipped)."""
    candidates = []
    for message in catalog:
        if not message.id or message.pluralizable or message.context:
            continue
        state = catalogs.status(message)
        if state == "missing" or (state == "machine" and catalogs.is_machine(message)):
            candidates.append(message)
    if not candidates:
        return 0, 0
    results = service.translate_now([m.id for m in candidates], locale)
    model = service.model(locale)
    filled = skipped = 0
    for message in candidates:
        result = results.get(message.id)
        if result is None or result.status != "machine":
            skipped += 1  # a protected span was lost: leave the entry for a person
            continue
        message.string = result.text
        message.flags.add("fuzzy")
        message.user_comments = [c for c in message.user_comments if not c.startswith(catalogs.MACHINE_COMMENT_PREFIX)]
        message.user_comments.append(machine_comment(service.engine.name, result.model or model))
        filled += 1
    return filled, skipped


def fill_po(path: Path, service, locale: str, attempts: int = 3) -> tuple[int, int]:
    """Fill one .po file and write it atomically, unless someone changed it meanwhile (then retry)."""
    for _ in range(attempts):
        before = path.read_bytes()
        catalog = catalogs.parse_po(before, locale=locale)
        filled, skipped = fill_catalog(catalog, service, locale)
        if not filled:
            return filled, skipped
        with catalogs.catalog_lock(path):  # the same lock as every other writer of the catalog
            if path.read_bytes() != before:
                continue  # a translator saved while we translated: never overwrite their work
            catalogs.save_po(path, catalog)
        return filled, skipped
    raise click.ClickException(f"{path} kept changing; try again")


@mt_cli.command("fill")
@click.argument("locale")
@with_appcontext
def fill_command(locale: str) -> None:
    """Write MT suggestions into LOCALE's messages.po as fuzzy entries (never over a human translation)."""
    service = _service_for(locale)
    path = catalogs.po_path(current_app.config["BABEL_TRANSLATION_DIRECTORIES"], locale)
    if not path.exists():
        raise click.ClickException(f"{path} does not exist: run `flask i18n init {locale}` first")
    try:
        filled, skipped = fill_po(path, service, locale)
    except EngineError as exc:
        raise click.ClickException(f"translation failed: {exc}") from None
    click.echo(f"{locale}: {filled} fuzzy machine suggestions written to {path}"
               + (f", {skipped} left empty (protected text lost)" if skipped else ""))


@mt_cli.command("warm")
@click.argument("locale")
@with_appcontext
def warm_command(locale: str) -> None:
    """Translate every content message into LOCALE now, so no visitor sees a pending page."""
    from ..content import get_content

    service = _service_for(locale)
    messages = get_content().all_messages()
    try:
        results = service.translate_now(messages, locale)
    except EngineError as exc:
        raise click.ClickException(f"translation failed: {exc}") from None
    ok = sum(r.status == "machine" for r in results.values())
    click.echo(f"{locale}: {ok} of {len(messages)} messages cached")


@mt_cli.command("status")
@with_appcontext
def status_command() -> None:
    """Show the engine, its models, the reachable locales and the cache."""
    service = current_app.extensions.get("mt")
    if service is None:
        click.echo("machine translation: off (MT_ENABLED is false)")
        return
    engine = service.engine
    reason = engine.unavailable_reason()
    click.echo(f"engine: {engine.name} ({'unavailable: ' + reason if reason else 'available'})")
    if hasattr(engine, "packages_dir"):
        click.echo(f"packages: {engine.packages_dir}")
    for source, target in engine.pairs():
        click.echo(f"  model {source}->{target}: {engine.version(source, target)}")
    locales = service.locales()
    click.echo(f"locales from {service.source}: {', '.join(locales) if locales else 'none'}")
    for locale in locales:
        failure = service.failure(locale)
        click.echo(f"  {locale}: {service.model(locale)}" + (f" FAILING: {failure}" if failure else ""))
    click.echo(f"cache: {service.cache.path} (rebuilt {service.cache.rebuilds}x)")
    for locale, counts in sorted(service.cache.stats().items()):
        click.echo(f"  {locale}: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    click.echo(f"pending: {service.pending()}")
