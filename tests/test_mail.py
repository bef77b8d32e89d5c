"""E-mail notifications against a real SMTP server on loopback: stored first, delivered, retried, never lost."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from service import create_app, db, maintenance
from service.db.schema import TIMESTAMP_FORMAT, feedback, mail_outbox

from .clock_support import MovableClock, utc
from .smtp_support import SMTPServer, free_port, self_signed

MESSAGE = "Der Kontrast der Fußzeile ist auf meinem Telefon zu schwach."


@pytest.fixture
def clock() -> MovableClock:
    """A fixed moment (outside every notice window)."""
    return MovableClock(utc(2026, 11, 30, 12))


@pytest.fixture
def port() -> int:
    """A free loopback port for this test's SMTP server."""
    return free_port()


def mail_app(app_config, clock, port, **extra):
    """The real app with e-mail to 127.0.0.1:port (plain SMTP unless told otherwise)."""
    config = {**app_config, "CLOCK": clock, "MAIL_HOST": "127.0.0.1", "MAIL_PORT": port, "MAIL_STARTTLS": False,
              "MAIL_TIMEOUT": 5.0, "MAIL_FEEDBACK_TO": ["barrierefreiheit@herne.invalid"],
              "MAIL_SENDER": "bildung@herne.invalid", **extra}
    return create_app(config)


def outbox(app) -> list:
    """Every outbox row."""
    with db.connect(app) as conn:
        return list(conn.execute(select(mail_outbox).order_by(mail_outbox.c.id)))


def send_feedback(app, **fields):
    """Post the accessibility form as a visitor does."""
    data = {"name": "Ayşe Yılmaz", "email": "ayse@example.org", "message": MESSAGE, **fields}
    response = app.test_client().post("/tr/barrierefreiheit", data=data)
    assert response.status_code == 303
    return response


def test_feedback_email_arrives_at_the_loopback_server(app_config, clock, port):
    """The message is stored with its notification first; one delivery round hands it to the SMTP server."""
    app = mail_app(app_config, clock, port)
    with SMTPServer(port) as server:
        send_feedback(app)
        [row] = outbox(app)
        assert row.sent_at is None and row.topic == "feedback" and row.recipients == "barrierefreiheit@herne.invalid"
        delivery, _ = maintenance.run_once(app)
        assert (delivery.sent, delivery.failed) == (1, 0)
        [mail] = server.inbox.messages
    assert mail["To"] == "barrierefreiheit@herne.invalid"
    assert mail["From"] == "bildung@herne.invalid"
    assert mail["Reply-To"] == "ayse@example.org"
    assert mail["Subject"] == "Barriere gemeldet (Nr. 1, tr)"
    body = mail.get_content()
    assert MESSAGE in body and "Ayşe Yılmaz" in body and "/translate/feedback/1" in body
    [row] = outbox(app)
    assert row.sent_at == "2026-11-30T12:00:00Z" and row.attempts == 1 and row.last_error == ""


def test_failed_send_is_kept_and_retried_later_until_delivered(app_config, clock, port):
    """With the server down the send fails and waits; once up, the retry after the delay delivers exactly once."""
    app = mail_app(app_config, clock, port)
    send_feedback(app)
    delivery, _ = maintenance.run_once(app)  # nobody listens on the port yet
    assert (delivery.sent, delivery.failed) == (0, 1)
    [row] = outbox(app)
    assert row.sent_at is None and row.attempts == 1 and "Connection" in row.last_error
    assert row.next_attempt == "2026-11-30T12:01:00Z"  # first retry after a minute
    with db.connect(app) as conn:
        assert [r.message for r in conn.execute(select(feedback))] == [MESSAGE]  # the message itself is safe
    with SMTPServer(port) as server:
        assert maintenance.run_once(app)[0].sent == 0  # not due yet: no hammering
        clock.advance(seconds=60)
        assert maintenance.run_once(app)[0].sent == 1
        assert maintenance.run_once(app)[0].sent == 0
        assert len(server.inbox.messages) == 1 and MESSAGE in server.inbox.messages[0].get_content()
    [row] = outbox(app)
    assert row.sent_at == "2026-11-30T12:01:00Z" and row.attempts == 2


def test_delays_grow_with_each_failure(app_config, clock, port):
    """1, 2, 4 ... minutes between tries, capped at MAIL_RETRY_MAX_DELAY."""
    app = mail_app(app_config, clock, port, MAIL_RETRY_MAX_DELAY=300.0)
    send_feedback(app)
    waits = []
    for _ in range(5):
        maintenance.run_once(app)
        [row] = outbox(app)
        waits.append(row.next_attempt)
        clock.set(dt.datetime.strptime(row.next_attempt, TIMESTAMP_FORMAT).replace(tzinfo=dt.UTC))
    assert waits == ["2026-11-30T12:01:00Z", "2026-11-30T12:03:00Z", "2026-11-30T12:07:00Z",
                     "2026-11-30T12:12:00Z", "2026-11-30T12:17:00Z"]


def test_starttls_and_login_with_a_certificate_made_in_the_test(app_config, clock, port, tmp_path):
    """STARTTLS against a self-signed certificate the client is told to trust, then login, then delivery."""
    cert = self_signed(tmp_path)
    app = mail_app(app_config, clock, port, MAIL_STARTTLS=True, MAIL_CA_FILE=str(cert[0]),
                   MAIL_USERNAME="herne", MAIL_PASSWORD="geheim-und-lang")
    with SMTPServer(port, cert=cert, login=("herne", "geheim-und-lang")) as server:
        send_feedback(app)
        assert maintenance.run_once(app)[0].sent == 1
        assert server.logins == ["herne"] and len(server.inbox.messages) == 1


def test_starttls_required_but_not_offered_is_refused_and_kept(app_config, clock, port):
    """The client never falls back to plain text; after the operator fixes the setting, `flask feedback retry` sends."""
    app = mail_app(app_config, clock, port, MAIL_STARTTLS=True)
    with SMTPServer(port) as server:  # offers no STARTTLS
        send_feedback(app)
        delivery, _ = maintenance.run_once(app)
        assert delivery.failed == 1 and server.inbox.messages == []
        [row] = outbox(app)
        assert "SMTPNotSupportedError" in row.last_error and "STARTTLS" in row.last_error
        result = app.test_cli_runner().invoke(args=["feedback", "retry"])
        assert result.exit_code == 1 and "1 e-mail(s) failed" in result.output
        app.config["MAIL_STARTTLS"] = False  # the operator's decision for a server on the same host
        result = app.test_cli_runner().invoke(args=["feedback", "retry"])
        assert result.exit_code == 0 and "sent 1, failed 0; waiting in the outbox: 0" in result.output
        assert len(server.inbox.messages) == 1


def test_suggestion_email_goes_to_the_translators_of_its_locale(app_config, clock, port):
    """A Turkish suggestion is mailed to the Turkish translators; an English one (no address) queues nothing."""
    app = mail_app(app_config, clock, port, MAIL_SUGGESTIONS_TO={"tr": ["tr-team@herne.invalid"]})
    client = app.test_client()
    assert client.post("/tr/suggest/index/b1", data={"suggestion": "Kanal kıyısında öğrenmek"}).status_code == 303
    assert client.post("/en/suggest/index/b1", data={"suggestion": "Learning at the canal"}).status_code == 303
    with SMTPServer(port) as server:
        assert maintenance.run_once(app)[0].sent == 1
        [mail] = server.inbox.messages
    assert server.inbox.envelopes[0][1] == ["tr-team@herne.invalid"]
    assert mail["Subject"] == "Übersetzungsvorschlag (tr, Nr. 1)"
    assert "Kanal kıyısında öğrenmek" in mail.get_content() and "Lernen am Kanal" in mail.get_content()
    assert [r.topic for r in outbox(app)] == ["suggestion"]


def test_without_mail_settings_nothing_is_queued(app, client):
    """E-mail is optional: without MAIL_HOST feedback is stored and no notification waits anywhere."""
    assert client.post("/de/barrierefreiheit", data={"message": MESSAGE}).status_code == 303
    assert outbox(app) == []
    result = app.test_cli_runner().invoke(args=["feedback", "retry"])
    assert result.exit_code == 1 and "e-mail is off" in result.output


def test_the_background_thread_delivers_without_a_second_process(app_config, clock, port):
    """With background tasks on, the worker's own thread sends a new message at once (woken, not polled)."""
    app = mail_app(app_config, clock, port, BACKGROUND_TASKS=True, BACKGROUND_INTERVAL=3600.0)
    try:
        with SMTPServer(port) as server:
            send_feedback(app)
            # A bound on waiting, not a measurement: the thread was woken by the form's commit.
            assert server.inbox.arrived.wait(timeout=30), outbox(app)
            assert len(server.inbox.messages) == 1
    finally:
        app.extensions["maintenance"].stop()
