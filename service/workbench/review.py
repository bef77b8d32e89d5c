"""Review: a translator's text waits in wb_pending until someone with the reviewer right approves or rejects it.

The .po keeps the reviewed text, so pages show it while a proposal waits (as they show an outdated
entry's previous translation). Approving writes the proposal into the .po through the store.
"""
from __future__ import annotations

import json
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import Connection, delete, insert, select

from .. import db
from ..db.schema import wb_pending
from . import audit
from .auth import User
from .entries import CatalogEntry

#: The longest comment a rejection keeps.
MAX_COMMENT = 2000


class ProposalChanged(Exception):
    """Someone proposed, approved or rejected another text for the entry since the editor was opened."""


@dataclass(frozen=True)
class Proposal:
    """A text waiting for review."""

    id: int
    locale: str
    entry: str
    msgid: str
    strings: tuple[str, ...]
    base: str
    username: str
    created: str


def _proposal(row) -> Proposal:
    """A row as a Proposal."""
    return Proposal(row.id, row.locale, row.entry, row.msgid, tuple(json.loads(row.strings)), row.base,
                    row.username, row.created)


def waiting(conn: Connection, locale: str) -> dict[str, Proposal]:
    """Every proposal of a locale, by entry key."""
    rows = conn.execute(select(wb_pending).where(wb_pending.c.locale == locale))
    return {row.entry: _proposal(row) for row in rows}


def get(conn: Connection, locale: str, key: str) -> Proposal | None:
    """The proposal of one entry, or None."""
    row = conn.execute(select(wb_pending).where(wb_pending.c.locale == locale, wb_pending.c.entry == key)).first()
    return _proposal(row) if row is not None else None


def _check_seen(current: Proposal | None, seen: int) -> None:
    """Refuse when the proposal now waiting is not the one the editor showed (0: none)."""
    if (current.id if current else 0) != seen:
        raise ProposalChanged()


def put(conn: Connection, locale: str, entry: CatalogEntry, strings: tuple[str, ...], username: str,
        action: str = "propose", comment: str = "") -> None:
    """Make a checked text the entry's proposal, in the caller's transaction; audited with ``action`` (and a
    ``comment``: the machine mark of a text saved unchanged from a machine suggestion)."""
    current = get(conn, locale, entry.key)
    old = current.strings if current else entry.strings
    conn.execute(delete(wb_pending).where(wb_pending.c.locale == locale, wb_pending.c.entry == entry.key))
    conn.execute(insert(wb_pending).values(locale=locale, entry=entry.key, msgid=entry.msgid,
                                           strings=json.dumps(list(strings), ensure_ascii=False),
                                           base=entry.revision, username=username))
    audit.insert(conn, [audit.Change(username, locale, action, entry.msgid, "\n".join(old), "\n".join(strings),
                                     ",".join(entry.flags), ",".join(entry.flags), comment=comment)])


def propose(conn: Connection, locale: str, entry: CatalogEntry, strings: tuple[str, ...], seen: int,
            username: str, comment: str = "") -> Proposal:
    """Put a checked text up for review (replacing the proposal the editor showed); audited as "propose"."""
    with db.transaction(conn):
        _check_seen(get(conn, locale, entry.key), seen)
        put(conn, locale, entry, strings, username, comment=comment)
    proposal = get(conn, locale, entry.key)
    assert proposal is not None
    return proposal


def settle(conn: Connection, locale: str, key: str, seen: int) -> None:
    """Take a proposal off the queue once its text (or a reviewer's) is in the catalog."""
    with db.transaction(conn):
        conn.execute(delete(wb_pending).where(wb_pending.c.locale == locale, wb_pending.c.entry == key,
                                              wb_pending.c.id == seen))


def reject(conn: Connection, locale: str, entry: CatalogEntry, seen: int, username: str, comment: str) -> Proposal:
    """Refuse the proposal the reviewer saw, with a comment its author reads in the history."""
    with db.transaction(conn):
        current = get(conn, locale, entry.key)
        if current is None:
            raise ProposalChanged()
        _check_seen(current, seen)
        conn.execute(delete(wb_pending).where(wb_pending.c.id == current.id))
        audit.insert(conn, [audit.Change(username, locale, "reject", entry.msgid, "\n".join(current.strings),
                                         "\n".join(entry.strings), comment=comment[:MAX_COMMENT])])
    return current


def is_reviewer(user: User, locale: str) -> bool:
    """Tell whether a user has the reviewer right for a locale (admins, listed reviewers, self-approval locales)."""
    if user.is_admin:
        return True
    if not user.can_write(locale):
        return False
    if locale in current_app.config["WORKBENCH_SELF_APPROVAL"]:
        return True
    return user.username in (current_app.config["WORKBENCH_REVIEWERS"].get(locale) or ())


def may_approve(user: User, locale: str, author: str) -> bool:
    """Tell whether a user may approve a text written by ``author`` (their own only where the locale allows it)."""
    if not is_reviewer(user, locale):
        return False
    if author != user.username or user.is_admin:
        return True
    return locale in current_app.config["WORKBENCH_SELF_APPROVAL"]
