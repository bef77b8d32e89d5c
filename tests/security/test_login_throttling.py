"""Finding 7: attempts are reserved before the password is checked; delays grow per account and address; no lockout.

Finding M2 (third red team): failures from many addresses kept an account locked for its owner. The account's own
bucket now slows only unknown clients; a browser that signed in before (its device cookie) gets in at once, and the
attacked account is told.
"""
from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import select

from service import create_app, db
from service.db.schema import mail_outbox
from service.workbench import auth, throttle

from ..workbench_support import PASSWORD, login, make_user, token

ATTACKER = {"REMOTE_ADDR": "203.0.113.66"}
OWNER = {"REMOTE_ADDR": "198.51.100.7"}


def _client(app, environ: dict):
    """A test client whose requests come from one address."""
    client = app.test_client()
    client.environ_base.update(environ)
    return client


def _attempt(client, password: str, username: str = "anna"):
    """One login through the real form."""
    page = client.get("/translate/login")
    return client.post("/translate/login", data={"csrf_token": token(page.text), "username": username,
                                                  "password": password})


def test_forty_parallel_guesses_check_the_password_five_times(app, monkeypatch):
    """The finding: 40 wrong passwords at once. Exactly the free attempts reach the hash check; the rest get 429."""
    make_user(app, "anna")
    frozen = time.time()  # the burst takes no time at all: no delay runs out while it lasts, however slow the machine
    monkeypatch.setattr(time, "time", lambda: frozen)
    checked = []
    real_check = auth.check_password_hash
    monkeypatch.setattr(auth, "check_password_hash", lambda h, p: checked.append(p) or real_check(h, p))
    clients = [app.test_client() for _ in range(40)]
    pages = [c.get("/translate/login", environ_base=ATTACKER) for c in clients]
    barrier = threading.Barrier(40)
    statuses = []

    def guess(client, page) -> None:
        """Wait for the others, then post a wrong password."""
        barrier.wait(10)
        response = client.post("/translate/login", environ_base=ATTACKER, data={
            "csrf_token": token(page.text), "username": "anna", "password": "wrong password!"})
        statuses.append(response.status_code)

    threads = [threading.Thread(target=guess, args=pair) for pair in zip(clients, pages, strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(statuses) == [401] * auth.LOGIN_LIMIT_USER + [429] * (40 - auth.LOGIN_LIMIT_USER)
    assert len(checked) == auth.LOGIN_LIMIT_USER


def test_delays_grow_and_then_let_the_next_attempt_through(app, monkeypatch):
    """After the free attempts: wait 1 s, 2 s, 4 s ... (Retry-After says how long); each wait is then honoured."""
    make_user(app, "anna")
    now = [time.time()]
    monkeypatch.setattr(time, "time", lambda: now[0])
    client = _client(app, ATTACKER)
    for _ in range(auth.LOGIN_LIMIT_USER):
        assert _attempt(client, "wrong password!").status_code == 401
    waits = []
    for _ in range(4):
        refused = _attempt(client, "wrong password!")
        assert refused.status_code == 429
        assert "Zu viele fehlgeschlagene Anmeldungen" in refused.text
        waits.append(int(refused.headers["Retry-After"]))
        now[0] += waits[-1]
        assert _attempt(client, "wrong password!").status_code == 401  # the wait is over: one more try
    assert waits == [1, 2, 4, 8]


def test_an_attacker_cannot_lock_the_owner_out(app):
    """Failures from another address slow the attacker; the owner signs in at once from their own."""
    make_user(app, "anna")
    attacker = _client(app, ATTACKER)
    for _ in range(12):
        _attempt(attacker, "wrong password!")
    assert _attempt(attacker, PASSWORD).status_code == 429  # even the right password waits, from there
    owner = _client(app, OWNER)
    assert _attempt(owner, PASSWORD).status_code == 303
    assert owner.get("/translate/").status_code == 200


def test_a_success_gives_its_attempt_back(app):
    """Signing in often from one place is no attack: successes are not counted."""
    make_user(app, "anna")
    client = _client(app, OWNER)
    for _ in range(auth.LOGIN_LIMIT_USER + 3):
        assert login(client, "anna").status_code == 303
        client.post("/translate/logout", data={"csrf_token": token(client.get("/translate/").text)})


NAME = "anna.schmidt@example.org"


@pytest.fixture
def mailing(app_config, monkeypatch):
    """The app with e-mail on (nothing is sent: the outbox is read), at a frozen moment (no delay runs out)."""
    frozen = time.time()
    monkeypatch.setattr(time, "time", lambda: frozen)
    app = create_app({**app_config, "MAIL_HOST": "127.0.0.1", "MAIL_SECURITY_TO": ["it-sicherheit@example.org"]})
    make_user(app, NAME)
    return app


def _attack(app) -> None:
    """The red team's run: 25 guesses from 5 addresses (the last 5 already wait), then 7 more addresses polling."""
    statuses = [_attempt(_client(app, {"REMOTE_ADDR": f"203.0.113.{10 + i}"}), "wrong password!", NAME).status_code
                for i in range(5) for _ in range(5)]
    assert statuses.count(401) == throttle.UNKNOWN.free
    for _ in range(3):
        for i in range(7):
            assert _attempt(_client(app, {"REMOTE_ADDR": f"198.51.100.{100 + i}"}), "wrong password!",
                            NAME).status_code == 429


def test_the_owners_browser_gets_in_while_many_addresses_guess(mailing):
    """M2: the owner's browser (signed in there before) gets in at once, and is told about the failures."""
    owner = _client(mailing, OWNER)
    assert _attempt(owner, PASSWORD, NAME).status_code == 303
    owner.post("/translate/logout", data={"csrf_token": token(owner.get("/translate/").text)})
    _attack(mailing)
    assert _attempt(owner, PASSWORD, NAME).status_code == 303
    home = owner.get("/translate/")
    assert home.status_code == 200 and "20 Anmeldungen mit Ihrem Benutzernamen von unbekannten Geräten" in home.text


def test_the_attacked_account_is_told_by_email_once(mailing):
    """One notification through the outbox (not one per failure), to the account's address and the security contact."""
    _attack(mailing)
    with db.connect(mailing) as conn:
        rows = list(conn.execute(select(mail_outbox)))
    assert [(r.topic, r.recipients) for r in rows] == [("login", f"{NAME},it-sicherheit@example.org")]
    assert "fehlgeschlagene Anmeldungen" in rows[0].body and NAME in rows[0].body


def test_unknown_browsers_still_wait_while_the_account_is_sprayed(mailing):
    """Password spraying: one guess each from 25 addresses. After 20, every unknown client waits, even with the
    right password; the per-account delay is capped, so that wait is short."""
    statuses = [_attempt(_client(mailing, {"REMOTE_ADDR": f"192.0.2.{i}"}), "wrong password!", NAME).status_code
                for i in range(25)]
    assert statuses == [401] * throttle.UNKNOWN.free + [429] * 5
    refused = _attempt(_client(mailing, {"REMOTE_ADDR": "192.0.2.200"}), PASSWORD, NAME)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) <= throttle.UNKNOWN.cap


def test_a_device_cookie_is_bound_to_its_account_and_password(app, monkeypatch):
    """Another account's cookie, an altered one, or one from before a password change is no known device."""
    make_user(app, "anna")
    make_user(app, "bert")
    client = _client(app, OWNER)
    assert _attempt(client, PASSWORD, "bert").status_code == 303  # the cookie now names bert
    for i in range(6):  # anna's unknown-client bucket: 20 failures from other addresses
        for _ in range(4):
            _attempt(_client(app, {"REMOTE_ADDR": f"203.0.113.{i}"}), "wrong password!")
    assert _attempt(client, PASSWORD).status_code == 429  # bert's device is unknown to anna's account
    cookie = client.get_cookie("wb_device", path="/translate/login")
    client.set_cookie("wb_device", cookie.value[:-2] + "AA", path="/translate/login")
    assert _attempt(client, PASSWORD, "bert").status_code == 303  # bert never failed: the pair bucket is free
