"""Finding 10: at least 12 characters and hard to guess (zxcvbn); scrypt at N=2^17, r=8, p=1, older hashes upgraded
at login."""
from __future__ import annotations

import pytest
from sqlalchemy import insert, select
from werkzeug.security import generate_password_hash

from service import config, create_app, db
from service.db.schema import wb_users
from service.workbench import auth

from ..workbench_support import login, make_user, token, unescape

WEAK = {
    "aaaaaaaaaa": "Das Passwort braucht mindestens 12 Zeichen.",
    "aaaaaaaaaaaa": "Dieses Passwort ist zu leicht zu erraten.",
    "Passwort1234": "Dieses Passwort ist zu leicht zu erraten.",
    "password1234": "Dieses Passwort ist zu leicht zu erraten.",
    "werkstatt123": "Dieses Passwort ist zu leicht zu erraten.",  # a word of the service itself
    "emilemilemil": "Dieses Passwort ist zu leicht zu erraten.",
}


@pytest.fixture
def production(app_config):
    """The app with the default hash settings (the other tests use a cheaper scrypt)."""
    return create_app({**app_config, "PASSWORD_HASH_METHOD": config.defaults("")["PASSWORD_HASH_METHOD"]})


def test_weak_passwords_are_refused_on_the_web_and_the_command_line(app, client):
    """The finding: `aaaaaaaaaa` for an admin. Each weak password gets its reason in German; none is stored."""
    make_user(app, "root", role="admin", locales=())
    login(client, "root")
    for password, reason in WEAK.items():
        page = client.get("/translate/users")
        response = client.post("/translate/users", data={"csrf_token": token(page.text), "action": "add",
                                                         "username": "emil", "password": password, "role": "admin"})
        assert response.status_code == 400 and reason in unescape(response.text), password
        result = app.test_cli_runner().invoke(args=["users", "add", "emil", "--role", "admin", "--password-stdin"],
                                              input=password + "\n")
        assert result.exit_code != 0, password
    with db.connect(app) as conn:
        assert auth.get_user_by_name(conn, "emil") is None
    assert app.test_cli_runner().invoke(args=["users", "add", "emil", "--password-stdin"],
                                        input="lantern orbit velvet 9\n").exit_code == 0
    assert "mindestens 12 Zeichen, schwer zu erraten" in client.get("/translate/users").text


def test_new_hashes_use_owasp_scrypt_parameters(production):
    """scrypt with N=2^17, r=8, p=1 (werkzeug's method string)."""
    make_user(production, "anna")
    with db.connect(production) as conn:
        assert auth.get_user_by_name(conn, "anna").password_hash.startswith("scrypt:131072:8:1$")


def test_an_older_hash_is_upgraded_at_the_next_login(production):
    """An account hashed with werkzeug's default scrypt (N=2^15) signs in and gets the stronger hash."""
    old = generate_password_hash("lantern orbit velvet 9", method="scrypt")
    assert old.startswith("scrypt:32768:8:1$")
    with db.connect(production) as conn, db.transaction(conn):
        conn.execute(insert(wb_users).values(username="anna", password=old, role="translator", locales="en"))
    client = production.test_client()
    assert login(client, "anna", "lantern orbit velvet 9").status_code == 303
    with db.connect(production) as conn:
        stored = conn.scalar(select(wb_users.c.password).where(wb_users.c.username == "anna"))
    assert stored.startswith("scrypt:131072:8:1$")
    assert login(production.test_client(), "anna", "lantern orbit velvet 9").status_code == 303
