"""Locale codes: the primary code of a language tag, its script direction and its own name (Babel's data, no Flask)."""
from __future__ import annotations

from babel import Locale, UnknownLocaleError

from .syntax import LANGUAGE_TAG_RE


def normalize_locale(tag: str) -> str | None:
    """Turn 'de-DE' or 'pt_BR' into a primary code we might serve, or None for garbage."""
    if not tag or not LANGUAGE_TAG_RE.match(tag):
        return None
    return tag.replace("_", "-").split("-")[0].lower()


def text_direction(locale: str) -> str:
    """'rtl' or 'ltr' for a locale."""
    try:
        return str(Locale.parse(locale).text_direction)
    except (ValueError, UnknownLocaleError):
        return "ltr"


def display_name(locale: str) -> str:
    """The locale's name in its own language (an endonym), capitalized."""
    try:
        name = Locale.parse(locale).get_display_name(locale) or locale
    except (ValueError, UnknownLocaleError):
        return locale
    return name[:1].upper() + name[1:]
