"""Finding 3: a copied cookie dies with logout, a new password, a role change or the account; sessions time out."""
from __future__ import annotations

import time

from service import create_app, db
from service.workbench import auth

from ..workbench_support import PASSWORD, entry_key, login, make_user, open_editor, token


def _stolen_copy(app, client):
    """A second client holding a copy of the first one's session cookie (as an attacker with the cookie would)."""
    thief = app.test_client()
    cookie = client.get_cookie("session")
    thief.set_cookie("session", cookie.value)
    return thief


def test_a_cookie_copied_before_logout_saves_nothing_after(app, client):
    """The finding itself: the copy works before logout, and neither reads nor saves after it."""
    make_user(app, "anna", locales=("en",))
    login(client, "anna")
    thief = _stolen_copy(app, client)
    key = entry_key(thief, "en", "Hinweis")
    html, csrf, revision = open_editor(thief, "en", key)
    client.post("/translate/logout", data={"csrf_token": token(client.get("/translate/").text)})
    saved = thief.post(f"/translate/en/entry/{key}", data={"csrf_token": csrf, "revision": revision,
                                                         "msgstr": "Hijacked", "action": "save"})
    assert saved.status_code == 302 and saved.headers["Location"].startswith("/translate/login")
    assert thief.get("/translate/").status_code == 302
    assert "Hijacked" not in client.application.extensions["workbench"]["store"].get("en", key).text


def test_password_role_and_removal_end_every_session(app):
    """Each change ends all sessions of the account (the web and the command line alike)."""
    runner = app.test_cli_runner()
    make_user(app, "root", role="admin", locales=())
    for change in ("passwd", "role", "remove"):
        make_user(app, "anna", locales=("en",))
        first, second = app.test_client(), app.test_client()
        login(first, "anna")
        login(second, "anna")
        assert first.get("/translate/").status_code == second.get("/translate/").status_code == 200
        if change == "passwd":
            result = runner.invoke(args=["users", "passwd", "anna", "--password-stdin"],
                                   input="ocean violin cactus 7\n")
        elif change == "role":
            admin = app.test_client()
            login(admin, "root")
            page = admin.get("/translate/users")
            result = admin.post("/translate/users", data={"csrf_token": token(page.text), "action": "access",
                                                          "username": "anna", "role": "admin", "locales": ["en"]})
            assert result.status_code == 303
        else:
            result = runner.invoke(args=["users", "remove", "anna"])
        assert getattr(result, "exit_code", 0) == 0
        assert first.get("/translate/").status_code == second.get("/translate/").status_code == 302, change
        if change != "remove":
            with db.connect(app) as conn:
                auth.remove_user(conn, "anna")


def test_idle_and_absolute_timeouts(app_config, monkeypatch):
    """A session unused for SESSION_IDLE_TIMEOUT, or older than SESSION_MAX_AGE, is refused and deleted."""
    app = create_app({**app_config, "SESSION_IDLE_TIMEOUT": 1800, "SESSION_MAX_AGE": 3600})
    make_user(app, "anna")
    now = [time.time()]
    monkeypatch.setattr(time, "time", lambda: now[0])
    client = app.test_client()
    login(client, "anna")
    for _ in range(3):  # used every 20 minutes: still open after an hour minus a bit
        now[0] += 1200 - 1
        assert client.get("/translate/").status_code == 200
    now[0] += 1200  # past the absolute limit, though never idle for long
    assert client.get("/translate/").status_code == 302
    login(client, "anna")
    now[0] += 1801  # idle too long
    assert client.get("/translate/").status_code == 302
    assert login(client, "anna", PASSWORD).status_code == 303


def test_a_session_id_planted_before_login_is_replaced(app, client):
    """Login issues a new server-side session: a cookie from before it opens nothing."""
    make_user(app, "anna")
    client.get("/translate/login")
    before = client.get_cookie("session").value
    login(client, "anna")
    planted = app.test_client()
    planted.set_cookie("session", before)
    assert planted.get("/translate/").status_code == 302
    assert client.get("/translate/").status_code == 200
