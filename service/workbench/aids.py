"""Aids beside an entry: translation memory, glossary hints, other locales, neighbouring entries.

Memory matches come from the reviewed entries of the locale, found by rapidfuzz over their German
sources (the catalog table i18n keeps in memory per file version, so no .po is parsed per look-up).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from babel.messages.catalog import Message
from rapidfuzz import fuzz, process, utils

from .. import catalogs
from ..mt.masking import Glossary
from .entries import CatalogEntry

#: Matches below this similarity (0-100) are no help.
MEMORY_CUTOFF = 70.0
MEMORY_LIMIT = 5


@dataclass(frozen=True)
class Match:
    """A reviewed translation of a similar German source."""

    score: int
    source: str
    text: str


@dataclass(frozen=True)
class Hint:
    """A glossary term in the German source and the translation it requires."""

    term: str
    required: str
    present: bool


def _reviewed(table: dict[str, Message]) -> tuple[list[str], list[str]]:
    """The German sources and reviewed translations of a catalog table (singular entries only)."""
    sources, texts = [], []
    for msgid, message in table.items():
        reviewed = catalogs.status_of(message) == catalogs.TranslationStatus.HUMAN
        if isinstance(msgid, str) and isinstance(message.string, str) and reviewed:
            sources.append(msgid)
            texts.append(message.string)
    return sources, texts


def memory(table: dict[str, Message], msgid: str, limit: int = MEMORY_LIMIT) -> list[Match]:
    """Reviewed translations whose German source is the same or similar to ``msgid``, best first."""
    sources, texts = _reviewed_cached(table)
    found = process.extract(msgid, sources, scorer=fuzz.ratio, processor=utils.default_process,
                            score_cutoff=MEMORY_CUTOFF, limit=limit + 1)
    return [Match(round(score), sources[i], texts[i]) for _, score, i in found if sources[i] != msgid][:limit]


_CACHE: dict[int, tuple[dict, tuple[list[str], list[str]]]] = {}


def _reviewed_cached(table: dict[str, Message]) -> tuple[list[str], list[str]]:
    """The reviewed sources of a table, computed once per table object (i18n replaces it when the file changes)."""
    cached = _CACHE.get(id(table))
    if cached is None or cached[0] is not table:
        if len(_CACHE) > 32:
            _CACHE.clear()
        cached = (table, _reviewed(table))
        _CACHE[id(table)] = cached
    return cached[1]


def glossary_hints(directory: str, locale: str, msgid: str, translation: str) -> list[Hint]:
    """The glossary terms found in the German source, each with its required translation and whether it is there."""
    hints = []
    for term, required in Glossary.load(directory, locale).terms.items():
        if re.search(rf"(?<!\w){re.escape(term)}(?!\w)", msgid):
            hints.append(Hint(term, required, required in translation))
    return hints


def neighbours(entries: list[CatalogEntry], key: str, around: int = 2) -> tuple[list[CatalogEntry],
                                                                              list[CatalogEntry]]:
    """The entries just before and after one, from the same source file (its page or template)."""
    index = next((i for i, e in enumerate(entries) if e.key == key), None)
    if index is None:
        return [], []
    here = entries[index].locations[0][0] if entries[index].locations else None
    same = [e for e in entries if (e.locations[0][0] if e.locations else None) == here]
    position = next(i for i, e in enumerate(same) if e.key == key)
    return same[max(0, position - around):position], same[position + 1:position + 1 + around]


def step(entries: list[CatalogEntry], key: str) -> tuple[CatalogEntry | None, CatalogEntry | None]:
    """The entries before and after one in a filtered list (for Alt+Up and Alt+Down, and save-and-next)."""
    index = next((i for i, e in enumerate(entries) if e.key == key), None)
    if index is None:
        return None, entries[0] if entries else None
    return (entries[index - 1] if index > 0 else None), (entries[index + 1] if index + 1 < len(entries) else None)
