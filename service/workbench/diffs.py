"""Word diffs for the workbench: what a suggestion, proposal or upload would change, as escaped HTML."""
from __future__ import annotations

import difflib
import re

from markupsafe import Markup, escape

#: Words and the space between them: a diff in whole words reads better than one in letters.
TOKEN_RE = re.compile(r"\s+|\w+|[^\w\s]", re.UNICODE)


def tokens(text: str) -> list[str]:
    """A text cut into words, spaces and punctuation (joined again, they give the text back)."""
    return TOKEN_RE.findall(text)


def word_diff(old: str, new: str) -> Markup:
    """``new`` against ``old``: removed words in <del>, added ones in <ins>, every piece escaped."""
    a, b = tokens(old), tokens(new)
    parts: list[str] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            parts.append(str(escape("".join(a[i1:i2]))))
            continue
        if i2 > i1:
            parts.append(f"<del>{escape(''.join(a[i1:i2]))}</del>")
        if j2 > j1:
            parts.append(f"<ins>{escape(''.join(b[j1:j2]))}</ins>")
    return Markup("".join(parts))
