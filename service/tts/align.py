"""Which word of a text each phoneme of Piper's phoneme stream belongs to.

Piper (through espeak-ng) phonemizes whole clauses: it joins unstressed words ("in the" ->
``ɪnðə``), reads a number as several words ("150" -> ``wˈʌnhˈʌndɹɪd fˈɪfti``) and starts new
sentences at abbreviations, so the spaces of its stream do not count the words of the text.
Each word of the text is therefore phonemized alone, and the words' phonemes are aligned with
the stream (a longest-common-subsequence match that ignores stress marks, pauses and
punctuation): every sounding phoneme of the stream gets the index of the text word it came from.
"""
from __future__ import annotations

import difflib
import re
import unicodedata

#: Runs of non-space: the words of a text, as the page shows them.
WORD_RE = re.compile(r"\S+")
#: Stress marks: they belong to the phoneme that follows them.
STRESS = frozenset("ˈˌ")
#: Tokens of the stream that are no sound of a word: pauses, punctuation, sentence marks, padding.
SILENT = frozenset(" .,;:!?¡¿—–-…\"'()[]«»„“”‚‘’^$_")
#: Bumped whenever the mapping changes (part of the Piper backend's version, hence of cache keys).
ALIGN_VERSION = 1


def word_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) character offsets of the words of ``text``, punctuation around a word trimmed off."""
    spans = []
    for m in WORD_RE.finditer(text):
        start, end = m.start(), m.end()
        while start < end - 1 and _is_punct(text[start]):
            start += 1
        while end > start + 1 and _is_punct(text[end - 1]):
            end -= 1
        spans.append((start, end))
    return spans


def _is_punct(ch: str) -> bool:
    """Whether a character is punctuation (Unicode category P*)."""
    return unicodedata.category(ch).startswith("P")


def sounding(token: str) -> bool:
    """Whether a phoneme token is a sound of a word (not a stress mark, pause or punctuation)."""
    return token not in STRESS and token not in SILENT and not token.isspace()


def _key(token: str) -> str:
    """The form of a token that is compared (combining marks dropped: ``ɾ̃`` matches ``ɾ``)."""
    base = "".join(ch for ch in unicodedata.normalize("NFD", token) if not unicodedata.combining(ch))
    return base or token


def label_stream(words: list[list[str]], stream: list[str]) -> list[int]:
    """For each token of ``stream``, the index of the word in ``words`` it sounds, or -1 (silent tokens).

    ``words[i]`` are the phoneme tokens of word i phonemized alone; ``stream`` the tokens Piper
    speaks for the whole text. Labels never decrease along the stream; a word may get no token
    (it made no sound, e.g. a dash), and every sounding token gets a word when there is one.
    """
    a_keys: list[str] = []
    a_word: list[int] = []
    for i, tokens in enumerate(words):
        for tok in tokens:
            if sounding(tok):
                a_keys.append(_key(tok))
                a_word.append(i)
    b_pos = [j for j, tok in enumerate(stream) if sounding(tok)]
    b_keys = [_key(stream[j]) for j in b_pos]
    labels = [-1] * len(stream)
    if not a_keys or not b_keys:
        return labels
    got: list[int | None] = [None] * len(b_keys)
    matcher = difflib.SequenceMatcher(None, a_keys, b_keys, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            for k in range(j2 - j1):
                got[j1 + k] = a_word[i1 + k]
        elif op == "replace":  # spoken differently in context ("a" -> ɐ): spread over the replaced words
            for k in range(j2 - j1):
                got[j1 + k] = a_word[i1 + k * (i2 - i1) // (j2 - j1)]
    _fill_gaps(got, b_pos, stream)
    last = 0
    for k, j in enumerate(b_pos):
        step = got[k]
        last = max(last, step if step is not None else last)  # never step back
        labels[j] = last
    for j in range(len(stream) - 2, -1, -1):  # a stress mark goes with the sound after it
        if stream[j] in STRESS and labels[j + 1] >= 0:
            labels[j] = labels[j + 1]
    return labels


def _fill_gaps(got: list[int | None], b_pos: list[int], stream: list[str]) -> None:
    """Give tokens only the stream has (insertions) the word of a neighbour inside the same spoken word."""
    def same_spoken_word(k: int, n: int) -> bool:
        """Whether sounding tokens k and n are not separated by a pause or punctuation in the stream."""
        lo, hi = sorted((b_pos[k], b_pos[n]))
        return all(sounding(t) or t in STRESS for t in stream[lo:hi])

    for k in range(len(got)):
        if got[k] is not None:
            continue
        prev = next((n for n in range(k - 1, -1, -1) if got[n] is not None), None)
        nxt = next((n for n in range(k + 1, len(got)) if got[n] is not None), None)
        if prev is not None and same_spoken_word(prev, k):
            got[k] = got[prev]
        elif nxt is not None and same_spoken_word(k, nxt):
            got[k] = got[nxt]
        elif prev is not None:
            got[k] = got[prev]
        elif nxt is not None:
            got[k] = got[nxt]
