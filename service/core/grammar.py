"""The grammar of values inside sentences: an amount of time after a preposition takes that preposition's case.

Babel formats "7 Tage" in the nominative and cannot inflect; German "nach" wants the dative
("nach 7 Tagen"). A placeholder after such a preposition is renamed for its case
(``%(keep_logs)s`` -> ``%(keep_logs__dative)s``) and its value inflected, occurrence by occurrence,
so that "%(keep)s nach dem Abschluss" and "nach %(keep)s" in one message are both right.

Only German needs it among the shipped locales: Turkish and Romanian numerals leave the noun as it is
after "sonra"/"după", and the Polish, Ukrainian and Russian translations use constructions whose case
is the one Babel gives ("po upływie 7 dni", "через 7 днів", "через 7 дней"; tests/test_value_grammar.py).
"""
from __future__ import annotations

import re

#: Prepositions that govern the dative, per language, and words that may stand between them and the value.
DATIVE = {"de": ("nach", "vor", "seit", "mit", "binnen", "bei", "von", "aus", "zu")}
BETWEEN = {"de": ("höchstens", "mindestens", "spätestens", "frühestens", "etwa", "rund", "ungefähr", "genau")}
#: German plurals of time units whose dative adds -n ("Tage" -> "Tagen"); Wochen, Stunden, Minuten stay.
DATIVE_N = {"de": ("Tage", "Monate", "Jahre", "Sekunden")}
SUFFIX = "__dative"


def _dative_re(locale: str) -> re.Pattern[str] | None:
    """A placeholder that follows a dative preposition (and optional adverbs), in a language that inflects."""
    if locale not in DATIVE:
        return None
    prepositions = "|".join(DATIVE[locale])
    between = "|".join(BETWEEN.get(locale, ()))
    return re.compile(rf"(?i:\b(?:{prepositions})\s+(?:(?:{between})\s+)?)%\((\w+)\)s")


def mark_cases(text: str, locale: str) -> tuple[str, set[str]]:
    """The text with each placeholder after a dative preposition renamed, and the names renamed."""
    pattern = _dative_re(locale)
    if pattern is None or "%(" not in text:
        return text, set()
    names: set[str] = set()

    def rename(match: re.Match[str]) -> str:
        names.add(match.group(1))
        whole = match.group(0)
        return whole[:whole.rindex("%(")] + f"%({match.group(1)}{SUFFIX})s"

    return pattern.sub(rename, text), names


def dative(value: str, locale: str) -> str:
    """A formatted amount in the dative ("7 Tage" -> "7 Tagen"); other values unchanged."""
    for plural in DATIVE_N.get(locale, ()):
        value = re.sub(rf"(?<=\d )({plural})\b", r"\1n", value)
    return value
