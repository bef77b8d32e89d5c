"""Failing checks per entry for the list's badges and its check filter: the checks registry run over a catalog.

The list runs every check of the registry that applies to a messages catalog, except those that
only say an entry is unfinished (empty, fuzzy, missing: the status filter shows those). The result
is computed once per version of the .po and of its glossary files, so a list page parses nothing.
"""
from __future__ import annotations

import os
import threading
from pathlib import Path

from .. import catalogs
from ..core import glossary, offload
from ..core.messages import N_
from .entries import entry_key

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

#: What a catalog's findings were computed from: the .po's and the glossary files' (mtime, size, inode).
Stamp = tuple[tuple[int, int, int] | None, ...]

_cache: dict[tuple[str, str], tuple[Stamp, dict[str, tuple[str, ...]]]] = {}
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


def _compute(directory: Path, locale: str) -> dict[str, tuple[str, ...]]:
    """Entry key -> the ids of the checks its translation fails (entries failing none are left out)."""
    catalog = catalogs.load_po(catalogs.po_path(directory, locale), locale)
    context = catalogs.context_for(directory, locale, "messages")
    checks = list_checks()
    result: dict[str, tuple[str, ...]] = {}
    for message in catalog:
        if not message.id:
            continue
        found = catalogs.check_message(message, catalog, checks, context)
        if found:
            result[entry_key(message)] = tuple(dict.fromkeys(f.check for f in found))
    return result


def failing(directory: str | Path, locale: str) -> dict[str, tuple[str, ...]]:
    """The failing checks of every entry of a locale's messages catalog, by entry key (cached per file version)."""
    directory = Path(directory)
    stamp = _stamp([catalogs.po_path(directory, locale), *glossary.files(directory, locale)])
    cache_key = (str(directory), locale)
    with _lock:
        cached = _cache.get(cache_key)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    try:
        result = offload.run(_compute, directory, locale)  # every entry through every check: off the loop
    except FileNotFoundError:
        return {}
    with _lock:
        _cache[cache_key] = (stamp, result)
    return result
