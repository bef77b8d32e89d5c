"""`flask audio`: pre-generate, trim and report the read-aloud audio cache."""
from __future__ import annotations

import time

import click
from flask import current_app
from flask.cli import AppGroup

from ..audio.cache import AudioCache
from ..audio.publish import AudioNotPublished, AudioUnavailable, ensure_entry
from ..content import get_content
from ..i18n import get_i18n
from ..jobs import get_jobs, submit_audio
from ..localized import localize_page

audio_cli = AppGroup("audio", help="Pre-generate, trim and report the read-aloud audio cache.")


def _cache() -> AudioCache:
    """The app's audio cache."""
    return current_app.extensions["audio_cache"]


@audio_cli.command("build")
@click.option("--locale", "locales", multiple=True, help="Only this locale (repeatable).")
@click.option("--page", "pages", multiple=True, help="Only this page slug (repeatable).")
def build_command(locales: tuple[str, ...], pages: tuple[str, ...]) -> None:
    """Synthesize every page and section of every (or the given) locale."""
    i18n = get_i18n()
    unknown = [loc for loc in locales if not i18n.serves(loc)]
    if unknown:
        raise click.BadParameter(f"not served: {', '.join(unknown)}", param_hint="--locale")
    content = get_content()
    items = []
    for locale in locales or i18n.available_locales():
        for slug, page in content.pages.items():
            if pages and slug not in pages:
                continue
            ids = ["page", *(b.id for b in localize_page(page, locale).blocks if b.tag == "h2")]
            items += [(locale, slug, audio_id) for audio_id in ids]
    failed = _build_on_workers(items) if get_jobs() is not None else _build_here(items)
    if failed:
        raise click.ClickException(f"{failed} audio file(s) could not be built")


def _build_here(items: list[tuple[str, str, str]]) -> int:
    """Synthesize each item in this process; return how many failed."""
    failed = 0
    for locale, slug, audio_id in items:
        started = time.perf_counter()
        try:
            entry = ensure_entry(locale, slug, audio_id)
        except (AudioNotPublished, AudioUnavailable) as exc:  # report and go on with the next item
            click.echo(f"FAILED {locale}/{slug}/{audio_id}: {exc}", err=True)
            failed += 1
            continue
        click.echo(f"{locale}/{slug}/{audio_id}: {entry.mp3.name} ({time.perf_counter() - started:.2f}s)")
    return failed


def _build_on_workers(items: list[tuple[str, str, str]]) -> int:
    """Queue each item as an RQ job (one per audio file) and show a progress bar until all are done."""
    jobs = get_jobs()
    names = {}
    for item in items:
        try:
            names[submit_audio(*item)] = "/".join(item)
        except AudioNotPublished as exc:
            click.echo(f"FAILED {'/'.join(item)}: {exc}", err=True)
    if not jobs.workers():
        click.echo("no worker is running yet: start `flask worker` (here or on another machine)", err=True)
    with click.progressbar(length=len(names), label=f"{len(names)} audio jobs", show_pos=True) as bar:
        errors = jobs.wait(list(names), progress=bar.update)
    for jid, error in errors.items():
        click.echo(f"FAILED {names[jid]}: {error}", err=True)
    click.echo(f"{len(names) - len(errors)} of {len(names)} audio files ready")
    return len(errors) + len(items) - len(names)


@audio_cli.command("prune")
@click.option("--max-bytes", type=int, default=None, help="Trim to this size instead of AUDIO_CACHE_MAX_BYTES.")
def prune_command(max_bytes: int | None) -> None:
    """Evict least recently used entries beyond the bound and remove stale temporary files."""
    result = _cache().prune(max_bytes)
    click.echo(f"evicted {result['evicted']} entries, removed {result['stale_tmp']} stale temporary files")


@audio_cli.command("stats")
def stats_command() -> None:
    """Entries and bytes per locale."""
    stats = _cache().stats()
    click.echo(f"{stats['root']}: {stats['entries']} entries, {stats['bytes']} of {stats['max_bytes']} bytes")
    for locale, s in sorted(stats["locales"].items()):
        click.echo(f"  {locale:6}{s['entries']:>6} entries {s['bytes']:>12} bytes")
