"""What is spoken: text cleaned for speech, with a map back to the characters shown."""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

URL_RE = re.compile(r"(?:https?://|www\.)[^\s<>\"]+", re.IGNORECASE)
EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
#: Gender markers inside a word (Bürger*innen): spoken as a short pause.
GENDER_RE = re.compile(r"(?<=[^\W\d_])[*:_](?=[^\W\d_])")
#: Characters that decorate but carry no words.
DECOR_RE = re.compile(
    "[*•·→←↑↓►▶◀■□▪▫●○◆◇★☆✓✔✗✘|#_~=<>^\\[\\]{}\\\\"
    "\U0001F300-\U0001FAFF\u2600-\u27BF\uFE0F]"
)
WORD_RE = re.compile(r"\S+")


@dataclass(frozen=True)
class Spoken:
    """Text to hand to an engine, and for each of its characters the index shown on the page."""

    text: str
    source: tuple[int, ...]


def clean(text: str, terms: dict[str, str] | None = None) -> Spoken:
    """Drop URLs, e-mail addresses and decorative characters; write out ``terms`` (abbreviations)."""
    drop = [False] * len(text)
    for rx in (URL_RE, EMAIL_RE):
        for m in rx.finditer(text):
            end = m.end()
            while end > m.start() and text[end - 1] in ".,;:!?)":
                end -= 1  # keep the sentence's punctuation
            for i in range(m.start(), end):
                drop[i] = True
    chars: list[str] = []
    source: list[int] = []
    for i, ch in enumerate(text):
        if drop[i]:
            ch = " "
        elif GENDER_RE.match(text, i) or DECOR_RE.match(ch):
            ch = " "
        if ch.isspace():
            if not chars or chars[-1] == " ":
                continue
            ch = " "
        chars.append(ch)
        source.append(i)
    while chars and chars[-1] == " ":
        chars.pop()
        source.pop()
    spoken = Spoken("".join(chars), tuple(source))
    return expand_terms(spoken, terms) if terms else spoken


def expand_terms(spoken: Spoken, terms: dict[str, str]) -> Spoken:
    """Replace whole-word terms by their spoken form; the replacement maps to the term's span."""
    if not terms:
        return spoken
    rx = re.compile(r"(?<!\w)(" + "|".join(re.escape(t) for t in sorted(terms, key=len, reverse=True)) + r")(?!\w)")
    chars: list[str] = []
    source: list[int] = []
    pos = 0
    for m in rx.finditer(spoken.text):
        chars.extend(spoken.text[pos:m.start()])
        source.extend(spoken.source[pos:m.start()])
        repl = terms[m.group(1)]
        chars.extend(repl)
        source.extend(spoken.source[m.start()] for _ in repl)
        pos = m.end()
    chars.extend(spoken.text[pos:])
    source.extend(spoken.source[pos:])
    return Spoken("".join(chars), tuple(source))


def word_starts(text: str) -> list[int]:
    """Character offsets where the words (runs of non-space) of ``text`` begin."""
    return [m.start() for m in WORD_RE.finditer(text)]


def word_index(starts: list[int], pos: int) -> int:
    """The index of the word containing (or last before) character ``pos``."""
    return max(0, bisect.bisect_right(starts, pos) - 1)
