"""The status of a catalog entry: human, machine, outdated or missing; counts; whether an outdated one still fits."""
from __future__ import annotations

import difflib
import enum

from babel.messages.catalog import Catalog, Message

#: An auto comment starting with this marks a machine suggestion (written by ``flask mt fill``).
MACHINE_COMMENT_PREFIX = "machine-translated"
#: How alike an outdated entry's old and new source must be for readers to be shown its translation.
OUTDATED_SIMILARITY = 0.8


class TranslationStatus(enum.StrEnum):
    """The state of a catalog entry's translation."""

    HUMAN = "human"  # reviewed
    MACHINE = "machine"  # a machine suggestion nobody reviewed (fuzzy, with the machine comment)
    OUTDATED = "outdated"  # fuzzy: its source changed since it was translated
    MISSING = "missing"


STATUSES = tuple(TranslationStatus)


def filled(value: str | tuple[str, ...] | list[str] | None) -> list[str]:
    """The non-empty translations of an entry (one, or one per plural form)."""
    if not value:
        return []
    values = [value] if isinstance(value, str) else list(value)
    return [v for v in values if v]


def machine_comments(message: Message) -> list[str]:
    """The comments that mark a machine suggestion."""
    return [c for c in [*message.auto_comments, *message.user_comments] if c.startswith(MACHINE_COMMENT_PREFIX)]


def is_machine(message: Message) -> bool:
    """Tell whether an entry holds an unreviewed machine suggestion."""
    return message.fuzzy and bool(machine_comments(message))


def close_to_previous(message: Message) -> bool:
    """Tell whether an outdated translation still fits: its old source is close to the new one.

    Babel's fuzzy matching also pairs new short strings with unrelated old ones ("Übersetzung veraltet"
    with "Durchsetzungsverfahren"); such a guess is a hint for translators, not text for readers.
    """
    if not message.previous_id:
        return False
    old = message.previous_id[0]
    new = message.id if isinstance(message.id, str) else message.id[0]
    return difflib.SequenceMatcher(None, old, new).ratio() >= OUTDATED_SIMILARITY


def status_of(message: Message | None) -> TranslationStatus:
    """The state of an entry's translation (missing for no entry)."""
    if message is None or not filled(message.string):
        return TranslationStatus.MISSING
    if message.fuzzy:
        return TranslationStatus.MACHINE if is_machine(message) else TranslationStatus.OUTDATED
    return TranslationStatus.HUMAN


def counts(catalog: Catalog) -> dict[TranslationStatus, int]:
    """How many entries are human, machine, outdated and missing."""
    result = dict.fromkeys(STATUSES, 0)
    for message in catalog:
        if message.id:
            result[status_of(message)] += 1
    return result
