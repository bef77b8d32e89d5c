"""`flask mt`: fill a catalog with fuzzy machine suggestions, warm the cache, show the status."""
from __future__ import annotations

from typing import TYPE_CHECKING

import click
from flask import current_app
from flask.cli import AppGroup

from .. import catalogs, db
from ..content import get_content
from ..i18n import get_i18n
from ..jobs import get_jobs, translate_batches
from ..mt import EngineError, MTService, MTStatus
from ..workbench import catalog_audit

if TYPE_CHECKING:
    from click._termui_impl import ProgressBar

mt_cli = AppGroup("mt", help="Offline machine translation (argostranslate).")


def _service() -> MTService:
    """The app's MT service, or a click error when MT is off or has no engine."""
    service = current_app.extensions.get("mt")
    if service is None:
        raise click.ClickException("machine translation is switched off (MT_ENABLED)")
    return service


def _service_for(locale: str) -> MTService:
    """The MT service, or a click error saying why it cannot translate into a locale."""
    service = _service()
    if not service.can_translate(locale):
        reason = service.engine.unavailable_reason() or f"no model route {service.source}->{locale}"
        raise click.ClickException(f"cannot translate into {locale}: {reason}")
    return service


def _translate(service: MTService, texts: list[str], locale: str) -> dict:
    """Translate texts: on the RQ workers with a progress bar when there is a job queue, else here."""
    if texts and get_jobs() is not None:
        batch = int(current_app.config["MT_BATCH_SIZE"])
        batches = -(-len(texts) // batch)
        bar: ProgressBar[int]
        with click.progressbar(length=batches, label=f"{len(texts)} messages into {locale}, jobs",
                               show_pos=True) as bar:
            failed = translate_batches(texts, locale, batch, progress=bar.update)
        if failed:
            raise EngineError("; ".join(sorted(set(failed.values()))))
    return service.translate_now(texts, locale)  # every text is in the shared cache now: no engine call


@mt_cli.command("fill")
@click.argument("locale")
def fill_command(locale: str) -> None:
    """Write MT suggestions into LOCALE's messages.po as fuzzy entries (never over a human translation)."""
    service = _service_for(locale)
    path = catalogs.po_path(current_app.config["BABEL_TRANSLATION_DIRECTORIES"], locale)
    if not path.exists():
        raise click.ClickException(f"{path} does not exist: run `flask i18n init {locale}` first")
    conn, why = catalog_audit.audit_connection(lambda: db.connect(current_app))
    if conn is None:
        click.echo(f"audit log not written (no database: {why}); run `flask db upgrade` first", err=True)
    write = catalog_audit.writer(conn, locale, catalog_audit.actor("flask mt fill"), "mt-fill")
    try:
        filled, skipped = catalogs.fill_po(path, locale, lambda texts: _translate(service, texts, locale),
                                           service.engine.name, service.model(locale), current_app.extensions["locks"],
                                           writer=write)
    except EngineError as exc:
        raise click.ClickException(f"translation failed: {exc}") from None
    except catalogs.CatalogChanged as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        if conn is not None:
            conn.close()
    get_i18n().announce(locale)
    click.echo(f"{locale}: {filled} fuzzy machine suggestions written to {path}"
               + (f", {skipped} left empty (protected text lost)" if skipped else ""))


@mt_cli.command("warm")
@click.argument("locale")
def warm_command(locale: str) -> None:
    """Translate every content message into LOCALE now, so no visitor sees a pending page."""
    service = _service_for(locale)
    messages = get_content().all_messages()
    try:
        results = _translate(service, messages, locale)
    except EngineError as exc:
        raise click.ClickException(f"translation failed: {exc}") from None
    ok = sum(r.status == MTStatus.MACHINE for r in results.values())
    click.echo(f"{locale}: {ok} of {len(messages)} messages cached")


@mt_cli.command("status")
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
