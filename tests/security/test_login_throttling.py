"""Finding 7: attempts are reserved before the password is checked; delays grow per account and address; no lockout."""
from __future__ import annotations

import threading
import time

from service.workbench import auth

from ..workbench_support import PASSWORD, login, make_user, token

ATTACKER = {"REMOTE_ADDR": "203.0.113.66"}
OWNER = {"REMOTE_ADDR": "198.51.100.7"}


def _client(app, environ: dict):
    """A test client whose requests come from one address."""
    client = app.test_client()
    client.environ_base.update(environ)
    return client


def _attempt(client, password: str):
    """One login through the real form."""
    page = client.get("/translate/login")
    return client.post("/translate/login", data={"csrf_token": token(page.text), "username": "anna",
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
