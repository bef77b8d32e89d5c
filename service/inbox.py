"""The accessibility feedback inbox: list and filter, show, mark handled with a note, export as CSV, erase, notify."""
from __future__ import annotations

import csv
import datetime as dt
import enum
import io
import re
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import Connection, Row, delete, func, or_, select, update

from . import db, mail
from .core.text import has_control
from .db.schema import feedback

#: The filters of the inbox: state -> rows it shows.
STATES = ("open", "handled", "all")
#: Roles that may read feedback (it holds names and e-mail addresses).
READER_ROLES = ("admin", "accessibility")
#: The CSV columns, in order.
CSV_FIELDS = ("id", "created", "state", "locale", "page", "name", "email", "message", "note", "handled_by",
              "handled_at")
#: A spreadsheet treats a cell starting with one of these as a formula (CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "|", "%")
#: A formula start after any character a spreadsheet may split cells at (German Excel splits at ';' even
#: inside a field it reads without quotes), behind spaces or quotes: an apostrophe goes before it (M5).
AFTER_SEPARATOR = re.compile(r"""([,;\t\r\n|])([ "']*)(?=[=+\-@|%\t\r])""")
#: The two dialects of the export: ',' (RFC 4180) and ';' (what German Excel opens by double-click).
DELIMITERS = (",", ";")
MAX_NOTE = 5000


class NoteProblem(enum.StrEnum):
    """Why a handling note is refused."""

    LENGTH = "length"  # over MAX_NOTE
    CONTROL = "control"  # control characters


class InvalidNote(ValueError):
    """A handling note is refused, for ``reason``."""

    def __init__(self, reason: NoteProblem):
        """Keep why."""
        super().__init__(reason)
        self.reason = reason


def can_read(role: str | None) -> bool:
    """Tell whether an account of this role may see the inbox."""
    return role in READER_ROLES


def _filtered(state: str, locale: str | None, text: str | None):
    """The WHERE conditions of a filter."""
    where = []
    if state in ("open", "handled"):
        where.append(feedback.c.state == state)
    if locale:
        where.append(feedback.c.locale == locale)
    text = (text or "").replace("\x00", "")  # PostgreSQL refuses NUL in text (the web refuses it first; the CLI not)
    if text:
        needle = f"%{text.lower()}%"
        where.append(or_(func.lower(feedback.c.message).like(needle), func.lower(feedback.c.name).like(needle),
                         func.lower(feedback.c.email).like(needle), func.lower(feedback.c.note).like(needle)))
    return where


def search(conn: Connection, state: str = "open", locale: str | None = None, text: str | None = None,
           limit: int | None = None, offset: int = 0) -> list[Row]:
    """Feedback matching a filter, newest first."""
    query = select(feedback).where(*_filtered(state, locale, text)).order_by(feedback.c.id.desc()).offset(offset)
    if limit is not None:
        query = query.limit(limit)
    return list(conn.execute(query))


def count(conn: Connection, state: str = "open", locale: str | None = None, text: str | None = None) -> int:
    """How many messages match a filter."""
    return int(conn.scalar(select(func.count()).select_from(feedback).where(*_filtered(state, locale, text))) or 0)


def get(conn: Connection, feedback_id: int) -> Row | None:
    """One message, or None."""
    return conn.execute(select(feedback).where(feedback.c.id == feedback_id)).first()


def locales(conn: Connection) -> list[str]:
    """The locales that feedback arrived in."""
    return [loc for (loc,) in conn.execute(select(feedback.c.locale).distinct().order_by(feedback.c.locale))]


def mark(conn: Connection, feedback_id: int, handled: bool, username: str, note: str, now: dt.datetime) -> bool:
    """Mark a message handled (or open again) and keep the note; False when there is no such message."""
    if len(note) > MAX_NOTE:
        raise InvalidNote(NoteProblem.LENGTH)
    if has_control(note):  # NUL among them, which PostgreSQL refuses in text (L2)
        raise InvalidNote(NoteProblem.CONTROL)
    values: dict[str, Any] = {"note": note, "state": "open", "handled_by": None, "handled_at": None}
    if handled:
        values.update(state="handled", handled_by=username, handled_at=mail.timestamp(now))
    with db.transaction(conn):
        result = conn.execute(update(feedback).where(feedback.c.id == feedback_id).values(**values))
    return result.rowcount > 0


def erase(conn: Connection, feedback_ids: list[int]) -> int:
    """Delete messages and the notifications about them (a request for erasure, or the purge)."""
    if not feedback_ids:
        return 0
    with db.transaction(conn):
        mail.forget(conn, "feedback", feedback_ids)
        return conn.execute(delete(feedback).where(feedback.c.id.in_(feedback_ids))).rowcount


def safe_cell(value: Any) -> str:
    """A CSV cell a spreadsheet shows as text, however it splits the line: an apostrophe goes before a formula
    start at the beginning (behind spaces or quotes) and after every separator character inside the text."""
    text = "" if value is None else str(value)
    text = AFTER_SEPARATOR.sub(r"\1\2'", text)
    start = len(text) - len(text.lstrip(" \"'"))
    if text[start:].startswith(FORMULA_START):
        text = text[:start] + "'" + text[start:]
    return text


def to_csv(rows: Iterable[Row], delimiter: str = ",") -> str:
    """Messages as CSV with a header row: every field quoted (RFC 4180), every cell formula-safe."""
    if delimiter not in DELIMITERS:
        raise ValueError(f"delimiter must be one of {DELIMITERS}")
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow(CSV_FIELDS)
    for row in rows:
        writer.writerow([safe_cell(getattr(row, name)) for name in CSV_FIELDS])
    return buffer.getvalue()


def export(rows: Iterable[Row], delimiter: str = ",") -> bytes:
    """The CSV as a file for spreadsheets: UTF-8 with a byte order mark (else Excel reads the umlauts as Latin-1)."""
    return ("\ufeff" + to_csv(rows, delimiter)).encode("utf-8")


def notify(conn: Connection, config: Mapping[str, Any], now: dt.datetime, feedback_id: int, locale: str, page: str,
           name: str, email: str, message: str) -> int | None:
    """Queue the e-mail to the accessibility contact about a new message (inside the caller's transaction)."""
    site = ((config.get("OPERATOR") or {}).get("site_url") or "").rstrip("/")
    link = f"{site}/translate/feedback/{feedback_id}" if site else f"/translate/feedback/{feedback_id}"
    body = "\n".join([
        "Über das Formular der Erklärung zur Barrierefreiheit ist eine Rückmeldung eingegangen.",
        "",
        f"Nummer: {feedback_id}",
        f"Sprache der Seite: {locale}",
        f"Seite: {page}",
        f"Name: {name or '(nicht angegeben)'}",
        f"E-Mail: {email or '(nicht angegeben)'}",
        "",
        "Nachricht:",
        message,
        "",
        f"Im Posteingang bearbeiten: {link}",
    ])
    return mail.enqueue(conn, config, now, "feedback", feedback_id, list(config.get("MAIL_FEEDBACK_TO") or []),
                        f"Barriere gemeldet (Nr. {feedback_id}, {locale})", body, reply_to=email)
