"""Speech text: cleaned for speech, terms written out, overrides aligned, each character mapped to the shown text."""
from __future__ import annotations

import bisect
import difflib
import re
import unicodedata
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
#: A shown word that may end a sentence: final punctuation, then closing quotes or brackets.
SENTENCE_END_RE = re.compile(r"[.!?…؟۔][\"'”’»«)\]]*$")
#: Arabic letters written several ways that mean the same word when diacritics are dropped.
ARABIC_FOLD = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه", "ؤ": "و", "ئ": "ي"})


@dataclass(frozen=True)
class Spoken:
    """Text to hand to an engine and, for each of its characters, the span of shown characters it stands for."""

    text: str
    source: tuple[int, ...]
    ends: tuple[int, ...] = ()

    def span(self, pos: int) -> tuple[int, int]:
        """The shown characters [start, end) that spoken character ``pos`` stands for."""
        start = self.source[pos]
        return start, self.ends[pos] if self.ends else start + 1


def clean(text: str, terms: dict[str, str] | None = None) -> Spoken:
    """Drop URLs, e-mail addresses and decorative characters; write out lexicon ``terms``."""
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
    spoken = Spoken("".join(chars), tuple(source), tuple(i + 1 for i in source))
    return expand_terms(spoken, terms) if terms else spoken


def terms_pattern(terms: dict[str, str]) -> re.Pattern[str]:
    """A regular expression that finds any of the terms as a whole word, longest first."""
    return re.compile(r"(?<!\w)(" + "|".join(re.escape(t) for t in sorted(terms, key=len, reverse=True)) + r")(?!\w)")


def expand_terms(spoken: Spoken, terms: dict[str, str] | None) -> Spoken:
    """Replace whole-word terms by their spoken form; every spoken character of a hit maps to the whole term."""
    terms = {k: v for k, v in (terms or {}).items() if k and v and k != v}
    if not terms:
        return spoken
    chars: list[str] = []
    source: list[int] = []
    ends: list[int] = []
    pos = 0
    for m in terms_pattern(terms).finditer(spoken.text):
        chars.extend(spoken.text[pos:m.start()])
        for i in range(pos, m.start()):
            s, e = spoken.span(i)
            source.append(s)
            ends.append(e)
        spans = [spoken.span(i) for i in range(m.start(), m.end())]
        first, last = min(s for s, _ in spans), max(e for _, e in spans)
        repl = " ".join(terms[m.group(1)].split())
        chars.extend(repl)
        source.extend(first for _ in repl)
        ends.extend(last for _ in repl)
        pos = m.end()
    chars.extend(spoken.text[pos:])
    for i in range(pos, len(spoken.text)):
        s, e = spoken.span(i)
        source.append(s)
        ends.append(e)
    return Spoken("".join(chars), tuple(source), tuple(ends))


def fold(word: str) -> str:
    """A word as compared across shown and spoken text: no case, diacritics (Arabic vowel marks), punctuation."""
    decomposed = unicodedata.normalize("NFKD", word.translate(ARABIC_FOLD))
    kept = "".join(ch for ch in decomposed if unicodedata.category(ch)[0] in "LN" and ch != "\u0640")
    return unicodedata.normalize("NFC", kept).casefold().translate(ARABIC_FOLD)


def align_words(shown: list[str], spoken: list[str]) -> list[tuple[int, int]]:
    """For each spoken word, the range [first, last] of shown words it stands for (a sequence alignment)."""
    if not shown:
        return [(0, 0)] * len(spoken)
    out: list[tuple[int, int]] = [(0, 0)] * len(spoken)
    matcher = difflib.SequenceMatcher(None, [fold(w) for w in shown], [fold(w) for w in spoken], autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            for k in range(j2 - j1):
                out[j1 + k] = (i1 + k, i1 + k)
        elif op == "replace":
            n, m = i2 - i1, j2 - j1
            for k in range(m):  # spread the spoken words evenly over the shown ones they replace
                first = i1 + k * n // m
                out[j1 + k] = (first, max(first, i1 + (k + 1) * n // m - 1))
        elif op == "insert":  # spoken, not shown: belongs to the shown word before (or the first one)
            anchor = max(0, min(i1 - 1, len(shown) - 1)) if i1 else 0
            for k in range(j1, j2):
                out[k] = (anchor, anchor)
    return out


def aligned(shown: str, speech: str, terms: dict[str, str] | None = None) -> Spoken:
    """A translator's spoken wording, each word mapped to the shown words it was aligned with.

    Both sides are compared as they are spoken (lexicon terms written out), so an override that says a
    term the way the lexicon does lines up with it exactly.
    """
    said = clean(speech, terms)
    target = clean(shown, terms)
    target_matches = list(WORD_RE.finditer(target.text))
    said_matches = list(WORD_RE.finditer(said.text))
    pairs = align_words([m.group() for m in target_matches], [m.group() for m in said_matches])
    whole = (0, max(len(shown), 1))
    spans = []
    for a, b in pairs:
        if not target_matches:
            spans.append(whole)
            continue
        chars = range(target_matches[a].start(), target_matches[b].end())
        spans.append((min(target.span(i)[0] for i in chars), max(target.span(i)[1] for i in chars)))
    source = [whole[0]] * len(said.text)
    ends = [whole[1]] * len(said.text)
    for k, m in enumerate(said_matches):
        for i in range(m.start(), min(m.end() + 1, len(said.text))):  # the space after a word belongs to it
            source[i], ends[i] = spans[k]
    return Spoken(said.text, tuple(source), tuple(ends))


def spoken_text(shown: str, speech: str | None = None, terms: dict[str, str] | None = None) -> Spoken:
    """What the engine says for a shown text: the override aligned to it, or the shown text cleaned."""
    if speech:
        return aligned(shown, speech, terms)
    return clean(shown, terms)


def word_starts(text: str) -> list[int]:
    """Character offsets where the words (runs of non-space) of ``text`` begin."""
    return [m.start() for m in WORD_RE.finditer(text)]


def word_index(starts: list[int], pos: int) -> int:
    """The index of the word containing (or last before) character ``pos``."""
    return max(0, bisect.bisect_right(starts, pos) - 1)


def sentence_starts(text: str) -> list[int]:
    """Indexes of the shown words that may begin a sentence: the first, and each after final punctuation."""
    words = WORD_RE.findall(text)
    starts = [0] if words else []
    for i, word in enumerate(words[:-1]):
        nxt = words[i + 1]
        if SENTENCE_END_RE.search(word) and not nxt[:1].islower():
            starts.append(i + 1)
    return starts
