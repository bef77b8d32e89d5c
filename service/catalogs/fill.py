"""Machine suggestions written into a catalog as fuzzy entries, never over a human translation."""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from babel.messages.catalog import Catalog, Message

from ..core.locks import Locks
from .checks import check_message
from .po import lock_name, parse_po, save_po
from .status import MACHINE_COMMENT_PREFIX, TranslationStatus, is_machine, status_of


class Suggestion(Protocol):
    """What a translator (the MT service) answers for one text."""

    text: str
    status: str  # TranslationStatus.MACHINE when ``text`` is a translation
    model: str


class CatalogChanged(Exception):
    """The catalog kept changing while suggestions were made; nothing was written."""


def machine_comment(engine: str, model: str) -> str:
    """The translator comment that marks a suggestion (status.is_machine recognizes it)."""
    return f"{MACHINE_COMMENT_PREFIX} by {engine} ({model}), not reviewed"


def fill_catalog(catalog: Catalog, translate: Callable[[list[str]], dict[str, Suggestion]], engine: str,
                 model: str) -> tuple[int, int]:
    """Put suggestions into empty or machine entries as fuzzy ones; return (filled, skipped)."""
    candidates: list[tuple[str, Message]] = []
    for message in catalog:
        if not isinstance(message.id, str) or not message.id or message.context:  # a tuple id: a plural
            continue
        state = status_of(message)
        if state == TranslationStatus.MISSING or (state == TranslationStatus.MACHINE and is_machine(message)):
            candidates.append((message.id, message))
    if not candidates:
        return 0, 0
    results = translate([msgid for msgid, _ in candidates])
    filled = skipped = 0
    for msgid, message in candidates:
        result = results.get(msgid)
        if result is None or result.status != TranslationStatus.MACHINE:
            skipped += 1  # a protected span was lost: leave the entry for a person
            continue
        old = message.string
        message.string = result.text
        if check_message(message, catalog):  # e.g. a "%" the engine wrote into a python-format message
            message.string = old
            skipped += 1
            continue
        message.flags.add("fuzzy")
        message.user_comments = [c for c in message.user_comments if not c.startswith(MACHINE_COMMENT_PREFIX)]
        message.user_comments.append(machine_comment(engine, result.model or model))
        filled += 1
    return filled, skipped


def fill_po(path: Path, locale: str, translate: Callable[[list[str]], dict[str, Suggestion]], engine: str,
            model: str, locks: Locks, domain: str = "messages", attempts: int = 3,
            writer: Callable[[Path, Catalog], None] | None = None) -> tuple[int, int]:
    """Fill one .po and write it atomically, unless someone changed it meanwhile (then try again);
    ``writer(path, catalog)`` writes it (lock held; default: save_po), e.g. with its audit rows."""
    path = Path(path)
    for _ in range(attempts):
        before = path.read_bytes()
        catalog = parse_po(before, locale=locale)
        filled, skipped = fill_catalog(catalog, translate, engine, model)
        if not filled:
            return filled, skipped
        with locks.hold(lock_name(locale, domain)):  # the lock of every other writer of the catalog
            if path.read_bytes() != before:
                continue  # a translator saved while we translated: never overwrite their work
            (writer or save_po)(path, catalog)
        return filled, skipped
    raise CatalogChanged(f"{path} kept changing; try again")
