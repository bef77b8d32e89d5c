"""The audit log of every catalog change, kept durably in the database."""
from __future__ import annotations

from dataclasses import asdict, dataclass

from sqlalchemy import Connection, Row, case, func, select
from sqlalchemy import insert as sql_insert

from .. import db
from ..db.schema import wb_audit


@dataclass(frozen=True)
class Change:
    """One change of one entry."""

    username: str
    locale: str
    action: str  # save, approve, upload, suggestion, propose, reject, revert
    msgid: str
    old: str
    new: str
    old_flags: str = ""
    new_flags: str = ""
    comment: str = ""


def insert(conn: Connection, changes: list[Change]) -> None:
    """Add changes to the caller's open transaction."""
    if changes:
        conn.execute(sql_insert(wb_audit), [asdict(c) for c in changes])


def record(conn: Connection, changes: list[Change]) -> None:
    """Write changes in a transaction of their own."""
    with db.transaction(conn):
        insert(conn, changes)


def history(conn: Connection, locale: str, msgid: str | None = None, limit: int = 100) -> list[Row]:
    """The newest changes of a locale, or of one entry."""
    query = select(wb_audit).where(wb_audit.c.locale == locale)
    if msgid is not None:
        query = query.where(wb_audit.c.msgid == msgid)
    return list(conn.execute(query.order_by(wb_audit.c.id.desc()).limit(limit)))


def get(conn: Connection, locale: str, change_id: int) -> Row | None:
    """One change of a locale by id, or None."""
    return conn.execute(select(wb_audit).where(wb_audit.c.id == change_id, wb_audit.c.locale == locale)).first()


def last_id(conn: Connection, locale: str) -> int:
    """The newest change of a locale so far (0 if none): a mark to compare a later upload with."""
    value = conn.scalar(select(func.coalesce(func.max(wb_audit.c.id), 0)).where(wb_audit.c.locale == locale))
    return int(value or 0)


def changed_since(conn: Connection, locale: str, mark: int) -> dict[str, Row]:
    """The newest change of every entry of a locale changed after a mark, by msgid."""
    rows = conn.execute(select(wb_audit).where(wb_audit.c.locale == locale, wb_audit.c.id > mark)
                        .order_by(wb_audit.c.id))
    return {row.msgid: row for row in rows}


#: Actions that write a person's text (saved), approve it, or reject it: the contribution figures' columns.
SAVED = ("save", "propose", "upload", "revert")
APPROVED = ("approve",)
REJECTED = ("reject",)


@dataclass(frozen=True)
class Contribution:
    """What one account did in a locale over a period."""

    username: str
    saved: int
    approved: int
    rejected: int


def page(conn: Connection, locale: str, number: int, per_page: int, upto: int) -> tuple[list[Row], int]:
    """One page of a locale's changes up to the change ``upto``, newest first by id; and how many there are."""
    where = (wb_audit.c.locale == locale, wb_audit.c.id <= upto)
    total = int(conn.scalar(select(func.count()).select_from(wb_audit).where(*where)) or 0)
    rows = conn.execute(select(wb_audit).where(*where).order_by(wb_audit.c.id.desc())
                        .offset((max(1, number) - 1) * per_page).limit(per_page))
    return list(rows), total


def contributions(conn: Connection, locale: str, since: str, before: str) -> list[Contribution]:
    """Per account: texts saved, approved and rejected in a locale from ``since`` up to ``before`` (timestamps as
    stored: ISO text, so comparing text compares moments); accounts that did none of these are left out."""

    def tally(actions: tuple[str, ...]):
        """How many of a kind of change, per account."""
        return func.sum(case((wb_audit.c.action.in_(actions), 1), else_=0))

    query = (select(wb_audit.c.username, tally(SAVED), tally(APPROVED), tally(REJECTED))
             .where(wb_audit.c.locale == locale, wb_audit.c.at >= since, wb_audit.c.at < before,
                    wb_audit.c.action.in_(SAVED + APPROVED + REJECTED))
             .group_by(wb_audit.c.username).order_by(wb_audit.c.username))
    return [Contribution(name, int(s or 0), int(a or 0), int(r or 0)) for name, s, a, r in conn.execute(query)]
