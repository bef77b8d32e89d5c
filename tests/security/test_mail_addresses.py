"""Finding M4 (third red team): one feedback address blocked every notification.

``=?utf-8?b?YQpi?=@example.org`` passed the form's pattern, then made ``mail.build`` raise ValueError (the
email package decodes the encoded-word into a line break), so `flask feedback retry` crashed on every run and
the outbox said ``failing: 0``. Now email-validator checks addresses, encoded-words are refused and never
decoded, each message's failure is its own and counted.
"""
from __future__ import annotations

import pytest
from sqlalchemy import insert, select

from service import db, mail
from service.db.schema import feedback, mail_outbox

from ..clock_support import MovableClock, utc
from ..smtp_support import SMTPServer, free_port
from ..test_mail import mail_app, outbox
from ..workbench_support import unescape

POISON = "=?utf-8?b?YQpi?=@example.org"
MESSAGE = "Der Kontrast der Fußzeile ist auf meinem Telefon zu schwach."

@pytest.fixture
def clock() -> MovableClock:
    """A fixed moment."""
    return MovableClock(utc(2026, 11, 30, 12))

def test_the_red_teams_address_is_refused_by_the_form(app, client):
    """The form says why in the visitor's language; nothing is stored."""
    response = client.post("/en/barrierefreiheit", data={"name": "A", "email": POISON, "message": MESSAGE,
                                                          "page": "barrierefreiheit"})
    assert response.status_code == 400
    assert "Please enter a valid email address" in unescape(response.text)
    with db.connect(app) as conn:
        assert conn.execute(select(feedback)).first() is None

def test_a_poisoned_row_fails_alone_and_the_queue_goes_on(app_config, clock):
    """A row from before the fix (stored with that address) is counted failing; the messages after it are sent."""
    port = free_port()
    app = mail_app(app_config, clock, port)
    with db.connect(app) as conn, db.transaction(conn):
        for reply_to in (POISON, "ayse@example.org"):
            mail.enqueue(conn, app.config, clock(), "feedback", 1, ["barrierefreiheit@herne.invalid"], "Barriere",
                         MESSAGE, reply_to=reply_to)
    with SMTPServer(port) as server:
        result = app.test_cli_runner().invoke(args=["feedback", "retry"])
        assert "sent 1, failed 1; waiting in the outbox: 1 (failing: 1)" in result.output, result.output
        assert result.exit_code != 0  # the operator is told that one failed
        [delivered] = server.inbox.messages
    assert delivered["Reply-To"] == "ayse@example.org"
    poisoned, sent = outbox(app)
    assert sent.sent_at is not None
    assert poisoned.sent_at is None and "encoded-word" in poisoned.last_error and poisoned.attempts == 1
    # The next run tries it again (with the delay moved to now), and still reports it.
    clock.advance(hours=2)
    again = app.test_cli_runner().invoke(args=["feedback", "retry"])
    assert "sent 0, failed 1; waiting in the outbox: 1 (failing: 1)" in again.output, again.output

def test_reply_to_is_never_decoded(app_config, clock):
    """build refuses the address rather than writing what the encoded-word decodes to."""
    app = mail_app(app_config, clock, free_port())
    with db.connect(app) as conn, db.transaction(conn):
        mail.enqueue(conn, app.config, clock(), "feedback", 1, ["x@herne.invalid"], "s", "b", reply_to=POISON)
    [row] = outbox(app)
    with pytest.raises(mail.BadAddress):
        mail.build(app.config, row, clock())

def test_addresses_are_stored_as_normalized_and_sent_as_stored(app_config, clock):
    """The domain is lower-cased by email-validator, and Reply-To is exactly the stored address."""
    port = free_port()
    app = mail_app(app_config, clock, port)
    with SMTPServer(port) as server:
        response = app.test_client().post("/de/barrierefreiheit", data={"email": "Ayse.Yilmaz@Example.ORG",
                                                                         "message": MESSAGE})
        assert response.status_code == 303
        with db.connect(app) as conn:
            stored = conn.scalar(select(feedback.c.email))
        assert stored == "Ayse.Yilmaz@example.org"
        result = app.test_cli_runner().invoke(args=["feedback", "retry"])
        assert result.exit_code == 0, result.output
        [delivered] = server.inbox.messages
    assert delivered["Reply-To"] == stored

@pytest.mark.parametrize("address", ["a@b", "a b@example.org", "\"a\"@example.org", "a@[127.0.0.1]",
                                     "Name <a@example.org>", "a@example.org\nBcc: x@example.org", POISON])
def test_unusable_addresses(address):
    """What email-validator refuses, and encoded-words, are no address for the service."""
    assert mail.valid_address(address) is None
    with pytest.raises(mail.BadAddress):
        mail.checked_address(address)

def test_a_header_injection_in_the_outbox_is_refused(app_config, clock):
    """Even a row written by other tools cannot add a header through an address."""
    app = mail_app(app_config, clock, free_port())
    with db.connect(app) as conn, db.transaction(conn):
        conn.execute(insert(mail_outbox).values(topic="feedback", ref_id=1, recipients="x@herne.invalid",
                                                subject="s", body="b", reply_to="a@example.org\r\nBcc: e@evil.example",
                                                next_attempt=mail.timestamp(clock())))
    [row] = outbox(app)
    with pytest.raises(mail.BadAddress):
        mail.build(app.config, row, clock())
