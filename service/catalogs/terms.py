"""Checks that read more than one entry: glossary terms kept, no German left in other scripts, speech in step with
the screen.

Each is a contextual check of the registry (checks.py): it gets a CheckContext with the catalog's
domain, its locale, the glossary, and for the speech catalog the text each entry shows.
"""
from __future__ import annotations

import hashlib
import re

from babel.messages.catalog import Catalog, Message

from ..core import glossary
from ..core.syntax import LINK_RE, PLACEHOLDER_RE
from .findings import CheckContext, Finding, msgid_of

#: A translator comment of a speech entry: the shown text it was written for, as a short hash.
SHOWN_PREFIX = "shown: "
#: Letters of scripts other than Latin (Cyrillic, Greek, Arabic, Hebrew...): such a translation is checked for German.
OTHER_SCRIPT_RE = re.compile(r"[\u0370-\u03FF\u0400-\u052F\u0590-\u06FF\u0750-\u077F\u08A0-\u08FF\uFB50-\uFEFF]")
#: A run of Latin-script words (hyphens and spaces inside), as German left in a translation shows.
LATIN_RUN_RE = re.compile(r"(?<![\w.])[A-Za-zÄÖÜäöüß][A-Za-zÄÖÜäöüß\-]*(?:[ \-][A-Za-zÄÖÜäöüß][A-Za-zÄÖÜäöüß\-]*)*")
#: What is no German prose: addresses, e-mail addresses, placeholders and link targets.
NOT_PROSE_RE = re.compile(r"\]\([^)]*\)|https?://\S+|\S+@\S+|[\w.-]+\.(?:de|net|org|com|nrw)\b")
#: An acronym or a code (NRW, BITV, WCAG, EN, HTML): the same in every language.
ACRONYM_RE = re.compile(r"^[A-Z0-9][A-Z0-9\-]*s?$")


def normalized(text: str) -> str:
    """A text with its white space folded, as a reader compares it."""
    return " ".join(text.split())


def shown_stamp(shown: str) -> str:
    """The short hash of a shown text that its speech entry records."""
    return hashlib.sha256(normalized(shown).encode("utf-8")).hexdigest()[:12]


def recorded_stamp(message: Message) -> str | None:
    """The shown-text hash a speech entry was written for, if it records one."""
    for comment in message.user_comments:
        if comment.startswith(SHOWN_PREFIX):
            return comment[len(SHOWN_PREFIX):].strip()
    return None


def stamp_message(message: Message, shown: str) -> None:
    """Record in a speech entry the shown text it is now written for."""
    message.user_comments = [c for c in message.user_comments if not c.startswith(SHOWN_PREFIX)]
    message.user_comments.append(SHOWN_PREFIX + shown_stamp(shown))


def shown_text(message: Message, context: CheckContext) -> str | None:
    """What the entry of a speech catalog shows in its locale (None: nothing translated to compare with)."""
    msgid = msgid_of(message)
    if context.shown is None:
        return msgid
    return context.shown.get(msgid) or None


def check_speech_stale(source: str, target: str, message: Message, catalog: Catalog | None,
                       context: CheckContext) -> list[Finding]:
    """A spoken override was written for the text shown now (its recorded hash fits); else it may say the old one."""
    shown = shown_text(message, context)
    if shown is None:
        return []
    recorded = recorded_stamp(message)
    if recorded == shown_stamp(shown):
        return []
    return [Finding("speech-stale", msgid_of(message), missing=(shown_stamp(shown),),
                    extra=(recorded or "none",))]


def check_speech_identical(source: str, target: str, message: Message, catalog: Catalog | None,
                           context: CheckContext) -> list[Finding]:
    """A spoken override differs from the shown text (an identical one only keeps an old version speaking)."""
    shown = shown_text(message, context)
    if shown is None or normalized(shown) != normalized(target):
        return []
    return [Finding("speech-identical", msgid_of(message))]


def check_glossary(source: str, target: str, message: Message, catalog: Catalog | None,
                   context: CheckContext) -> list[Finding]:
    """Every glossary term of the source appears in the translation in one of its accepted renderings."""
    if context.locale == context.source_locale:
        return []
    missing = [forms[0] for term, forms in context.glossary.items()
               if glossary.term_pattern(term).search(source)
               and not any(glossary.form_pattern(f).search(target) for f in forms)]
    if not missing:
        return []
    return [Finding("glossary", msgid_of(message), missing=tuple(sorted(set(missing))))]


def german_runs(target: str, terms: dict[str, tuple[str, ...]]) -> list[str]:
    """Latin-script runs of a translation in another script that are no acronym, address or glossary term."""
    text = NOT_PROSE_RE.sub(" ", PLACEHOLDER_RE.sub(" ", target))
    for term, forms in sorted(terms.items(), key=lambda item: -len(item[0])):
        for form in (term, *forms):
            text = glossary.form_pattern(form).sub(" ", text)
    runs = []
    for match in LATIN_RUN_RE.finditer(LINK_RE.sub(lambda m: m.group(1), text)):
        # Single letters are points of a legal provision ("(e)"), acronyms are the same in every language.
        words = [w for w in re.split(r"[ \-]", match.group(0)) if len(w) > 1 and not ACRONYM_RE.match(w)]
        if words:
            runs.append(match.group(0))
    return runs


def check_german_runs(source: str, target: str, message: Message, catalog: Catalog | None,
                      context: CheckContext) -> list[Finding]:
    """A page's translation in another script leaves no German (Latin) words, except acronyms and glossary terms.

    Only the pages' texts: the workbench's own strings name files, keys and commands (.po, fuzzy) on purpose.
    """
    if context.locale == context.source_locale or not OTHER_SCRIPT_RE.search(target):
        return []
    if not any("page '" in comment for comment in message.auto_comments):
        return []
    runs = german_runs(target, dict(context.glossary))
    return [Finding("german-runs", msgid_of(message), extra=tuple(runs))] if runs else []
