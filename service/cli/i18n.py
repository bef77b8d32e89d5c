"""`flask i18n`: extract, init, update, compile, stats and check, over Babel's Python API."""
from __future__ import annotations

import io
import sys
from pathlib import Path

import click
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_file
from babel.messages.pofile import write_po
from flask import current_app
from flask.cli import AppGroup

from .. import catalogs
from ..config import ROOT

#: Where messages come from: (glob below the project root, Babel extraction method).
SOURCES = [
    ("content/*.md", "service.content:extract_content"),
    ("service/**/*.py", "python"),
    ("service/templates/**/*.html", "jinja2.ext:babel_extract"),
]
KEYWORDS = {**DEFAULT_KEYWORDS, "lazy_gettext": None, "_l": None, "N_": None}
COMMENT_TAGS = ["TRANSLATORS:"]


def _translations_dir() -> Path:
    """The top-level translations folder of the running app."""
    return Path(current_app.config["BABEL_TRANSLATION_DIRECTORIES"])


def build_template(domain: str = "messages", root: Path = ROOT) -> Catalog:
    """Extract a fresh template: every message for 'messages', content blocks only for 'speech'."""
    catalog = Catalog(project="herne-talente", version="1.0", msgid_bugs_address="translators@herne.invalid",
                      copyright_holder="Stadt Herne", charset="utf-8")
    sources = SOURCES if domain == "messages" else SOURCES[:1]
    for pattern, method in sources:
        for path in sorted(root.glob(pattern)):
            if any(part.startswith((".", "__")) for part in path.relative_to(root).parts):
                continue
            relative = path.relative_to(root).as_posix()
            options = {"extensions": "jinja2.ext.i18n"} if method.startswith("jinja2") else {}
            for lineno, message, comments, context in extract_from_file(
                method, str(path), keywords=KEYWORDS, comment_tags=COMMENT_TAGS, options=options,
                strip_comment_tags=True,
            ):
                catalog.add(message, None, [(relative, lineno)], auto_comments=comments, context=context)
    return catalog


def template_path(domain: str) -> Path:
    """The committed .pot of a domain."""
    return _translations_dir() / f"{domain}.pot"


def _pot_bytes(catalog: Catalog) -> bytes:
    """A .pot without a creation date, so that an unchanged template is byte-identical."""
    buf = io.BytesIO()
    write_po(buf, catalog, width=0, omit_header=False, sort_output=False)
    lines = [ln for ln in buf.getvalue().split(b"\n") if not ln.startswith(b'"POT-Creation-Date:')]
    return b"\n".join(lines)


def _keys(catalog: Catalog) -> list:
    """The message ids of a catalog, as a comparable list."""
    return sorted((m.context or "", str(m.id)) for m in catalog if m.id)


def _locales(locale: str | None, include_source: bool = False) -> list[str]:
    """The locales a command acts on (the source locale has catalogs only for speech)."""
    if locale:
        return [locale]
    source = current_app.config["SOURCE_LOCALE"]
    return [loc for loc in current_app.config["SHIPPED_LOCALES"] if include_source or loc != source]


def _domains(domain: str | None) -> list[str]:
    """The domains a command acts on."""
    return [domain] if domain else current_app.extensions["i18n"].domains


@click.group("i18n", cls=AppGroup)
def i18n_cli() -> None:
    """Catalog workflow (gettext, through Babel)."""


@i18n_cli.command("extract")
@click.option("--check", is_flag=True, help="Fail if the committed template is out of date.")
@click.option("--domain", type=click.Choice(["messages", "speech"]), default=None)
def extract_command(check: bool, domain: str | None) -> None:
    """Extract messages from content, code and templates into translations/<domain>.pot."""
    stale = []
    for dom in _domains(domain):
        fresh = build_template(dom)
        path = template_path(dom)
        if check:
            try:
                committed = catalogs.load_po(path)
            except (FileNotFoundError, catalogs.CatalogError):
                stale.append(f"{path.name} is missing or broken")
                continue
            if _keys(committed) != _keys(fresh):
                added = set(_keys(fresh)) - set(_keys(committed))
                removed = set(_keys(committed)) - set(_keys(fresh))
                stale.append(f"{path.name} is stale: {len(added)} new, {len(removed)} removed message(s)")
            continue
        catalogs.atomic_write_bytes(path, _pot_bytes(fresh))
        click.echo(f"{path}: {len(fresh)} messages")
    if stale:
        for line in stale:
            click.echo(line, err=True)
        click.echo("Run 'flask i18n extract' and commit the result.", err=True)
        sys.exit(1)
    elif check:
        click.echo("templates are up to date")


@i18n_cli.command("init")
@click.argument("locale")
@click.option("--domain", type=click.Choice(["messages", "speech"]), default="messages")
def init_command(locale: str, domain: str) -> None:
    """Start a new locale's catalog from the template."""
    from babel import Locale, UnknownLocaleError

    try:
        Locale.parse(locale)
    except (ValueError, UnknownLocaleError):
        raise click.UsageError(f"unknown locale {locale!r}")
    path = catalogs.po_path(_translations_dir(), locale, domain)
    if path.exists():
        raise click.UsageError(f"{path} exists already: use 'flask i18n update'")
    template = catalogs.load_po(template_path(domain))
    catalog = Catalog(locale=locale, domain=domain, project=template.project, version=template.version,
                      msgid_bugs_address=template.msgid_bugs_address, copyright_holder=template.copyright_holder)
    for message in template:
        if message.id:
            catalog.add(message.id, None, message.locations, auto_comments=message.auto_comments,
                        flags=message.flags, context=message.context)
    catalogs.save_po(path, catalog)
    click.echo(f"created {path}")


def update_catalog(path: Path, template: Catalog, locale: str) -> Catalog:
    """Merge a template into a catalog: new messages added, changed ones marked fuzzy (outdated)."""
    with catalogs.catalog_lock(path):
        catalog = catalogs.load_po(path, locale)
        created = catalog.creation_date
        catalog.update(template, no_fuzzy_matching=False, update_header_comment=False)
        catalog.creation_date = created  # the template carries no date: keep the file stable
        catalogs.save_po(path, catalog)
    return catalog


@i18n_cli.command("update")
@click.option("--locale", default=None)
@click.option("--domain", type=click.Choice(["messages", "speech"]), default=None)
def update_command(locale: str | None, domain: str | None) -> None:
    """Merge the templates into every locale's catalog."""
    for dom in _domains(domain):
        template = catalogs.load_po(template_path(dom))
        for loc in _locales(locale, include_source=True):
            path = catalogs.po_path(_translations_dir(), loc, dom)
            if path.exists():
                update_catalog(path, template, loc)
                click.echo(f"updated {path}")


@i18n_cli.command("compile")
@click.option("--locale", default=None)
@click.option("--domain", type=click.Choice(["messages", "speech"]), default=None)
def compile_command(locale: str | None, domain: str | None) -> None:
    """Check and compile catalogs; a catalog with problems keeps its previous .mo."""
    failed = False
    for dom in _domains(domain):
        for loc in _locales(locale, include_source=True):
            path = catalogs.po_path(_translations_dir(), loc, dom)
            if not path.exists():
                continue
            try:
                catalogs.compile_po(path)
                click.echo(f"compiled {path.with_suffix('.mo')}")
            except catalogs.CatalogError as exc:
                click.echo(f"NOT compiled: {exc}", err=True)
                failed = True
    if failed:
        sys.exit(1)


@i18n_cli.command("stats")
@click.option("--domain", type=click.Choice(["messages", "speech"]), default="messages")
def stats_command(domain: str) -> None:
    """Per locale: human, machine, outdated and missing entries."""
    template = catalogs.load_po(template_path(domain))
    total = len([m for m in template if m.id])
    click.echo(f"{'locale':8}{'human':>8}{'machine':>9}{'outdated':>10}{'missing':>9}{'done':>7}")
    for loc in _locales(None):
        path = catalogs.po_path(_translations_dir(), loc, domain)
        if not path.exists():
            continue
        catalog = catalogs.load_po(path, loc)
        c = catalogs.counts(catalog)
        c["missing"] += len([m for m in template if m.id and m.id not in catalog])
        done = 100 * c["human"] / total if total else 100
        click.echo(f"{loc:8}{c['human']:>8}{c['machine']:>9}{c['outdated']:>10}{c['missing']:>9}{done:>6.0f}%")


@i18n_cli.command("check")
@click.option("--locale", default=None)
@click.option("--complete/--no-complete", default=True, help="Also require every message translated and reviewed.")
def check_command(locale: str | None, complete: bool) -> None:
    """Fail with a report on syntax, placeholder, markup, plural and empty-translation problems."""
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
            # The speech domain is sparse by design: only entries that differ from the shown text.
            problems = catalogs.check_catalog(catalog, template, require_complete=complete and dom == "messages")
            for p in problems:
                click.echo(f"{path}: {p.msgid[:60]!r}: {p.text}", err=True)
            failed += len(problems)
            if not problems:
                click.echo(f"{loc}/{dom}: ok")
    if failed:
        click.echo(f"{failed} problem(s)", err=True)
        sys.exit(1)
