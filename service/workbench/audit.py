"""The audit log of every catalog change, kept durably in the database."""
from __future__ import annotations

from dataclasses import asdict, dataclass

from sqlalchemy import Connection, Row, func, select
from sqlalchemy import insert as sql_insert

from .. import db
from ..db.schema import wb_audit


@dataclass(frozen=True)
class Change:
    """One change of one entry."""

    username: str
    locale: str
    action: str  # save, approve, upload, suggestion
    msgid: str
    old: str
    new: str
    old_flags: str = ""
    new_flags: str = ""


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


def last_id(conn: Connection, locale: str) -> int:
    """The newest change of a locale so far (0 if none): a mark to compare a later upload with."""
    value = conn.scalar(select(func.coalesce(func.max(wb_audit.c.id), 0)).where(wb_audit.c.locale == locale))
    return int(value or 0)


def changed_since(conn: Connection, locale: str, mark: int) -> dict[str, Row]:
    """The newest change of every entry of a locale changed after a mark, by msgid."""
    rows = conn.execute(select(wb_audit).where(wb_audit.c.locale == locale, wb_audit.c.id > mark)
                        .order_by(wb_audit.c.id))
    return {row.msgid: row for row in rows}
