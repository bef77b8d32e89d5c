"""Glossary files: terms that keep one rendering per locale, read alike by machine translation and the checks.

A line is ``Term`` (kept as it is) or ``Term = Fixed translation``; more accepted forms follow after
``|`` (``Leichte Sprache = Лёгкий язык | лёгк* язык*``): the first is what machine translation writes,
any of them satisfies the glossary check, and ``*`` stands for a word's ending (the cases of a noun).
``#`` starts a comment. ``translations/glossary.txt`` holds every locale's terms;
``translations/<locale>/glossary.txt`` adds a locale's own and wins.
"""
from __future__ import annotations

import re
from pathlib import Path


def parse(text: str) -> dict[str, tuple[str, ...]]:
    """Term -> its accepted renderings, the first being the one to write."""
    terms: dict[str, tuple[str, ...]] = {}
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip() if not raw.lstrip().startswith("#") else ""
        if not line:
            continue
        term, sep, target = line.partition("=")
        term = term.strip()
        forms = tuple(f.strip() for f in target.split("|") if f.strip()) if sep else ()
        if term:
            terms[term] = forms or (term,)
    return terms


def files(directory: str | Path, locale: str) -> list[Path]:
    """The glossary files of a locale, the shared one first (later ones win)."""
    return [Path(directory) / "glossary.txt", Path(directory) / locale / "glossary.txt"]


def load(directory: str | Path, locale: str) -> dict[str, tuple[str, ...]]:
    """Every term of a locale with its accepted renderings."""
    terms: dict[str, tuple[str, ...]] = {}
    for path in files(directory, locale):
        if path.is_file():
            terms.update(parse(path.read_text(encoding="utf-8")))
    return terms


def form_pattern(form: str) -> re.Pattern[str]:
    """A rendering as a case-insensitive pattern; ``*`` is any word ending."""
    return re.compile(r"\w*".join(re.escape(part) for part in form.split("*")), re.IGNORECASE)


def term_pattern(term: str) -> re.Pattern[str]:
    """A source term as a whole-word, case-sensitive pattern."""
    return re.compile(rf"(?<!\w){re.escape(term)}(?!\w)")
