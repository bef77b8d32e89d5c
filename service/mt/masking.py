"""Protect what MT must not touch: placeholders, URLs, link targets, numbers with units, glossary terms.

Each protected span is replaced by a token such as ``XQ3X`` (letters and digits only:
argostranslate turns every ``_`` into a space) and restored after translation.  A
Markdown link ``[text](url)`` becomes ``XQ0X text XQ1X``: the text is translated, the
URL is kept.  A glossary maps terms to a fixed translation (or to themselves).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ..core import glossary
from ..core.syntax import LINK_RE, PLACEHOLDER_RE

URL_RE = re.compile(r"https?://[^\s<>()\[\]]+[^\s<>()\[\].,;:!?\"'»”]")
#: A number (1.000,50 / 3,5 / 12) followed by a unit or currency.
UNITS = r"(?:€|EUR|Euro|%|km|m²|qm|m|cm|mm|kg|g|t|l|ml|Std\.|h|min|Uhr|MW|kW|kWh|Mio\.|Mrd\.)"
NUMBER_UNIT_RE = re.compile(r"(?<![\w.,])\d+(?:[.,]\d+)*\s?" + UNITS + r"(?![\w²])")
TOKEN_RE = re.compile(r"X\s?Q\s?(\d{1,3})\s?X", re.IGNORECASE)


class MaskError(Exception):
    """A protected span did not survive translation."""


@dataclass
class Glossary:
    """Terms that are never translated or always translated one fixed way, for one locale."""

    terms: dict[str, str] = field(default_factory=dict)

    @classmethod
    def load(cls, directory: str | Path, locale: str) -> Glossary:
        """Read ``<dir>/glossary.txt`` (all locales) and ``<dir>/<locale>/glossary.txt`` (wins)."""
        terms: dict[str, str] = {}
        for path in (Path(directory) / "glossary.txt", Path(directory) / locale / "glossary.txt"):
            if path.is_file():
                terms.update(parse_glossary(path.read_text(encoding="utf-8")))
        return cls(terms)

    def signature(self) -> str:
        """A stable text of the glossary, folded into cache keys so an edit re-translates."""
        return "\n".join(f"{k}={v}" for k, v in sorted(self.terms.items()))


def parse_glossary(text: str) -> dict[str, str]:
    """Parse glossary lines (see core.glossary): each term with the one rendering machine translation writes."""
    return {term: forms[0] for term, forms in glossary.parse(text).items()}


@dataclass
class Masked:
    """A text with protected spans replaced by tokens, and what each token stands for."""

    text: str
    spans: list[str]

    def restore(self, translated: str) -> str:
        """Put every protected span back; raise MaskError when a token is lost or duplicated."""
        seen: list[int] = []

        def put(match: re.Match) -> str:
            index = int(match.group(1))
            if index >= len(self.spans):
                raise MaskError(f"unknown token {match.group(0)!r}")
            seen.append(index)
            return self.spans[index]

        restored = TOKEN_RE.sub(put, translated)
        if sorted(seen) != list(range(len(self.spans))):
            raise MaskError(f"tokens lost or repeated: {sorted(seen)} of {len(self.spans)}")
        # A link's text lies between its two tokens, which we padded with spaces.
        restored = re.sub(r"\[\s+", "[", restored)
        restored = re.sub(r"\s+\]\(", "](", restored)
        return restored


def mask(text: str, glossary: Glossary | None = None) -> Masked:
    """Replace placeholders, URLs, link targets, numbers with units and glossary terms by tokens."""
    spans: list[str] = []

    def token(value: str) -> str:
        spans.append(value)
        return f" XQ{len(spans) - 1}X "

    def link(match: re.Match) -> str:
        open_tok = token("[")
        inner = protect(match.group(1))
        close_tok = token(f"]({match.group(2)})")
        return f"{open_tok}{inner}{close_tok}"

    def protect(part: str) -> str:
        patterns = [PLACEHOLDER_RE, URL_RE, NUMBER_UNIT_RE]
        if glossary and glossary.terms:
            terms = sorted(glossary.terms, key=len, reverse=True)
            patterns.insert(0, re.compile(r"(?<!\w)(?:" + "|".join(map(re.escape, terms)) + r")(?!\w)"))
        combined = re.compile("|".join(f"(?:{p.pattern})" for p in patterns))

        def one(match: re.Match) -> str:
            value = match.group(0)
            if glossary and value in glossary.terms:
                value = glossary.terms[value]
            return token(value)

        return combined.sub(one, part)

    out: list[str] = []
    last = 0
    for match in LINK_RE.finditer(text):
        out.append(protect(text[last:match.start()]))
        out.append(link(match))
        last = match.end()
    out.append(protect(text[last:]))
    masked = re.sub(r"\s{2,}", " ", "".join(out)).strip()
    return Masked(masked, spans)


def unmask_spacing(original: str, restored: str) -> str:
    """Drop spaces the masking added where the source had none (before punctuation, inside brackets)."""
    fixed = re.sub(r"\s+([,.;:!?)\]»“])", r"\1", restored)
    fixed = re.sub(r"([(\[„«])\s+", r"\1", fixed)
    if original[:1].isspace() is False:
        fixed = fixed.lstrip()
    return fixed.strip() if original == original.strip() else fixed
