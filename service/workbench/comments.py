"""Comments on an entry between translators and the city's editors: written, shown, listed per locale, resolved.

A comment belongs to an entry of one locale (its key, with the German source kept for lists and
the digest). It is open until someone who may edit the locale resolves it. Its text is checked
as every text people type: bounded, NFC, no control characters, no overlong run of combining marks.
"""
from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import Connection, Row, func, insert, select, update

from .. import db, mail
from ..core.messages import N_, Np_
from ..core.text import UnsafeText, clean_text, has_control
from ..db.schema import wb_comments

#: The longest comment, in characters (a few paragraphs; the form says so).
MAX_COMMENT = 2000


class CommentState(enum.StrEnum):
    """Open until resolved."""

    OPEN = "open"
    RESOLVED = "resolved"


class Problem(enum.StrEnum):
    """Why a comment was refused."""

    EMPTY = "empty"
    LENGTH = "length"
    CONTROL = "control"
    MARKS = "marks"


#: What the form says for each problem (German source, a counted one as a pair; translated where it is shown).
MESSAGES: dict[Problem, str | tuple[str, str]] = {
    Problem.EMPTY: N_("Bitte schreiben Sie einen Kommentar."),
    Problem.LENGTH: Np_("Der Kommentar ist zu lang (höchstens %(num)s Zeichen).",
                        "Der Kommentar ist zu lang (höchstens %(num)s Zeichen)."),
    Problem.CONTROL: N_("Der Text enthält unzulässige Steuerzeichen."),
    Problem.MARKS: N_("Der gesendete Text enthält eine lange Folge von Akzent- oder Kombinationszeichen, wie sie "
                      "keine Sprache verwendet. Bitte prüfen Sie Ihre Eingabe."),
}


class InvalidComment(ValueError):
    """A comment that is not stored; ``problem`` says why."""

    def __init__(self, problem: Problem):
        """Keep why."""
        super().__init__(problem.value)
        self.problem = problem


def checked(text: str | None) -> str:
    """The comment as stored (NFC, plain line breaks, trimmed); InvalidComment when it cannot be stored."""
    raw = text or ""
    if len(raw) > MAX_COMMENT * 2:  # far over the bound: refused before normalizing
        raise InvalidComment(Problem.LENGTH)
    try:
        value = clean_text(raw)
    except UnsafeText:
        raise InvalidComment(Problem.MARKS) from None
    if not value:
        raise InvalidComment(Problem.EMPTY)
    if len(value) > MAX_COMMENT:
        raise InvalidComment(Problem.LENGTH)
    if has_control(value):  # NUL among them, which PostgreSQL refuses in text
        raise InvalidComment(Problem.CONTROL)
    return value


def add(conn: Connection, locale: str, entry: str, msgid: str, username: str, text: str, now: dt.datetime) -> int:
    """Store a comment on an entry; return its id (InvalidComment when the text cannot be stored)."""
    value = checked(text)
    with db.transaction(conn):
        result = conn.execute(insert(wb_comments).values(
            created=mail.timestamp(now), locale=locale, entry=entry, msgid=msgid, username=username, text=value,
        ))
    return db.inserted_id(result)


def of_entry(conn: Connection, locale: str, entry: str) -> list[Row]:
    """Every comment on an entry, oldest first."""
    return list(conn.execute(select(wb_comments).where(wb_comments.c.locale == locale, wb_comments.c.entry == entry)
                             .order_by(wb_comments.c.id)))


def _where(locale: str, state: str) -> list[Any]:
    """The conditions of a locale's list: open comments, or all."""
    where = [wb_comments.c.locale == locale]
    if state == CommentState.OPEN:
        where.append(wb_comments.c.state == CommentState.OPEN.value)
    return where


def listing(conn: Connection, locale: str, state: str, limit: int, offset: int = 0) -> list[Row]:
    """A page of a locale's comments (open ones, or all), newest first."""
    return list(conn.execute(select(wb_comments).where(*_where(locale, state))
                             .order_by(wb_comments.c.id.desc()).limit(limit).offset(offset)))


def count(conn: Connection, locale: str, state: str) -> int:
    """How many comments of a locale a list holds."""
    return int(conn.scalar(select(func.count()).select_from(wb_comments).where(*_where(locale, state))) or 0)


def resolve(conn: Connection, locale: str, comment_id: int, username: str, now: dt.datetime) -> bool:
    """Mark an open comment of a locale resolved; False when there is no such open comment."""
    with db.transaction(conn):
        result = conn.execute(update(wb_comments).where(
            wb_comments.c.id == comment_id, wb_comments.c.locale == locale,
            wb_comments.c.state == CommentState.OPEN.value,
        ).values(state=CommentState.RESOLVED.value, resolved_by=username, resolved_at=mail.timestamp(now)))
    return result.rowcount == 1


def written_between(conn: Connection, locale: str, start: str, end: str) -> list[Row]:
    """The comments of a locale written after ``start`` and up to ``end`` (timestamps), oldest first."""
    return list(conn.execute(select(wb_comments).where(
        wb_comments.c.locale == locale, wb_comments.c.created > start, wb_comments.c.created <= end,
    ).order_by(wb_comments.c.id)))
