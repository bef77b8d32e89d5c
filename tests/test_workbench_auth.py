"""Workbench accounts through the real app: login, logout, rate limiting, CSRF, permissions, cookies, CLI."""
from __future__ import annotations

import re

import pytest

from service import db
from service.workbench import auth

from .workbench_support import PASSWORD, entry_key, login, make_user, open_editor, save, token

PROTECTED = ["/translate/", "/translate/en/", "/translate/en/download", "/translate/en/upload",
             "/translate/en/suggestions", "/translate/en/history", "/translate/users",
             "/translate/en/entry/0123456789abcdef"]


def test_nothing_answers_without_login(client):
    """Every workbench URL sends anonymous visitors to the login page; POSTs are refused with 400."""
    for url in PROTECTED:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.headers["Location"].startswith("/translate/login")
    # A POST without a session has no valid CSRF token either: refused before anything is read.
    for url in ("/translate/en/entry/0123456789abcdef", "/translate/en/upload"):
        response = client.post(url, data={})
        assert response.status_code == 400, url
        assert "Das Formular ist abgelaufen oder ungültig." in response.text


def test_login_and_logout(app, client):
    """A correct login opens the workbench; logout ends the session."""
    make_user(app, "anna", locales=("en", "tr"))
    response = login(client, "anna")
    assert response.status_code == 303 and response.headers["Location"] == "/translate/"
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    home = client.get("/translate/")
    assert home.status_code == 200 and "anna" in home.text
    assert home.headers["Cache-Control"] == "no-store"
    out = client.post("/translate/logout", data={"csrf_token": token(home.text)})
    assert out.status_code == 303
    assert client.get("/translate/").status_code == 302


def test_secure_cookie_is_configurable(app_config):
    """SESSION_COOKIE_SECURE=True marks the session cookie Secure."""
    from service import create_app

    app = create_app({**app_config, "SESSION_COOKIE_SECURE": True})
    make_user(app, "anna")
    response = login(app.test_client(), "anna")
    assert "Secure" in response.headers["Set-Cookie"]


def test_wrong_password_and_unknown_user(app, client):
    """Both give the same 401 and no session."""
    make_user(app, "anna")
    wrong = login(client, "anna", "not the password")
    unknown = login(client, "nobody", "not the password")
    assert wrong.status_code == unknown.status_code == 401
    assert "Benutzername oder Passwort ist falsch." in wrong.text
    assert client.get("/translate/").status_code == 302


def test_failed_logins_are_rate_limited(app, client):
    """After five failures for a user name, even the right password is refused for a while."""
    make_user(app, "anna")
    for _ in range(auth.LOGIN_LIMIT_USER):
        assert login(client, "anna", "wrong password!").status_code == 401
    blocked = login(client, "anna")
    assert blocked.status_code == 429
    assert "Zu viele fehlgeschlagene Anmeldungen" in blocked.text
    assert client.get("/translate/").status_code == 302


def test_attempt_login_raises_typed_exceptions(app):
    """Wrong credentials and too many failures are told apart by type, never by reading a message."""
    make_user(app, "anna")
    with app.test_request_context("/translate/login", method="POST"):
        assert auth.attempt_login("anna", PASSWORD).username == "anna"
        for _ in range(auth.LOGIN_LIMIT_USER):
            with pytest.raises(auth.BadCredentials):
                auth.attempt_login("anna", "wrong password!")
        with pytest.raises(auth.LoginThrottled):
            auth.attempt_login("anna", PASSWORD)


def test_successful_login_resets_the_count(app, client):
    """Failures below the limit are forgotten after a success."""
    make_user(app, "anna")
    for _ in range(auth.LOGIN_LIMIT_USER - 1):
        login(client, "anna", "wrong password!")
    assert login(client, "anna").status_code == 303
    client.post("/translate/logout", data={"csrf_token": token(client.get("/translate/").text)})
    for _ in range(auth.LOGIN_LIMIT_USER - 1):
        assert login(client, "anna", "wrong password!").status_code == 401
    assert login(client, "anna").status_code == 303


def test_login_without_csrf_token_is_refused(app, client):
    """The login form is protected too (no login CSRF)."""
    make_user(app, "anna")
    client.get("/translate/login")
    response = client.post("/translate/login", data={"username": "anna", "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/translate/").status_code == 302


def test_csrf_rejection_changes_nothing(app, client, translations_dir):
    """A save with a missing or foreign token gets 400 and the catalog stays byte-identical."""
    make_user(app, "anna")
    login(client, "anna")
    po = translations_dir / "en" / "LC_MESSAGES" / "messages.po"
    before = po.read_bytes()
    key = entry_key(client, "en", "Hinweis")
    _, _, revision = open_editor(client, "en", key)
    for bad in ("", "forged-token-forged-token-forged-token"):
        response = client.post(f"/translate/en/entry/{key}",
                               data={"csrf_token": bad, "revision": revision, "msgstr": "Notice!", "action": "save"})
        assert response.status_code == 400
        assert "Das Formular ist abgelaufen oder ungültig" in response.text
    other = app.test_client()
    make_user(app, "bert")
    login(other, "bert")
    response = save(client, "en", key, "Notice!", csrf=token(other.get("/translate/").text))
    assert response.status_code == 400
    assert po.read_bytes() == before


def test_translator_cannot_write_a_locale_they_do_not_hold(app, client, translations_dir):
    """Reading another locale is allowed; saving and uploading it are 403 and change nothing."""
    make_user(app, "anna", locales=("en",))
    login(client, "anna")
    po = translations_dir / "tr" / "LC_MESSAGES" / "messages.po"
    before = po.read_bytes()
    key = entry_key(client, "tr", "Hinweis")
    page = client.get(f"/translate/tr/entry/{key}")
    assert page.status_code == 200 and "Sie dürfen diese Sprache nur lesen." in page.text
    assert 'name="revision"' not in page.text
    revision = re.search(r"<code>([0-9a-f]{16})</code>", page.text).group(1)
    response = client.post(f"/translate/tr/entry/{key}", data={
        "csrf_token": token(page.text), "revision": revision, "msgstr": "Duyuru", "action": "approve"})
    assert response.status_code == 403
    assert "Sie dürfen diese Sprache nicht bearbeiten." in response.text
    upload = client.post("/translate/tr/upload", data={"csrf_token": token(page.text)})
    assert upload.status_code == 403
    assert client.get("/translate/users").status_code == 403
    assert po.read_bytes() == before


def test_tampered_ids_and_revisions(app, client):
    """Unknown entry keys are 404, malformed revisions 400, unknown locales 404."""
    make_user(app, "anna", locales=("en",))
    login(client, "anna")
    key = entry_key(client, "en", "Hinweis")
    assert client.get("/translate/en/entry/ffffffffffffffff").status_code == 404
    assert client.get("/translate/en/entry/..%2F..%2Fetc").status_code == 404
    assert client.get("/translate/xx/").status_code == 404
    assert client.get("/translate/de/").status_code == 404
    assert save(client, "en", key, "Notice!", revision="not-a-revision").status_code == 400


def test_password_change_ends_sessions(app, client):
    """`flask users passwd` makes an open session invalid."""
    make_user(app, "anna")
    login(client, "anna")
    assert client.get("/translate/").status_code == 200
    result = app.test_cli_runner().invoke(args=["users", "passwd", "anna", "--password-stdin"],
                                          input="another long password\n")
    assert result.exit_code == 0, result.output
    assert client.get("/translate/").status_code == 302
    assert login(client, "anna", "another long password").status_code == 303


def test_users_cli(app):
    """add (with role and locales), list, access, remove; bad input is refused."""
    runner = app.test_cli_runner()
    ok = runner.invoke(args=["users", "add", "clara", "--role", "translator", "--locales", "en,ar",
                             "--password-stdin"], input=PASSWORD + "\n")
    assert ok.exit_code == 0, ok.output
    assert "clara" in runner.invoke(args=["users", "list"]).output
    assert runner.invoke(args=["users", "add", "clara", "--password-stdin"], input=PASSWORD + "\n").exit_code != 0
    assert runner.invoke(args=["users", "add", "dora", "--password-stdin"], input="short\n").exit_code != 0
    assert runner.invoke(args=["users", "add", "dora", "--locales", "xx", "--password-stdin"],
                         input=PASSWORD + "\n").exit_code != 0
    assert runner.invoke(args=["users", "access", "clara", "--locales", "tr"]).exit_code == 0
    with db.connect(app) as conn:
        user = auth.get_user_by_name(conn, "clara")
    assert user.locales == ("tr",) and user.password_hash.startswith("scrypt:")
    assert runner.invoke(args=["users", "remove", "clara"]).exit_code == 0
    assert runner.invoke(args=["users", "remove", "clara"]).exit_code != 0


def test_admin_manages_users_on_the_web(app, client):
    """An admin adds an account with locales; it can log in."""
    make_user(app, "root", role="admin", locales=())
    login(client, "root")
    page = client.get("/translate/users")
    assert page.status_code == 200
    response = client.post("/translate/users", data={"csrf_token": token(page.text), "action": "add",
                                                     "username": "emil", "password": PASSWORD,
                                                     "role": "translator", "locales": ["pl"]})
    assert response.status_code == 303
    assert login(app.test_client(), "emil").status_code == 303


def test_ui_language_by_param_and_header(app, client):
    """The workbench speaks the Accept-Language locale, or the one chosen with ?lang=."""
    make_user(app, "anna")
    login(client, "anna")
    assert '<html lang="de"' in client.get("/translate/").text
    assert '<html lang="en"' in client.get("/translate/?lang=en").text
    assert '<html lang="en"' in client.get("/translate/").text  # remembered
    fresh = app.test_client()
    assert '<html lang="tr"' in fresh.get("/translate/login", headers={"Accept-Language": "tr"}).text
