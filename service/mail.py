"""E-mail notifications through a durable outbox: written with the message they tell about, sent over SMTP, retried.

A notification is a row of ``mail_outbox`` inserted in the same transaction as the feedback or
suggestion it announces, so nothing is told about that was not stored, and nothing stored is
forgotten when the mail server is down. :func:`deliver_due` sends what is due; a row is leased
(``next_attempt`` pushed ahead) before sending, so two workers never send the same row at once.
A failed send is kept with its error and retried with growing delays until it goes through.
"""
from __future__ import annotations

import datetime as dt
import logging
import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Any

from sqlalchemy import Connection, Engine, Row, delete, func, insert, or_, select, update

from . import db
from .db.schema import TIMESTAMP_FORMAT, mail_outbox

log = logging.getLogger(__name__)

#: While one worker sends a row, others leave it alone this long.
LEASE = dt.timedelta(minutes=5)
#: First retry after this; each further failure doubles it, up to MAIL_RETRY_MAX_DELAY.
FIRST_RETRY = dt.timedelta(minutes=1)
#: Rows one delivery run handles at most (the rest wait for the next run).
BATCH = 50


class MailError(RuntimeError):
    """A message could not be handed to the mail server; the outbox keeps it for a retry."""


@dataclass(frozen=True)
class Delivery:
    """What one delivery run did."""

    sent: int = 0
    failed: int = 0


def stamp(moment: dt.datetime) -> str:
    """A moment as the timestamp columns store it."""
    return moment.astimezone(dt.UTC).strftime(TIMESTAMP_FORMAT)


def enabled(config: Mapping[str, Any]) -> bool:
    """Tell whether e-mail is configured at all (MAIL_HOST set)."""
    return bool(config.get("MAIL_HOST"))


def enqueue(conn: Connection, config: Mapping[str, Any], now: dt.datetime, topic: str, ref_id: int,
            recipients: list[str], subject: str, body: str, reply_to: str = "") -> int | None:
    """Add a notification to the caller's transaction; None when mail is off or nobody is to be told."""
    recipients = [r.strip() for r in recipients if r and r.strip()]
    if not enabled(config) or not recipients:
        return None
    result = conn.execute(insert(mail_outbox).values(
        created=stamp(now), topic=topic, ref_id=ref_id, recipients=",".join(recipients), subject=subject,
        body=body, reply_to=reply_to, next_attempt=stamp(now),
    ))
    return db.inserted_id(result)


def build(config: Mapping[str, Any], row: Row, now: dt.datetime) -> EmailMessage:
    """The e-mail of an outbox row (UTF-8, a Message-ID, Reply-To the sender of the feedback if given)."""
    message = EmailMessage()
    message["From"] = config["MAIL_SENDER"]
    message["To"] = ", ".join(row.recipients.split(","))
    message["Subject"] = row.subject
    message["Date"] = format_datetime(now.astimezone(dt.UTC))
    message["Message-ID"] = make_msgid(f"outbox-{row.id}", domain=config["MAIL_SENDER"].rpartition("@")[2] or None)
    if row.reply_to:
        message["Reply-To"] = row.reply_to
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(row.body)
    return message


def send(config: Mapping[str, Any], message: EmailMessage) -> None:
    """Hand one message to the configured SMTP server; MailError with the reason when that fails."""
    host, port, timeout = config["MAIL_HOST"], int(config["MAIL_PORT"]), float(config["MAIL_TIMEOUT"])
    try:
        with smtplib.SMTP(host, port, timeout=timeout) as smtp:
            smtp.ehlo()
            if config.get("MAIL_STARTTLS"):
                # starttls() raises SMTPNotSupportedError when the server does not offer it: never send in clear.
                context = ssl.create_default_context(cafile=config.get("MAIL_CA_FILE") or None)
                smtp.starttls(context=context)
                smtp.ehlo()
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
            smtp.send_message(message)
    except (TimeoutError, smtplib.SMTPException, OSError, ssl.SSLError) as exc:
        raise MailError(f"{type(exc).__name__}: {exc}") from exc


def _backoff(config: Mapping[str, Any], attempts: int) -> dt.timedelta:
    """How long to wait after the n-th failed attempt."""
    limit = dt.timedelta(seconds=float(config["MAIL_RETRY_MAX_DELAY"]))
    return min(FIRST_RETRY * (2 ** max(0, attempts - 1)), limit)


def _claim(conn: Connection, row: Row, now: dt.datetime) -> bool:
    """Lease a due row for this worker; False when another worker took it first."""
    with db.transaction(conn, lock=f"mail:{row.id}"):
        result = conn.execute(update(mail_outbox).where(
            mail_outbox.c.id == row.id, mail_outbox.c.sent_at.is_(None),
            mail_outbox.c.next_attempt == row.next_attempt,
        ).values(next_attempt=stamp(now + LEASE)))
    return result.rowcount == 1


def due(conn: Connection, now: dt.datetime, limit: int = BATCH) -> list[Row]:
    """Unsent rows whose time has come, oldest first."""
    query = (select(mail_outbox).where(mail_outbox.c.sent_at.is_(None), mail_outbox.c.next_attempt <= stamp(now))
             .order_by(mail_outbox.c.id).limit(limit))
    return list(conn.execute(query))


def deliver_due(engine: Engine, config: Mapping[str, Any], now: dt.datetime) -> Delivery:
    """Send every due notification once; record each success or failure (with the next try) at once."""
    if not enabled(config):
        return Delivery()
    sent = failed = 0
    with engine.connect() as conn:
        for row in due(conn, now):
            if not _claim(conn, row, now):
                continue
            try:
                send(config, build(config, row, now))
            except MailError as exc:
                failed += 1
                attempts = row.attempts + 1
                log.warning("mail %s to %s failed (attempt %s): %s", row.id, row.recipients, attempts, exc)
                values = {"attempts": attempts, "last_error": str(exc)[:500],
                          "next_attempt": stamp(now + _backoff(config, attempts))}
            else:
                sent += 1
                values = {"attempts": row.attempts + 1, "last_error": "", "sent_at": stamp(now)}
            with db.transaction(conn):
                conn.execute(update(mail_outbox).where(mail_outbox.c.id == row.id).values(**values))
    return Delivery(sent, failed)


def pending(conn: Connection) -> list[Row]:
    """Every notification not delivered yet, oldest first."""
    return list(conn.execute(select(mail_outbox).where(mail_outbox.c.sent_at.is_(None)).order_by(mail_outbox.c.id)))


def retry_now(conn: Connection, now: dt.datetime) -> int:
    """Make every undelivered notification due at once (after the mail server is fixed); return how many."""
    with db.transaction(conn):
        result = conn.execute(update(mail_outbox).where(mail_outbox.c.sent_at.is_(None))
                              .values(next_attempt=stamp(now)))
    return result.rowcount


def forget(conn: Connection, topic: str, ref_ids: list[int]) -> int:
    """Delete the notifications about rows that are being deleted (sent or not)."""
    if not ref_ids:
        return 0
    with db.transaction(conn):
        return conn.execute(delete(mail_outbox).where(mail_outbox.c.topic == topic,
                                                      mail_outbox.c.ref_id.in_(ref_ids))).rowcount


def counts(conn: Connection) -> dict[str, int]:
    """Notifications sent, waiting and failing at least once (for `flask feedback retry`)."""
    total = conn.scalar(select(func.count()).select_from(mail_outbox)) or 0
    waiting = conn.scalar(select(func.count()).select_from(mail_outbox).where(mail_outbox.c.sent_at.is_(None))) or 0
    failing = conn.scalar(select(func.count()).select_from(mail_outbox).where(
        mail_outbox.c.sent_at.is_(None), or_(mail_outbox.c.last_error != "", mail_outbox.c.attempts > 0))) or 0
    return {"sent": total - waiting, "waiting": waiting, "failing": failing}
