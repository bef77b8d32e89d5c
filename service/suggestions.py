"""Readers' suggestions of a better translation: checked, queued per locale (with an e-mail to its translators), closed.

The public form is service/web/suggest.py; the translators' queue is the workbench's (views/lists.py, views/edit.py).
"""
from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext, ngettext
from sqlalchemy import Connection, Row, func, insert, select, update

from . import db, intake, mail
from .clock import now
from .core.text import has_control
from .db.schema import utc_now, wb_suggestions

MIN_LENGTH = 2
MAX_LENGTH = 2000


def validate(text: str) -> str | None:
    """An error message for a suggestion text, or None."""
    if len(text) < MIN_LENGTH:
        return str(lazy_gettext("Bitte schreiben Sie Ihren Vorschlag."))
    if len(text) > MAX_LENGTH:
        return ngettext("Der Vorschlag ist zu lang. Bitte kürzen Sie ihn auf höchstens %(num)s Zeichen.",
                        "Der Vorschlag ist zu lang. Bitte kürzen Sie ihn auf höchstens %(num)s Zeichen.", MAX_LENGTH)
    if has_control(text):
        return str(lazy_gettext("Der Text enthält unzulässige Steuerzeichen."))
    return None


def store(conn: Connection, locale: str, slug: str, block_id: str, msgid: str, shown: str, text: str,
          taken: intake.Intake = intake.Intake.STORED, alert: bool = False) -> int:
    """Save one suggestion in the queue of its locale (and, in the same transaction, the e-mail to its translators;
    a held one has none of its own, the operator's ``alert`` tells about all of them)."""
    held = taken == intake.Intake.HELD
    with db.transaction(conn):
        result = conn.execute(insert(wb_suggestions).values(
            locale=locale, slug=slug, block_id=block_id, msgid=msgid, shown=shown, text=text, held=int(held),
        ))
        sid = db.inserted_id(result)
        if not held:
            _notify(conn, sid, locale, slug, msgid, shown, text)
        if alert:
            intake.alert(conn, intake.Form.SUGGEST, now())
    return sid


def _notify(conn: Connection, sid: int, locale: str, slug: str, msgid: str, shown: str, text: str) -> None:
    """Queue the e-mail to the locale's translators (MAIL_SUGGESTIONS_TO) about a new suggestion."""
    config = current_app.config
    site = ((config.get("OPERATOR") or {}).get("site_url") or "").rstrip("/")
    body = "\n".join([
        f"Eine Leserin oder ein Leser schlägt eine bessere Übersetzung vor (Sprache {locale}, Seite {slug}).",
        "", "Deutsches Original:", msgid, "", "Angezeigt:", shown, "", "Vorschlag:", text, "",
        f"Warteschlange: {site}/translate/{locale}/suggestions",
    ])
    recipients = list((config.get("MAIL_SUGGESTIONS_TO") or {}).get(locale) or [])
    mail.enqueue(conn, config, now(), "suggestion", sid, recipients, f"Übersetzungsvorschlag ({locale}, Nr. {sid})",
                 body)


def queue(conn: Connection, locale: str, msgid: str | None = None, state: str = "open") -> list[Row]:
    """The suggestions of a locale (or of one message) in a state, oldest first."""
    query = select(wb_suggestions).where(wb_suggestions.c.locale == locale, wb_suggestions.c.state == state)
    if msgid is not None:
        query = query.where(wb_suggestions.c.msgid == msgid)
    return list(conn.execute(query.order_by(wb_suggestions.c.id)))


def open_counts(conn: Connection) -> dict[str, int]:
    """Open suggestions per locale."""
    rows = conn.execute(select(wb_suggestions.c.locale, func.count()).where(wb_suggestions.c.state == "open")
                        .group_by(wb_suggestions.c.locale))
    return {locale: n for locale, n in rows}


def close(conn: Connection, locale: str, suggestion_id: int, state: str, username: str) -> bool:
    """Mark a suggestion of a locale done or dismissed."""
    with db.transaction(conn):
        result = conn.execute(
            update(wb_suggestions)
            .where(wb_suggestions.c.id == suggestion_id, wb_suggestions.c.locale == locale,
                   wb_suggestions.c.state == "open")
            .values(state=state, handled_by=username, handled_at=utc_now())
        )
    return result.rowcount > 0
