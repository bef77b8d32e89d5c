"""Typed text survives the end of a session: the editor comes back with the text and a login in the same form."""
from __future__ import annotations

import json
import re

from sqlalchemy import delete

from service import db
from service.db.schema import wb_pending, wb_sessions

from .workbench_support import (
    PASSWORD,
    PENDING_RE,
    entry_key,
    login,
    make_user,
    open_editor,
    rows,
    save,
    token,
    unescape,
)

TEXT = "Please note: offices close at noon on 24 December – “exactly” as typed."


def _post(client, key: str, fields: dict) -> object:
    """Post an editor form of the English catalog."""
    return client.post(f"/translate/en/entry/{key}", data=fields)


def _form(client, key: str) -> dict:
    """The fields of a fresh editor form with the text typed in."""
    page, csrf, revision = open_editor(client, "en", key)
    return {"csrf_token": csrf, "revision": revision, "pending": PENDING_RE.search(page).group(1), "msgstr": TEXT,
            "action": "save"}


def _pending_text(app) -> list[list[str]]:
    """The texts waiting for review."""
    return [json.loads(r.strings) for r in rows(app, wb_pending)]


def test_idle_timeout_shows_the_text_and_a_login_then_saves(app, client):
    """The session row is gone (idle timeout): Save answers 401 with the exact text; logging in there saves it."""
    make_user(app, "anna")
    login(client, "anna")
    key = entry_key(client, "en", "Hinweis")
    fields = _form(client, key)
    with db.connect(app) as conn, db.transaction(conn):
        conn.execute(delete(wb_sessions))  # what the idle timeout does
    response = _post(client, key, fields)
    assert response.status_code == 401
    page = unescape(response.text)
    assert "Ihre Sitzung ist abgelaufen." in page
    assert f">{TEXT}</textarea>" in page
    assert 'id="login-password"' in page and "Anmelden und speichern" in page
    # A wrong password keeps the text too.
    form = {**fields, "csrf_token": token(response.text), "username": "anna", "password": "wrong password!"}
    again = _post(client, key, form)
    assert again.status_code == 401 and f">{TEXT}</textarea>" in unescape(again.text)
    assert "Benutzername oder Passwort ist falsch." in unescape(again.text)
    done = _post(client, key, {**form, "csrf_token": token(again.text), "password": PASSWORD})
    assert done.status_code == 303
    assert _pending_text(app) == [[TEXT]]  # exactly what was typed, waiting for review
    assert f">{TEXT}</textarea>" in unescape(client.get(f"/translate/en/entry/{key}").text)


def test_logout_in_another_tab_keeps_the_text(app, client):
    """Logged out elsewhere (session and token gone): Save shows the text and a login; after it, the text is saved."""
    make_user(app, "anna")
    login(client, "anna")
    key = entry_key(client, "en", "Hinweis")
    fields = _form(client, key)
    home = client.get("/translate/")
    assert client.post("/translate/logout", data={"csrf_token": token(home.text)}).status_code == 303
    response = _post(client, key, fields)
    assert response.status_code == 401
    assert f">{TEXT}</textarea>" in unescape(response.text)
    done = _post(client, key, {**fields, "csrf_token": token(response.text), "username": "anna",
                               "password": PASSWORD})
    assert done.status_code == 303
    assert f">{TEXT}</textarea>" in unescape(client.get(f"/translate/en/entry/{key}").text)


def test_a_form_expired_by_a_new_login_elsewhere_keeps_the_text(app, client):
    """Signed in again in another tab (new token): Save answers 400 with the text; saving again works."""
    make_user(app, "anna")
    login(client, "anna")
    key = entry_key(client, "en", "Hinweis")
    fields = _form(client, key)
    login(client, "anna")
    response = _post(client, key, fields)
    assert response.status_code == 400
    page = unescape(response.text)
    assert f">{TEXT}</textarea>" in page and "Ihr Text ist nicht verloren" in page
    fresh = dict(re.findall(r'name="(csrf_token|revision|pending)" value="([^"]*)"', response.text))
    assert _post(client, key, {**fields, **fresh}).status_code == 303


def test_keep_alive_answers_204_in_a_session_and_401_after(app, client):
    """The editor's keep-alive request keeps the session and tells when it has ended."""
    make_user(app, "anna")
    login(client, "anna")
    assert client.get("/translate/ping").status_code == 204
    with db.connect(app) as conn, db.transaction(conn):
        conn.execute(delete(wb_sessions))
    assert client.get("/translate/ping").status_code == 401


def test_a_save_after_login_still_notices_what_others_saved_meanwhile(app, client):
    """A colleague approved a text while Anna's session ended: the login form keeps the version Anna started from,
    so signing in to save gives a conflict with both texts instead of overwriting the colleague's."""
    make_user(app, "anna")
    make_user(app, "root", role="admin", locales=())
    login(client, "anna")
    key = entry_key(client, "en", "Hinweis")
    fields = _form(client, key)
    with db.connect(app) as conn, db.transaction(conn):
        conn.execute(delete(wb_sessions))
    root = app.test_client()
    login(root, "root")
    assert save(root, "en", key, "Attention", action="approve").status_code == 303
    expired = _post(client, key, fields)
    assert expired.status_code == 401
    resent = dict(re.findall(r'name="(csrf_token|revision|pending)" value="([^"]*)"', expired.text))
    assert resent["revision"] == fields["revision"]  # the version Anna started from, not the colleague's
    conflict = _post(client, key, {**fields, **resent, "username": "anna", "password": PASSWORD})
    assert conflict.status_code == 409
    page = unescape(conflict.text)
    assert f">{TEXT}</textarea>" in page and "Attention" in page
