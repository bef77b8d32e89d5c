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
    failed = 0
    for locale in locales or i18n.available_locales():
        for slug, page in content.pages.items():
            if pages and slug not in pages:
                continue
            ids = ["page", *(b.id for b in localize_page(page, locale).blocks if b.tag == "h2")]
            for audio_id in ids:
                started = time.perf_counter()
                try:
                    entry = ensure_entry(locale, slug, audio_id)
                except (AudioNotPublished, AudioUnavailable) as exc:  # report and go on with the next item
                    click.echo(f"FAILED {locale}/{slug}/{audio_id}: {exc}", err=True)
                    failed += 1
                    continue
                click.echo(f"{locale}/{slug}/{audio_id}: {entry.mp3.name} ({time.perf_counter() - started:.2f}s)")
    if failed:
        raise click.ClickException(f"{failed} audio file(s) could not be built")


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
