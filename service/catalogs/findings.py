"""What a check is and what it finds, as data: Finding, Check, the context some checks read, and comparing lists."""
from __future__ import annotations

import enum
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from babel.messages.catalog import Catalog, Message


class Severity(enum.StrEnum):
    """An error refuses a save, an upload and a compile; a warning is shown and fails only `flask i18n check`."""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Finding:
    """One thing wrong with one entry, as data: which check, which message, what is missing and extra."""

    check: str
    msgid: str
    #: What the source has (or the language needs) that the translation lacks.
    missing: tuple[str, ...] = ()
    #: What the translation has that the source does not (or that is malformed).
    extra: tuple[str, ...] = ()
    #: What the source has of this kind in all (placeholders, links, forms...), for messages that list it.
    expected: tuple[str, ...] = ()


@dataclass(frozen=True)
class CheckContext:
    """What some checks need beyond one catalog: its domain and locale, the shown texts, the glossary."""

    domain: str = "messages"
    locale: str | None = None
    #: For the speech catalog: the text each msgid shows in this locale (None: the source locale, msgid itself).
    shown: Mapping[str, str] | None = None
    #: Source term -> accepted renderings (core.glossary).
    glossary: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    #: The source locale, whose translations are the source itself.
    source_locale: str = "de"


#: ``check(source, target, message, catalog)``: the findings of one translation of a message.
CheckFunction = Callable[[str, str, Message, "Catalog | None"], list[Finding]]
#: ``check(source, target, message, catalog, context)``: a check that reads a CheckContext.
ContextCheckFunction = Callable[[str, str, Message, "Catalog | None", CheckContext], list[Finding]]


@dataclass(frozen=True)
class Check:
    """A check as data: its id, its function, its English wording, and when it runs."""

    id: str
    function: CheckFunction | ContextCheckFunction
    #: English, for the command line, logs and Babel; {missing}, {extra} and {expected} are filled in.
    text: str
    #: "form": each non-empty (source, translation) pair; "message": once per entry;
    #: "template": once per message of the template (``message`` is the template's, ``catalog`` the locale's).
    scope: str = "form"
    #: Runs only when every message must be translated and reviewed (``flask i18n check``).
    complete: bool = False
    #: The catalog domains it applies to; empty: every domain.
    domains: tuple[str, ...] = ()
    #: The function takes a CheckContext as fifth argument.
    contextual: bool = False
    severity: Severity = Severity.ERROR

    def applies_to(self, domain: str) -> bool:
        """Tell whether the check runs on a catalog of this domain."""
        return not self.domains or domain in self.domains


def msgid_of(message: Message) -> str:
    """The (singular) msgid of a message."""
    return message.id if isinstance(message.id, str) else message.id[0]


def difference(source: list[str], target: list[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """What ``source`` has that ``target`` lacks, and the reverse, counting repeats, sorted."""
    have, want = Counter(target), Counter(source)
    return tuple(sorted((want - have).elements())), tuple(sorted((have - want).elements()))


def compare(check_id: str, source_items: list[str], target_items: list[str], message: Message) -> list[Finding]:
    """One finding when two lists of items differ, else none."""
    missing, extra = difference(source_items, target_items)
    if not missing and not extra:
        return []
    return [Finding(check_id, msgid_of(message), missing, extra, tuple(sorted(source_items)))]
