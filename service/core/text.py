"""Text typed by people into the service's forms: bounded, normalized once, checked for control characters."""
from __future__ import annotations

import unicodedata

from .messages import N_

#: The longest run of combining marks (non-starters) a text may hold: the bound of Unicode's Stream-Safe
#: Text Format (UAX #15, section 13). No language needs more; normalizing a longer run costs time that grows
#: with the square of its length (60,000 marks took 3.3 s), so such text is refused before normalizing.
MAX_MARK_RUN = 30


#: What people are told of such a run (web/inputs.py refuses a post with it; the marks check words its finding so).
UNREADABLE = N_("Der gesendete Text enthält eine lange Folge von Akzent- oder Kombinationszeichen, wie sie keine "
                "Sprache verwendet. Bitte prüfen Sie Ihre Eingabe.")


class UnsafeText(ValueError):
    """A text holds a run of combining marks longer than MAX_MARK_RUN."""


def longest_mark_run(value: str) -> int:
    """The length of the longest run of combining marks in a text (one linear pass)."""
    longest = run = 0
    combining = unicodedata.combining
    for ch in value:
        if combining(ch):
            run += 1
            if run > longest:
                longest = run
        else:
            run = 0
    return longest


def normalize_text(value: str | None) -> str:
    """NFC with plain line breaks (browsers send CRLF); raise UnsafeText for a run of marks too long to normalize."""
    value = (value or "").replace("\r\n", "\n").replace("\r", "\n")
    if longest_mark_run(value) > MAX_MARK_RUN:
        raise UnsafeText(value[:40])
    return unicodedata.normalize("NFC", value)


def clean_text(value: str | None) -> str:
    """NFC, plain line breaks, trimmed (raises UnsafeText as normalize_text does)."""
    return normalize_text(value).strip()


def has_control(value: str) -> bool:
    """Tell whether text holds control characters other than line breaks and tabs."""
    return any(unicodedata.category(ch) == "Cc" and ch not in "\n\t" for ch in value)
