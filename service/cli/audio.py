"""`flask audio`: pre-generate, trim and report the read-aloud audio cache."""
from __future__ import annotations

import os
from typing import TYPE_CHECKING

import click
from flask import current_app
from flask.cli import AppGroup

from ..audio.cache import AudioCache
from ..audio.pool import Item, build, build_in_processes
from ..audio.publish import AudioNotPublished, audio_key, chunk_ids, page_segments
from ..content import get_content
from ..i18n import get_i18n
from ..jobs import get_jobs, require_jobs, submit_audio

if TYPE_CHECKING:
    from click._termui_impl import ProgressBar

audio_cli = AppGroup("audio", help="Pre-generate, trim and report the read-aloud audio cache.")



def _cache() -> AudioCache:
    """The app's audio cache."""
    return current_app.extensions["audio_cache"]


def _items(locales: tuple[str, ...], pages: tuple[str, ...]) -> list[Item]:
    """Every block chunk the players of the chosen pages play, then each whole page (joined from its chunks)."""
    out: list[Item] = []
    for locale in locales:
        for slug in get_content().pages:
            if pages and slug not in pages:
                continue
            try:
                out.extend((locale, slug, audio_id) for audio_id, _ in chunk_ids(locale, slug))
            except AudioNotPublished:
                continue
            out.append((locale, slug, "page"))
    return out


def _is_cached(item: Item) -> bool:
    """Whether the item's audio is in the cache already (under today's text, voice and settings)."""
    locale, slug, audio_id = item
    try:
        return _cache().lookup(locale, audio_key(locale, page_segments(locale, slug, audio_id))) is not None
    except AudioNotPublished:
        return False


def _shown(item: Item | None) -> str | None:
    """The progress bar's label of an item."""
    return "/".join(item) if item else None


def _weight(item: Item) -> int:
    """How much text an item speaks (the progress bar's unit, so that its estimate follows the work)."""
    try:
        return max(1, sum(len(s.speech or s.text) for s in page_segments(*item)))
    except AudioNotPublished:
        return 1


@audio_cli.command("build")
@click.option("--locale", "locales", multiple=True, help="Only this locale (repeatable).")
@click.option("--page", "pages", multiple=True, help="Only this page slug (repeatable).")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None,
              help="Build processes (default: one per core).")
@click.option("--verbose", "-v", is_flag=True, help="List every file as it is done.")
def build_command(locales: tuple[str, ...], pages: tuple[str, ...], jobs: int | None, verbose: bool) -> None:
    """Synthesize every page and section of every (or the given) locale, on every core.

    Interrupt with Ctrl-C at any time: finished files are kept (each is written atomically), and
    running the same command again builds only what is still missing.
    """
    i18n = get_i18n()
    unknown = [loc for loc in locales if not i18n.serves(loc)]
    if unknown:
        raise click.BadParameter(f"not served: {', '.join(unknown)}", param_hint="--locale")
    items = _items(tuple(locales or i18n.available_locales()), pages)
    todo = [item for item in items if not _is_cached(item)]
    cached = len(items) - len(todo)
    if get_jobs() is not None:  # servers share an RQ queue: its workers build, this command watches
        failed = _build_on_workers(todo)
        if failed:
            raise click.ClickException(f"{failed} audio file(s) could not be built")
        return
    click.echo(f"{len(items)} audio files: {cached} already cached, {len(todo)} to synthesize")
    processes = min(jobs or os.cpu_count() or 1, len(todo))
    failures: list[tuple[Item, str]] = []
    built = 0
    weights = {item: _weight(item) for item in todo}
    with click.progressbar(length=sum(weights.values()) or 1, label="Synthesizing", show_eta=True,
                           show_percent=True, item_show_func=_shown) as bar:
        def done(item: Item, error: str | None, seconds: float) -> None:
            """Count one finished item, report it and move the bar."""
            nonlocal built
            if error is None:
                built += 1
                if verbose:
                    click.echo(f"\n{'/'.join(item)} ({seconds:.2f}s)")
            else:
                failures.append((item, error))
                click.echo(f"\nFAILED {'/'.join(item)}: {error}", err=True)
            bar.update(weights[item], item)

        try:
            if processes <= 1:
                for item in todo:
                    done(*build(item))
            else:
                # The app factory is pickled by name: each build process imports it itself.
                build_in_processes(todo, processes, done, current_app.extensions["app_factory"],
                                   dict(current_app.config), say=lambda text: click.echo(text, err=True))
        except KeyboardInterrupt:
            left = len(todo) - built - len(failures)
            click.echo(f"\nInterrupted: {built} built, {left} left; run the command again to go on.", err=True)
            raise SystemExit(130) from None
    click.echo(f"{built} synthesized, {cached} already cached, {len(failures)} failed")
    if failures:
        raise click.ClickException(f"{len(failures)} audio file(s) could not be built")


def _build_on_workers(items: list[Item]) -> int:
    """Queue one RQ job per audio file and show a progress bar until all are done; return how many failed.

    Items that speak the same text (a live notice's blocks on every page) are one file, so one job.
    """
    jobs = require_jobs()
    names: dict[str, list[str]] = {}  # job id -> the items it makes
    unpublished = 0
    for item in items:
        try:
            names.setdefault(submit_audio(*item), []).append("/".join(item))
        except AudioNotPublished as exc:
            unpublished += 1
            click.echo(f"FAILED {'/'.join(item)}: {exc}", err=True)
    if not jobs.workers():
        click.echo("no worker is running yet: start `flask worker` (here or on another machine)", err=True)
    bar: ProgressBar[int]
    with click.progressbar(length=len(names), label=f"{len(names)} audio jobs", show_pos=True) as bar:
        errors = jobs.wait(list(names), progress=bar.update)
    for jid, error in errors.items():
        for name in names[jid]:
            click.echo(f"FAILED {name}: {error}", err=True)
    click.echo(f"{len(names) - len(errors)} of {len(names)} audio files ready")
    return len(errors) + unpublished


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
