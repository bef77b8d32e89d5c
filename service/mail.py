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
import re
import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Any

from email_validator import EmailNotValidError, validate_email
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
#: A host name by DNS rules (letters, digits, hyphens; labels of 1 to 63), with at least one dot.
HOSTNAME_RE = re.compile(r"^(?=.{1,253}$)(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+"
                         r"[A-Za-z][A-Za-z0-9-]{0,62}$")


class MailError(RuntimeError):
    """A message could not be handed to the mail server; the outbox keeps it for a retry."""


class BadAddress(ValueError):
    """An address that the service never puts into a header (invalid, or holding an RFC 2047 encoded-word)."""


def checked_address(value: str, internal: bool = False) -> Address:
    """An address as a header holds it: a plain ASCII addr-spec (an IDN domain in its ASCII form); else BadAddress.

    email-validator checks the syntax (RFC 5321/5322, no quoted local part, no IP literal). Encoded-words
    (``=?utf-8?b?...?=``) are valid atext, but the email package decodes them when it writes the header,
    so ``=?utf-8?b?YQpi?=@example.org`` would become a line break inside Reply-To: refused, never decoded.
    ``internal``: an address the operator configured, which may be on a private domain (``herne.invalid``,
    which email-validator refuses as special-use): its local part is checked the same way, its domain by DNS rules.
    """
    text = (value or "").strip()
    if "=?" in text:
        raise BadAddress(f"encoded-word in address {text!r}")
    local, _, domain = text.rpartition("@")
    if internal and HOSTNAME_RE.match(domain):
        text = f"{local}@example.org"
    try:
        result = validate_email(text, check_deliverability=False, allow_smtputf8=False, allow_quoted_local=False,
                                allow_domain_literal=False, allow_display_name=False)
    except EmailNotValidError as exc:
        raise BadAddress(f"{value!r}: {exc}") from None
    local, _, checked = (result.ascii_email or "").rpartition("@")  # always set without SMTPUTF8
    return Address(username=local, domain=domain.lower() if internal and HOSTNAME_RE.match(domain) else checked)


def valid_address(value: str) -> str | None:
    """The normalized form of an address a person typed (what is stored and shown), or None when it is unusable."""
    try:
        checked_address(value)
        return validate_email(value.strip(), check_deliverability=False, allow_smtputf8=False).normalized
    except (BadAddress, EmailNotValidError):
        return None


@dataclass(frozen=True)
class Delivery:
    """What one delivery run did."""

    sent: int = 0
    failed: int = 0


def timestamp(moment: dt.datetime) -> str:
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
        created=timestamp(now), topic=topic, ref_id=ref_id, recipients=",".join(recipients), subject=subject,
        body=body, reply_to=reply_to, next_attempt=timestamp(now),
    ))
    return db.inserted_id(result)


def build(config: Mapping[str, Any], row: Row, now: dt.datetime) -> EmailMessage:
    """The e-mail of an outbox row (UTF-8, a Message-ID, Reply-To the sender of the feedback if given).

    Addresses enter the headers as checked Address objects under the SMTP policy, never as text to
    parse; the written message is read back, and any address that changed on the way raises BadAddress.
    """
    sender = checked_address(config["MAIL_SENDER"], internal=True)
    addresses = {"From": [sender], "To": [checked_address(r, internal=True) for r in row.recipients.split(",")]}
    if row.reply_to:
        addresses["Reply-To"] = [checked_address(row.reply_to)]
    message = EmailMessage(policy=policy.SMTP)
    for name, values in addresses.items():
        message[name] = values
    message["Subject"] = row.subject
    message["Date"] = format_datetime(now.astimezone(dt.UTC))
    message["Message-ID"] = make_msgid(f"outbox-{row.id}", domain=sender.domain)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(row.body)
    written = message_from_bytes(message.as_bytes(), policy=policy.default)
    for name, values in addresses.items():
        if [a.addr_spec for a in written[name].addresses] != [a.addr_spec for a in values]:
            raise BadAddress(f"{name} changed when written")
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
        ).values(next_attempt=timestamp(now + LEASE)))
    return result.rowcount == 1


def due(conn: Connection, now: dt.datetime, limit: int = BATCH) -> list[Row]:
    """Unsent rows whose time has come, oldest first."""
    query = (select(mail_outbox).where(mail_outbox.c.sent_at.is_(None), mail_outbox.c.next_attempt <= timestamp(now))
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
            except Exception as exc:  # noqa: BLE001  (one bad message, an address or a bug, fails alone)
                failed += 1
                attempts = row.attempts + 1
                if not isinstance(exc, (MailError, BadAddress)):
                    exc = MailError(f"{type(exc).__name__}: {exc}")
                log.warning("mail %s to %s failed (attempt %s): %s", row.id, row.recipients, attempts, exc)
                values = {"attempts": attempts, "last_error": str(exc)[:500],
                          "next_attempt": timestamp(now + _backoff(config, attempts))}
            else:
                sent += 1
                values = {"attempts": row.attempts + 1, "last_error": "", "sent_at": timestamp(now)}
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
                              .values(next_attempt=timestamp(now)))
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
