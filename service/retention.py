"""Retention: delete the personal data whose period (RETENTION, days) has passed, and report how much.

Each kind counts from its own moment: feedback from its handling (or its receipt, if never
handled), readers' suggestions from their handling (open ones are kept), the audit log from each
change, removed accounts from their removal, sent notifications from sending; rate-limit records
after RATE_LIMIT_RETENTION seconds. A row is due when that moment lies more than the period
before now. :func:`purge_if_due` lets one worker of many purge per PURGE_EVERY, by a marker row.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, Engine, delete, func, insert, select, update

from . import db, inbox, mail
from .db.schema import feedback, mail_outbox, maintenance, rate_events, wb_audit, wb_suggestions, wb_users

#: The kinds of personal data purged, in the order reported.
KINDS = ("feedback", "suggestions", "rate_limits", "audit", "accounts", "mail")
#: The marker row of the periodic purge.
MARKER = "retention-purge"


def cutoffs(config: Mapping[str, Any], now: dt.datetime) -> dict[str, dt.datetime]:
    """For each kind, the moment before which its rows are due."""
    days = config["RETENTION"]
    result = {kind: now - dt.timedelta(days=float(days[kind])) for kind in ("feedback", "suggestions", "audit",
                                                                             "accounts", "mail")}
    result["rate_limits"] = now - dt.timedelta(seconds=float(config["RATE_LIMIT_RETENTION"]))
    return result


def due_feedback(conn: Connection, before: dt.datetime) -> list[int]:
    """Feedback handled before a moment, or received before it and never handled."""
    moment = func.coalesce(feedback.c.handled_at, feedback.c.created)
    return [fid for (fid,) in conn.execute(select(feedback.c.id).where(moment < mail.timestamp(before)))]


def due_suggestions(conn: Connection, before: dt.datetime) -> list[int]:
    """Suggestions handled (done or dismissed) before a moment."""
    query = select(wb_suggestions.c.id).where(wb_suggestions.c.state != "open",
                                              wb_suggestions.c.handled_at < mail.timestamp(before))
    return [sid for (sid,) in conn.execute(query)]


def purge(conn: Connection, config: Mapping[str, Any], now: dt.datetime, dry_run: bool = False) -> dict[str, int]:
    """Delete everything due (or, with dry_run, only count it); return the count per kind."""
    cut = cutoffs(config, now)
    stamps = {kind: mail.timestamp(moment) for kind, moment in cut.items()}
    feedback_ids = due_feedback(conn, cut["feedback"])
    suggestion_ids = due_suggestions(conn, cut["suggestions"])
    conditions = {
        "rate_limits": (rate_events, rate_events.c.at < cut["rate_limits"].timestamp()),
        "audit": (wb_audit, wb_audit.c.at < stamps["audit"]),
        "accounts": (wb_users, wb_users.c.removed_at.is_not(None) & (wb_users.c.removed_at < stamps["accounts"])),
        "mail": (mail_outbox, mail_outbox.c.sent_at.is_not(None)
                 & (mail_outbox.c.sent_at < stamps["mail"])),
    }
    if dry_run:
        counts = {kind: int(conn.scalar(select(func.count()).select_from(table).where(where)) or 0)
                  for kind, (table, where) in conditions.items()}
        return {"feedback": len(feedback_ids), "suggestions": len(suggestion_ids), **counts}
    result = {"feedback": inbox.erase(conn, feedback_ids)}
    with db.transaction(conn):
        mail.forget(conn, "suggestion", suggestion_ids)
        result["suggestions"] = conn.execute(delete(wb_suggestions).where(wb_suggestions.c.id.in_(suggestion_ids))) \
            .rowcount if suggestion_ids else 0
        for kind, (table, where) in conditions.items():
            result[kind] = conn.execute(delete(table).where(where)).rowcount
    return {kind: result[kind] for kind in KINDS}


def last_purge(conn: Connection) -> str | None:
    """When the periodic purge last ran (a timestamp), or None."""
    return conn.scalar(select(maintenance.c.last_run).where(maintenance.c.name == MARKER))


def _claim(conn: Connection, now: dt.datetime, every: dt.timedelta) -> bool:
    """Take this period's purge for this process: True only for the first worker to ask once it is due."""
    with db.transaction(conn, lock=MARKER):
        last = last_purge(conn)
        if last is not None and last > mail.timestamp(now - every):
            return False
        if last is None:
            conn.execute(insert(maintenance).values(name=MARKER, last_run=mail.timestamp(now)))
        else:
            conn.execute(update(maintenance).where(maintenance.c.name == MARKER).values(last_run=mail.timestamp(now)))
    return True


def purge_if_due(engine: Engine, config: Mapping[str, Any], now: dt.datetime) -> dict[str, int] | None:
    """Purge when the last purge is PURGE_EVERY seconds old (or never ran); None when another did it already."""
    with engine.connect() as conn:
        if not _claim(conn, now, dt.timedelta(seconds=float(config["PURGE_EVERY"]))):
            return None
        return purge(conn, config, now)
