"""`flask i18n`: extract, init, update, compile, stats and check: thin commands over the catalogs package."""
from __future__ import annotations

import math
from pathlib import Path

import click
from babel import Locale, UnknownLocaleError
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from .. import catalogs, db
from ..catalogs import TranslationStatus
from ..catalogs.extract import build_template, message_keys, pot_bytes
from ..core.files import atomic_write
from ..core.locks import Locks
from ..db.schema import wb_pending
from ..i18n import get_i18n
from ..workbench import catalog_audit
from ..workbench.entries import Status

DOMAINS = ("messages", "speech", "lexicon")

i18n_cli = AppGroup("i18n", help="Catalog workflow (gettext, through Babel).")


def _translations_dir() -> Path:
    """The top-level translations folder of the running app."""
    return Path(current_app.config["BABEL_TRANSLATION_DIRECTORIES"])


def _locks() -> Locks:
    """The app's locks: the same the workbench takes before it writes a catalog."""
    return current_app.extensions["locks"]


def template_path(domain: str) -> Path:
    """The committed .pot of a domain."""
    return _translations_dir() / f"{domain}.pot"


def _locales(locale: str | None, include_source: bool = False) -> list[str]:
    """The locales a command acts on (the source locale has catalogs only for speech)."""
    if locale:
        return [locale]
    source = current_app.config["SOURCE_LOCALE"]
    return [loc for loc in current_app.config["SHIPPED_LOCALES"] if include_source or loc != source]


def _domains(domain: str | None) -> list[str]:
    """The domains a command acts on."""
    return [domain] if domain else list(current_app.extensions["i18n"].domains)


@i18n_cli.command("extract")
@click.option("--check", is_flag=True, help="Fail if the committed template is out of date.")
@click.option("--domain", type=click.Choice(DOMAINS), default=None)
def extract_command(check: bool, domain: str | None) -> None:
    """Extract messages from content, code and templates into translations/<domain>.pot."""
    stale = []
    for dom in _domains(domain):
        fresh = build_template(dom, content_dir=Path(current_app.config["CONTENT_DIR"]))
        path = template_path(dom)
        if not check:
            atomic_write(path, pot_bytes(fresh))
            click.echo(f"{path}: {len(fresh)} messages")
            continue
        try:
            committed = catalogs.load_po(path)
        except (FileNotFoundError, catalogs.CatalogError):
            stale.append(f"{path.name} is missing or broken")
            continue
        added = message_keys(fresh) - message_keys(committed)
        removed = message_keys(committed) - message_keys(fresh)
        if added or removed:
            stale.append(f"{path.name} is stale: {len(added)} new, {len(removed)} removed message(s)")
    if stale:
        for line in stale:
            click.echo(line, err=True)
        raise click.ClickException("run 'flask i18n extract' and commit the result")
    if check:
        click.echo("templates are up to date")


@i18n_cli.command("init")
@click.argument("locale")
@click.option("--domain", type=click.Choice(DOMAINS), default="messages")
def init_command(locale: str, domain: str) -> None:
    """Start a new locale's catalog from the template."""
    try:
        Locale.parse(locale)
    except (ValueError, UnknownLocaleError):
        raise click.UsageError(f"unknown locale {locale!r}") from None
    path = catalogs.po_path(_translations_dir(), locale, domain)
    if path.exists():
        raise click.UsageError(f"{path} exists already: use 'flask i18n update'")
    catalogs.save_po(path, catalogs.new_catalog(catalogs.load_po(template_path(domain)), locale, domain))
    click.echo(f"created {path}")


@i18n_cli.command("update")
@click.option("--locale", default=None)
@click.option("--domain", type=click.Choice(DOMAINS), default=None)
def update_command(locale: str | None, domain: str | None) -> None:
    """Merge the templates into every locale's catalog (changed messages become outdated, not lost); the changed
    entries of the messages catalogs go into the workbench's audit log under "flask i18n update (<user>)"."""
    conn, why = catalog_audit.audit_connection(lambda: db.connect(current_app))
    if conn is None:
        click.echo(f"audit log not written (no database: {why}); run `flask db upgrade` first", err=True)
    who = catalog_audit.actor("flask i18n update")
    try:
        for dom in _domains(domain):
            template = catalogs.load_po(template_path(dom))
            for loc in _locales(locale, include_source=True):
                path = catalogs.po_path(_translations_dir(), loc, dom)
                if path.exists():
                    audited: list[int] = []
                    write = catalog_audit.writer(conn, loc, who, "update", audited) if dom == "messages" else None
                    # A term is not a sentence: a similar one's pronunciation would be a wrong guess.
                    catalogs.update_po(path, template, loc, _locks(), dom, fuzzy=dom != "lexicon", writer=write)
                    get_i18n().announce(loc)  # several servers: each reloads it
                    counted = f" ({audited[0]} audited change(s))" if audited and audited[0] else ""
                    click.echo(f"updated {path}{counted}")
    finally:
        if conn is not None:
            conn.close()


@i18n_cli.command("compile")
@click.option("--locale", default=None)
@click.option("--domain", type=click.Choice(DOMAINS), default=None)
def compile_command(locale: str | None, domain: str | None) -> None:
    """Check and compile catalogs; a catalog with problems keeps its previous .mo."""
    failed = 0
    for dom in _domains(domain):
        for loc in _locales(locale, include_source=True):
            path = catalogs.po_path(_translations_dir(), loc, dom)
            if not path.exists():
                continue
            try:
                catalogs.compile_po(path)
            except catalogs.CheckFailed as exc:
                for finding in exc.findings:
                    click.echo(f"{path}: {finding.msgid[:60]!r}: {catalogs.describe(finding)}", err=True)
                failed += 1
                continue
            except catalogs.CatalogError as exc:
                click.echo(f"{path}: {exc}", err=True)
                failed += 1
                continue
            get_i18n().announce(loc)
            click.echo(f"compiled {path.with_suffix('.mo')}")
    if failed:
        raise click.ClickException(f"{failed} catalog(s) NOT compiled; their previous .mo stays")


@i18n_cli.command("stats")
@click.option("--domain", type=click.Choice(DOMAINS), default="messages")
def stats_command(domain: str) -> None:
    """Per locale: reviewed, waiting for review, machine, outdated and missing entries; "done" counts reviewed only.

    An entry with a translator's text waiting for review counts as "review", not as reviewed; "100%" is
    printed only when every entry is reviewed and current.
    """
    template = catalogs.load_po(template_path(domain))
    total = len([m for m in template if m.id])
    waiting = _waiting_for_review() if domain == "messages" else set()
    click.echo(f"{'locale':8}{'human':>8}{'review':>8}{'machine':>9}{'outdated':>10}{'missing':>9}{'done':>7}")
    for loc in _locales(None):
        path = catalogs.po_path(_translations_dir(), loc, domain)
        if not path.exists():
            continue
        catalog = catalogs.load_po(path, loc)
        c = dict.fromkeys(Status, 0)
        for message in catalog:
            if message.id:
                waits = (loc, catalogs.checks.msgid_of(message)) in waiting
                c[Status.REVIEW if waits else Status(catalogs.status_of(message))] += 1
        c[Status.MISSING] += len([m for m in template if m.id and m.id not in catalog])
        done = math.floor(100 * c[Status.HUMAN] / total) if total else 100  # never rounded up to 100
        click.echo(f"{loc:8}{c[Status.HUMAN]:>8}{c[Status.REVIEW]:>8}{c[Status.MACHINE]:>9}{c[Status.OUTDATED]:>10}"
                   f"{c[Status.MISSING]:>9}{done:>6}%")


def _waiting_for_review() -> set[tuple[str, str]]:
    """(locale, msgid) of every translator's text waiting for review (none when the database is not set up)."""
    try:
        with db.connect(current_app) as conn:
            return {(r.locale, r.msgid) for r in conn.execute(select(wb_pending.c.locale, wb_pending.c.msgid))}
    except SQLAlchemyError:
        return set()


@i18n_cli.command("check")
@click.option("--locale", default=None)
@click.option("--complete/--no-complete", default=False,
              help="Also fail on work waiting for translators (untranslated or outdated entries), e.g. before a "
                   "release. By default only broken entries fail (syntax, placeholders, markup, plurals).")
def check_command(locale: str | None, complete: bool) -> None:
    """Fail with a report of every broken entry (syntax, placeholders, markup, plurals...); list warnings (glossary,
    German left in, speech out of step with the screen) and the work waiting for translators without failing on
    them. With --complete, warnings and waiting work fail it too: the release gate."""
    failed = 0
    for dom in _domains(None):
        try:
            template = catalogs.load_po(template_path(dom))
        except FileNotFoundError:
            template = None
        for loc in _locales(locale, include_source=dom != "messages"):
            path = catalogs.po_path(_translations_dir(), loc, dom)
            if not path.exists():
                if dom == "messages":
                    click.echo(f"{loc}/{dom}: catalog missing", err=True)
                    failed += 1
                continue
            try:
                catalog = catalogs.load_po(path, loc)
            except catalogs.CatalogError as exc:
                click.echo(f"{path}: syntax error: {exc}", err=True)
                failed += 1
                continue
            # Speech and lexicon are sparse by design: only entries that differ from the shown text.
            context = catalogs.context_for(_translations_dir(), loc, dom, current_app.config["SOURCE_LOCALE"])
            findings = catalogs.check_catalog(catalog, template, complete=complete and dom == "messages",
                                              context=context)
            warned = set(catalogs.warnings(findings))
            for finding in findings:
                kind = "warning: " if finding in warned else ""
                click.echo(f"{path}: {finding.msgid[:60]!r}: {kind}{catalogs.describe(finding)}", err=True)
            failed += len(findings) - (0 if complete else len(warned))
            if len(findings) == len(warned):
                note = _waiting(catalog, template) if dom == "messages" else ""
                if warned:
                    note += f" ({len(warned)} warning(s))"
                click.echo(f"{loc}/{dom}: ok{note}")
    if failed:
        raise click.ClickException(f"{failed} problem(s)")


@i18n_cli.command("speech-confirm")
@click.argument("locale")
@click.argument("msgids", nargs=-1)
def speech_confirm_command(locale: str, msgids: tuple[str, ...]) -> None:
    """Record that LOCALE's spoken texts were checked against the texts shown now (all, or those whose
    msgid starts with one of MSGIDS); run it after comparing them, never to silence the check blindly."""
    path = catalogs.po_path(_translations_dir(), locale, "speech")
    if not path.exists():
        raise click.UsageError(f"{path} does not exist")
    with _locks().hold(catalogs.lock_name(locale, "speech")):
        done = catalogs.confirm_speech(_translations_dir(), locale, list(msgids) or None,
                                       current_app.config["SOURCE_LOCALE"])
    get_i18n().announce(locale)
    click.echo(f"{path}: {len(done)} spoken text(s) confirmed against the shown text")


def _waiting(catalog, template) -> str:
    """The work waiting for translators in a catalog, as a note after "ok" (empty when there is none)."""
    counts = catalogs.counts(catalog)
    missing = counts[TranslationStatus.MISSING] + (len([m for m in template if m.id and m.id not in catalog])
                                                   if template else 0)
    parts = [f"{n} {label}" for n, label in ((counts[TranslationStatus.OUTDATED], "outdated"),
                                              (counts[TranslationStatus.MACHINE], "machine"),
                                              (missing, "untranslated")) if n]
    return f" ({', '.join(parts)} waiting for translators)" if parts else ""
