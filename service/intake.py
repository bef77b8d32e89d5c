"""The public forms' global caps: one actor must not close a form for everyone.

Each client has its own limits (service/web/feedback.py, service/web/suggest.py; an IPv6 /56 counts
as one client, ``RATE_LIMIT_IPV6_PREFIX``). Past the hourly soft cap of all visitors' messages
(``FEEDBACK_HOURLY_QUOTA``, ``SUGGEST_HOURLY_QUOTA``) a message is still stored, marked ``held`` and sent without
an e-mail of its own, and the operator is alerted once an hour (the log and the mail outbox): a flood slows
itself down, never the residents. Only past the hard cap (``*_HELD_HOURLY_MAX`` held messages an hour) are
messages refused, with 503: the bound of what a flood from many networks can store.
"""
from __future__ import annotations

import datetime as dt
import enum
import logging

from flask import current_app
from sqlalchemy import Connection

from . import mail, ratelimit

log = logging.getLogger(__name__)

#: The soft cap's window, and how often the operator is alerted at most.
WINDOW = 3600.0


class Form(enum.StrEnum):
    """The public forms that store what visitors send."""

    FEEDBACK = "feedback"
    SUGGEST = "suggest"


class Intake(enum.StrEnum):
    """What happens to one message that passed its client's limits."""

    STORED = "stored"  # within the soft cap: stored and notified as usual
    HELD = "held"  # past the soft cap: stored, marked held, no e-mail of its own (the hourly alert tells)
    FULL = "full"  # past the hard cap of held messages: refused (503), the storage bound of a flood


#: The settings of each form: its soft cap and its hard cap of held messages, per hour.
SETTINGS = {Form.FEEDBACK: ("FEEDBACK_HOURLY_QUOTA", "FEEDBACK_HELD_HOURLY_MAX"),
            Form.SUGGEST: ("SUGGEST_HOURLY_QUOTA", "SUGGEST_HELD_HOURLY_MAX")}


def admit(form: Form) -> Intake:
    """Count one message against its form's caps and say how it is taken."""
    soft, hard = (int(current_app.config[name]) for name in SETTINGS[form])
    if ratelimit.hit(f"{form}:all", soft, WINDOW):
        return Intake.STORED
    if ratelimit.hit(f"{form}:held", hard, WINDOW):
        return Intake.HELD
    return Intake.FULL


def alert_due(form: Form) -> bool:
    """Whether this held message is the first of the hour, whose storing alerts the operator."""
    return ratelimit.hit(f"{form}:alert", 1, WINDOW)


def alert(conn: Connection, form: Form, now: dt.datetime) -> None:
    """Tell the operator that a form is past its soft cap: a warning in the log, and an e-mail through the outbox
    (MAIL_ALERTS_TO, else MAIL_FEEDBACK_TO) in the caller's transaction."""
    config = current_app.config
    soft, hard = (int(config[name]) for name in SETTINGS[form])
    log.warning("%s form past its soft cap of %d messages an hour: further messages are stored as held "
                "(at most %d an hour)", form, soft, hard)
    recipients = list(config.get("MAIL_ALERTS_TO") or config.get("MAIL_FEEDBACK_TO") or [])
    body = "\n".join([
        f"Über das Formular „{form}“ sind in der letzten Stunde mehr als {soft} Nachrichten eingegangen.",
        "Weitere Nachrichten werden gespeichert und als zurückgehalten markiert (Spalte held), ohne eigene E-Mail.",
        f"Ab {hard} zurückgehaltenen Nachrichten in einer Stunde werden weitere abgewiesen.",
        "Bitte prüfen Sie, ob jemand das Formular flutet.",
    ])
    mail.enqueue(conn, config, now, "alert", 0, recipients, f"Viele Nachrichten über das Formular {form}", body)
