"""A catalog message as the workbench shows it: a stable key for URLs, a revision for safe saves, its status."""
from __future__ import annotations

import enum
import hashlib
import json
from dataclasses import dataclass, field, replace
from functools import cached_property

from babel.messages.catalog import Catalog, Message

from .. import catalogs


class Status(enum.StrEnum):
    """What the workbench says of an entry; REVIEW: a translator's text waits for a reviewer."""

    HUMAN = "human"
    MACHINE = "machine"
    OUTDATED = "outdated"
    MISSING = "missing"
    REVIEW = "review"


@dataclass(frozen=True)
class CatalogEntry:
    """One message of a locale's catalog, as the workbench shows it."""

    key: str
    msgid: str
    msgid_plural: str | None
    context: str | None
    strings: tuple[str, ...]
    fuzzy: bool
    status: Status
    revision: str
    comments: tuple[str, ...] = ()
    #: The translators' own comments of the entry (``# ...``), without the mark of a machine suggestion.
    notes: tuple[str, ...] = ()
    machine_note: str | None = None
    previous_id: str | None = None
    locations: tuple[tuple[str, int], ...] = ()
    flags: tuple[str, ...] = field(default_factory=tuple)

    @property
    def text(self) -> str:
        """The (first) translation."""
        return self.strings[0] if self.strings else ""

    @cached_property
    def haystack(self) -> str:
        """Source, translation, comments and context, casefolded, for the list's search (computed once: entries are
        cached)."""
        return "\n".join((self.msgid, self.msgid_plural or "", *self.strings, *self.comments, *self.notes,
                          self.context or "")).casefold()

    @property
    def plural(self) -> bool:
        """Tell whether the entry has plural forms."""
        return self.msgid_plural is not None


def entry_key(message: Message) -> str:
    """A stable id of a message in URLs: a hash of its context and msgid."""
    ident = message.id if isinstance(message.id, str) else "\x00".join(message.id)
    return hashlib.sha256(f"{message.context or ''}\x04{ident}".encode()).hexdigest()[:16]


def _strings_of(message: Message, catalog: Catalog) -> tuple[str, ...]:
    """The translation of a message as a tuple (one string, or one per plural form)."""
    if message.pluralizable:
        values = list(message.string or ())
        values += [""] * (catalog.num_plurals - len(values))
        return tuple(v or "" for v in values)
    return (message.string if isinstance(message.string, str) else "",)


def revision(message: Message, catalog: Catalog) -> str:
    """The version of an entry: a hash of msgid, msgstr and flags."""
    payload = json.dumps([message.context, message.id, list(_strings_of(message, catalog)), sorted(message.flags)],
                         ensure_ascii=False)
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


def to_entry(message: Message, catalog: Catalog) -> CatalogEntry:
    """Describe a catalog message for the workbench."""
    singular = message.id if isinstance(message.id, str) else message.id[0]
    plural = None if isinstance(message.id, str) else message.id[1]
    previous = message.previous_id[0] if message.previous_id else None
    machine = catalogs.machine_comments(message)
    return CatalogEntry(
        key=entry_key(message),
        msgid=singular,
        msgid_plural=plural,
        context=message.context,
        strings=_strings_of(message, catalog),
        fuzzy=message.fuzzy,
        status=Status(catalogs.status_of(message)),
        revision=revision(message, catalog),
        comments=tuple(c for c in message.auto_comments if c not in machine),
        notes=tuple(c for c in message.user_comments if c not in machine),
        machine_note=machine[0] if machine else None,
        previous_id=previous,
        locations=tuple((str(f), int(n or 0)) for f, n in message.locations),
        flags=tuple(sorted(message.flags)),
    )


def waiting(entry: CatalogEntry) -> CatalogEntry:
    """The entry marked as waiting for review (its strings stay the reviewed ones)."""
    return replace(entry, status=Status.REVIEW)


def counts(entries: list[CatalogEntry]) -> dict[str, int]:
    """How many entries have each status, and in all."""
    result: dict[str, int] = dict.fromkeys(Status, 0)
    for entry in entries:
        result[entry.status] += 1
    result["total"] = len(entries)
    return result
