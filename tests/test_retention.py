"""Retention: a purge deletes exactly what is due, reports counts, runs once per period across workers."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import insert, select

from service import create_app, db, maintenance, retention
from service.db.schema import TIMESTAMP_FORMAT, feedback, mail_outbox, rate_events, wb_audit, wb_suggestions, wb_users
from service.workbench import auth

from .clock_support import MovableClock, utc
from .workbench_support import PASSWORD, login, make_user

NOW = utc(2027, 6, 30, 12)


def ago(**delta: float) -> str:
    """A timestamp this long before NOW."""
    return (NOW - dt.timedelta(**delta)).strftime(TIMESTAMP_FORMAT)


def fb(name: str, created: str, handled_at: str | None = None) -> dict:
    """A feedback row."""
    return {"created": created, "locale": "de", "page": "barrierefreiheit", "name": name, "email": "",
            "message": f"Nachricht von {name}", "state": "handled" if handled_at else "open",
            "handled_at": handled_at, "handled_by": "barriere" if handled_at else None}


def sg(text: str, state: str, handled_at: str | None) -> dict:
    """A suggestion row."""
    return {"created": ago(days=400), "locale": "tr", "slug": "index", "block_id": "b1", "msgid": "Lernen am Kanal",
            "shown": "Kanal kıyısında öğrenmek", "text": text, "state": state, "handled_at": handled_at,
            "handled_by": "anna" if handled_at else None}


def audit_row(new: str, at: str) -> dict:
    """An audit row."""
    return {"at": at, "username": "anna", "locale": "en", "action": "save", "msgid": "Hinweis", "old": "", "new": new}


def user_row(name: str, removed_at: str | None) -> dict:
    """An account row."""
    return {"username": name, "password": "" if removed_at else "hash", "role": "translator", "locales": "en",
            "created": ago(days=1000), "removed_at": removed_at}


def mail_row(ref: int, sent_at: str | None, topic: str = "feedback") -> dict:
    """An outbox row."""
    return {"created": ago(days=100), "topic": topic, "ref_id": ref, "recipients": "a@herne.invalid", "subject": "s",
            "body": "b", "next_attempt": ago(days=100), "sent_at": sent_at}


@pytest.fixture
def clock() -> MovableClock:
    """The purge's now."""
    return MovableClock(NOW)


@pytest.fixture
def seeded(app_config, clock):
    """An app whose database has rows on both sides of every retention boundary (defaults)."""
    app = create_app({**app_config, "CLOCK": clock})
    with db.connect(app) as conn:
        with db.transaction(conn):
            conn.execute(insert(feedback), [
                fb("at-boundary", ago(days=500), handled_at=ago(days=365)),  # exactly the period: kept
                fb("handled-long-ago", ago(days=500), handled_at=ago(days=365, seconds=1)),  # due
                fb("open-too-old", ago(days=366)),  # never handled: counted from receipt, due
                fb("open-recent", ago(days=10)),
                fb("old-but-handled-lately", ago(days=800), handled_at=ago(days=10)),
            ])
            conn.execute(insert(wb_suggestions), [
                sg("offen", "open", None), sg("erledigt-alt", "done", ago(days=181)),
                sg("verworfen-neu", "dismissed", ago(days=179)),
            ])
            conn.execute(insert(rate_events), [
                {"bucket": "old", "at": (NOW - dt.timedelta(seconds=3601)).timestamp()},
                {"bucket": "new", "at": (NOW - dt.timedelta(seconds=3599)).timestamp()},
            ])
            conn.execute(insert(wb_audit), [audit_row("alt", ago(days=731)), audit_row("neu", ago(days=729))])
            conn.execute(insert(wb_users), [user_row("gone-long", ago(days=91)), user_row("gone-lately", ago(days=89)),
                                            user_row("active", None)])
            conn.execute(insert(mail_outbox), [
                mail_row(1, ago(days=31)),  # sent long ago: due
                mail_row(1, ago(days=29)),  # sent lately: kept
                mail_row(4, None),  # still waiting: kept however old
                mail_row(2, None),  # about feedback 2, which is purged: goes with it
            ])
    return app


def remaining(app) -> dict[str, list]:
    """What each table still holds, by a telling column."""
    with db.connect(app) as conn:
        return {
            "feedback": [r.name for r in conn.execute(select(feedback).order_by(feedback.c.id))],
            "suggestions": [r.text for r in conn.execute(select(wb_suggestions).order_by(wb_suggestions.c.id))],
            "rate_limits": [r.bucket for r in conn.execute(select(rate_events))],
            "audit": [r.new for r in conn.execute(select(wb_audit).order_by(wb_audit.c.id))],
            "accounts": [r.username for r in conn.execute(select(wb_users).order_by(wb_users.c.id))],
            "mail": [(r.ref_id, r.sent_at is not None)
                     for r in conn.execute(select(mail_outbox).order_by(mail_outbox.c.id))],
        }


EXPECTED_COUNTS = {"feedback": 2, "suggestions": 1, "rate_limits": 1, "audit": 1, "accounts": 1, "mail": 1}
EXPECTED_LEFT = {
    "feedback": ["at-boundary", "open-recent", "old-but-handled-lately"],
    "suggestions": ["offen", "verworfen-neu"],
    "rate_limits": ["new"],
    "audit": ["neu"],
    "accounts": ["gone-lately", "active"],
    "mail": [(1, True), (4, False)],
}


def test_purge_deletes_exactly_what_is_due(seeded, clock):
    """Every kind on both sides of its boundary: the due rows go, the others stay, the counts say so."""
    with db.connect(seeded) as conn:
        assert retention.purge(conn, seeded.config, clock(), dry_run=True) == EXPECTED_COUNTS
        assert len(remaining(seeded)["feedback"]) == 5  # a dry run deletes nothing
        assert retention.purge(conn, seeded.config, clock()) == EXPECTED_COUNTS
        assert remaining(seeded) == EXPECTED_LEFT
        assert retention.purge(conn, seeded.config, clock()) == dict.fromkeys(retention.KINDS, 0)


def test_flask_privacy_purge_reports_counts(seeded):
    """The command deletes what is due and prints one count per kind."""
    runner = seeded.test_cli_runner()
    dry = runner.invoke(args=["privacy", "purge", "--dry-run"])
    assert dry.exit_code == 0 and "feedback          2 due" in dry.output
    result = runner.invoke(args=["privacy", "purge"])
    assert result.exit_code == 0, result.output
    lines = dict(line.split(None, 1) for line in result.output.strip().splitlines())
    assert lines == {kind: f"{n} deleted" for kind, n in EXPECTED_COUNTS.items()}
    assert remaining(seeded) == EXPECTED_LEFT
    periods = runner.invoke(args=["privacy", "periods"]).output
    assert "feedback     365 days" in periods and "rate_limits  3600 seconds" in periods


def test_flask_feedback_purge_takes_only_feedback(seeded):
    """`flask feedback purge` deletes the feedback that is due (with its e-mail) and nothing else."""
    result = seeded.test_cli_runner().invoke(args=["feedback", "purge"])
    assert result.exit_code == 0 and "feedback: 2 message(s) deleted" in result.output
    left = remaining(seeded)
    assert left["feedback"] == EXPECTED_LEFT["feedback"] and len(left["audit"]) == 2 and len(left["mail"]) == 3


def test_configured_periods_are_used(app_config, clock, seeded):
    """A shorter feedback period (FLASK_RETENTION__feedback, merged over the defaults) purges more."""
    app = create_app({**app_config, "CLOCK": clock, "RETENTION": {"feedback": 5}})
    assert app.config["RETENTION"]["audit"] == 730  # the other defaults stay
    with db.connect(app) as conn:
        assert retention.purge(conn, app.config, clock())["feedback"] == 5


def test_automatic_purge_runs_once_per_period_across_workers(seeded, app_config, clock):
    """Two workers on one database: the first claims the purge, the second skips it; a day later it is due again."""
    other = create_app({**app_config, "CLOCK": clock})
    engine_a, engine_b = seeded.extensions["db"], other.extensions["db"]
    assert retention.purge_if_due(engine_a, seeded.config, clock()) == EXPECTED_COUNTS
    assert retention.purge_if_due(engine_b, other.config, clock()) is None
    clock.advance(hours=23, minutes=59)
    assert retention.purge_if_due(engine_b, other.config, clock()) is None
    clock.advance(minutes=1)
    # A day on, the rows that were just inside their periods are due too.
    assert retention.purge_if_due(engine_b, other.config, clock()) == {
        **dict.fromkeys(retention.KINDS, 0), "feedback": 1, "rate_limits": 1}
    with db.connect(seeded) as conn:
        assert retention.last_purge(conn) == "2027-07-01T12:00:00Z"


def test_removed_accounts_are_kept_without_password_then_purged(app_config, clock):
    """Removal ends access at once and scrubs the password; the row goes when its period has passed."""
    app = create_app({**app_config, "CLOCK": clock})
    make_user(app, "anna")
    runner = app.test_cli_runner()
    assert runner.invoke(args=["users", "remove", "anna"]).exit_code == 0
    assert login(app.test_client(), "anna").status_code == 401
    assert "anna" not in runner.invoke(args=["users", "list"]).output
    assert runner.invoke(args=["users", "remove", "anna"]).exit_code == 1  # already removed
    with db.connect(app) as conn:
        row = conn.execute(select(wb_users).where(wb_users.c.username == "anna")).one()
        assert row.password == "" and row.removed_at is not None
        removed = dt.datetime.strptime(row.removed_at, TIMESTAMP_FORMAT).replace(tzinfo=dt.UTC)
        assert retention.purge(conn, app.config, removed + dt.timedelta(days=89))["accounts"] == 0
        assert retention.purge(conn, app.config, removed + dt.timedelta(days=91))["accounts"] == 1
    make_user(app, "anna")  # the name is free again
    assert login(app.test_client(), "anna", PASSWORD).status_code == 303


def test_a_removed_name_can_be_reused_before_the_purge(app):
    """Adding an account with the name of a removed one replaces the kept row."""
    make_user(app, "bert")
    with db.connect(app) as conn:
        assert auth.remove_user(conn, "bert")
        auth.add_user(conn, "bert", PASSWORD, "accessibility", ())
        assert [u.role for u in auth.list_users(conn)] == ["accessibility"]


def test_the_service_purges_on_its_own_at_start(seeded):
    """The background round of each worker (run at its start, then periodically) purges once, then waits a day."""
    assert maintenance.run_once(seeded)[1] == EXPECTED_COUNTS
    assert maintenance.run_once(seeded)[1] is None
    assert remaining(seeded) == EXPECTED_LEFT
