"""Failing checks per entry for the list's badges and its check filter: the checks registry run over a catalog.

The list runs every check of the registry that applies to a messages catalog, except those that
only say an entry is unfinished (empty, fuzzy, missing: the status filter shows those). Each entry is
checked once per revision (and again when a glossary file changes), from the entries the store has
parsed already: a list page parses nothing, and after a save only the saved entry is checked again.
"""
from __future__ import annotations

import os
import threading
from pathlib import Path

from babel.messages.catalog import Catalog, Message

from .. import catalogs
from ..core import glossary, offload
from ..core.messages import N_
from .entries import CatalogEntry

#: The German name of each check as the list shows it (a badge and an option of the check filter).
CHECK_NAMES = {
    "placeholders": N_("Platzhalter"),
    "links": N_("Links"),
    "markup": N_("HTML-Auszeichnung"),
    "python-format": N_("Formatangaben"),
    "whitespace": N_("Leerzeichen am Rand"),
    "control": N_("Steuerzeichen"),
    "bidi": N_("Schreibrichtungszeichen"),
    "length": N_("Länge"),
    "plurals": N_("Pluralformen"),
    # TRANSLATORS: name of a check: a fixed term of the glossary is missing from the translation
    "glossary": N_("Glossarbegriff fehlt"),
    # TRANSLATORS: name of a check: German words left in a translation into another script
    "german-runs": N_("Deutsche Wörter"),
}

#: The glossary files' (mtime, size, inode) a locale's findings were computed with (None: a missing file).
Stamp = tuple[tuple[int, int, int] | None, ...]

#: (folder, locale) -> (glossary stamp, entry key -> (entry revision, failing check ids)).
_cache: dict[tuple[str, str], tuple[Stamp, dict[str, tuple[str, tuple[str, ...]]]]] = {}
_lock = threading.Lock()


def list_checks() -> tuple[catalogs.Check, ...]:
    """The checks whose failures the list shows, in registry order."""
    return tuple(c for c in catalogs.selection() if c.applies_to("messages"))


def _stamp(paths: list[Path]) -> Stamp:
    """The version of a set of files (None for one that is missing)."""
    result: list[tuple[int, int, int] | None] = []
    for path in paths:
        try:
            st = os.stat(path)
        except FileNotFoundError:
            result.append(None)
            continue
        result.append((st.st_mtime_ns, st.st_size, st.st_ino))
    return tuple(result)


def _message(entry: CatalogEntry) -> Message:
    """The catalog message an entry was read from, as far as the checks read it."""
    ident = (entry.msgid, entry.msgid_plural) if entry.msgid_plural is not None else entry.msgid
    string = list(entry.strings) if entry.plural else entry.text
    return Message(ident, string, flags=entry.flags, context=entry.context, auto_comments=entry.comments)


def _compute(directory: Path, locale: str, entries: list[CatalogEntry]) -> dict[str, tuple[str, ...]]:
    """Entry key -> the ids of the checks its translation fails, for the given entries."""
    catalog = Catalog(locale=locale)  # the language's plural forms, for the plural check
    context = catalogs.context_for(directory, locale, "messages")
    checks = list_checks()
    return {e.key: tuple(dict.fromkeys(f.check for f in catalogs.check_message(_message(e), catalog, checks, context)))
            for e in entries}


def failing(directory: str | Path, locale: str, entries: list[CatalogEntry]) -> dict[str, tuple[str, ...]]:
    """The failing checks of a locale's entries, by entry key (those failing none left out).

    Each entry is checked once per revision, and all again when a glossary file changes: after a save
    only the saved entry is checked again.
    """
    directory = Path(directory)
    stamp = _stamp(glossary.files(directory, locale))
    cache_key = (str(directory), locale)
    with _lock:
        cached = _cache.get(cache_key)
    known = cached[1] if cached is not None and cached[0] == stamp else {}
    todo = [e for e in entries if known.get(e.key, ("", ()))[0] != e.revision]
    if todo:
        found = offload.run(_compute, directory, locale, todo)  # many entries through every check: off the loop
        known = {**known, **{e.key: (e.revision, found[e.key]) for e in todo}}
        with _lock:
            _cache[cache_key] = (stamp, known)
    return {e.key: known[e.key][1] for e in entries if known[e.key][1]}
