"""E-mail addresses and web addresses as a person reads them out, in the reader's language.

"barrierefreiheit@herne.de" becomes "barrierefreiheit at herne Punkt D E" in German and
"barrierefreiheit małpa herne kropka D E" in Polish: the words of the address stay as they are (the
engine reads them), the signs between them are named, and short endings are spelt letter by letter.
"""
from __future__ import annotations

import re

#: How the signs of an address are named, per language: @ . - _ / :
SIGNS: dict[str, dict[str, str]] = {
    "de": {"@": "at", ".": "Punkt", "-": "Bindestrich", "_": "Unterstrich", "/": "Schrägstrich", ":": "Doppelpunkt"},
    "en": {"@": "at", ".": "dot", "-": "dash", "_": "underscore", "/": "slash", ":": "colon"},
    "tr": {"@": "et", ".": "nokta", "-": "tire", "_": "alt çizgi", "/": "eğik çizgi", ":": "iki nokta"},
    "ar": {"@": "آت", ".": "نقطة", "-": "شرطة", "_": "شرطة سفلية", "/": "شرطة مائلة", ":": "نقطتان"},
    "pl": {"@": "małpa", ".": "kropka", "-": "myślnik", "_": "podkreślnik", "/": "ukośnik", ":": "dwukropek"},
    "uk": {"@": "равлик", ".": "крапка", "-": "дефіс", "_": "підкреслення", "/": "скісна риска", ":": "двокрапка"},
    "ro": {"@": "arond", ".": "punct", "-": "cratimă", "_": "linie jos", "/": "bară oblică", ":": "două puncte"},
    "ru": {"@": "собака", ".": "точка", "-": "дефис", "_": "нижнее подчёркивание", "/": "слеш", ":": "двоеточие"},
}
#: The sign names used for a language without its own list.
FALLBACK = "en"
#: Runs of the signs named above, and the words between them.
PARTS_RE = re.compile(r"[@.\-_/:]|[^@.\-_/:]+")
#: A part spelt letter by letter: short endings and other short all-consonant parts ("de", "nrw", "www").
SPELL_RE = re.compile(r"^(?:[a-z]{1,2}|[bcdfghjklmnpqrstvwxz]{3,4})$", re.IGNORECASE)
#: The scheme said by nobody reading an address out.
SCHEME_RE = re.compile(r"^(?:https?://|mailto:)", re.IGNORECASE)


def signs(lang: str | None) -> dict[str, str]:
    """The names of the signs in ``lang`` (its base language), else English ones."""
    base = (lang or FALLBACK).split("-")[0].split("_")[0].lower()
    return SIGNS.get(base, SIGNS[FALLBACK])


def say_address(address: str, lang: str | None) -> str:
    """An e-mail or web address written out as it is read aloud in ``lang``."""
    names = signs(lang)
    words = []
    rest = SCHEME_RE.sub("", address).split("?")[0].split("#")[0].rstrip("/")
    for part in PARTS_RE.findall(rest):
        if part in names:
            words.append(names[part])
        elif SPELL_RE.match(part):
            words.append(" ".join(part.upper()))
        else:
            words.append(part)
    return " ".join(words)
