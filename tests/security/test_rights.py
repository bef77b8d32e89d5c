"""Finding L6 (third red team): the accessibility role could carry locales and then edit catalogs, and any signed-in
account could read every locale's entries, history, suggestion queue and .po. The rights now follow the role:
translators read and write their own locales, admins all, the accessibility contact none (it has the inbox)."""
from __future__ import annotations

import pytest
from sqlalchemy import insert

from service import db
from service.db.schema import wb_users
from service.workbench import auth

from ..workbench_support import PASSWORD, entry_key, login, make_user, token, unescape

PAGES = ["/translate/{loc}/", "/translate/{loc}/download", "/translate/{loc}/history", "/translate/{loc}/suggestions",
         "/translate/{loc}/upload", "/translate/{loc}/lexicon"]


def test_a_translator_reads_only_their_own_locales(app, client):
    """anna (en) gets 403 with the reason for every page of tr, 200 for en; the overview lists only en."""
    make_user(app, "anna", locales=("en",))
    login(client, "anna")
    key = entry_key(client, "en", "Bildung")
    for template in PAGES + ["/translate/{loc}/entry/" + key]:
        assert client.get(template.format(loc="en")).status_code == 200, template
        refused = client.get(template.format(loc="tr"))
        assert refused.status_code == 403, template
        assert "Diese Sprache gehört nicht zu Ihrem Konto." in unescape(refused.text)
    overview = client.get("/translate/").text
    assert "/translate/en/" in overview and "/translate/tr/" not in overview
    page = client.get("/translate/en/")
    assert client.post(f"/translate/tr/entry/{key}", data={"csrf_token": token(page.text), "msgstr": "x",
                                                           "revision": "0" * 16}).status_code == 403


def test_admins_read_every_locale(app, client):
    """The admin's overview and pages cover every locale."""
    make_user(app, "root", role="admin", locales=())
    login(client, "root")
    for loc in ("en", "tr", "ar"):
        for template in PAGES:
            assert client.get(template.format(loc=loc)).status_code == 200, (template, loc)


def test_the_accessibility_role_carries_no_locales(app, client, runner):
    """Adding it with locales is refused on the web and the CLI, with the reason; nothing is created."""
    make_user(app, "root", role="admin", locales=())
    login(client, "root")
    page = client.get("/translate/users", query_string={"lang": "en"})
    response = client.post("/translate/users", data={"csrf_token": token(page.text), "action": "add",
                                                     "username": "lena", "password": PASSWORD,
                                                     "role": "accessibility", "locales": ["en"]})
    assert response.status_code == 400
    assert "Accounts with the accessibility role edit no languages." in unescape(response.text)
    result = runner.invoke(args=["users", "add", "lena", "--role", "accessibility", "--locales", "en",
                                 "--password-stdin"], input=PASSWORD + "\n")
    assert result.exit_code != 0 and "keine Sprachen" in result.output
    with db.connect(app) as conn:
        assert auth.get_user_by_name(conn, "lena") is None


def test_a_translator_made_accessibility_contact_leaves_their_locales(app, runner):
    """`flask users access --role accessibility` drops the locales; giving them back is refused."""
    make_user(app, "anna", locales=("en", "tr"))
    assert runner.invoke(args=["users", "access", "anna", "--role", "accessibility"]).exit_code == 0
    with db.connect(app) as conn:
        assert auth.get_user_by_name(conn, "anna").locales == ()
    assert runner.invoke(args=["users", "access", "anna", "--locales", "en"]).exit_code != 0


@pytest.fixture
def legacy_contact(app, client):
    """An accessibility account stored with a locale before the rule (as the red team made it), signed in."""
    with db.connect(app) as conn, db.transaction(conn):
        conn.execute(insert(wb_users).values(username="lena", password=auth.hash_password(PASSWORD),
                                             role="accessibility", locales="en"))
    login(client, "lena")
    return client


def test_an_old_accessibility_account_with_a_locale_can_neither_read_nor_edit(app, legacy_contact):
    """Its stored locale counts for nothing: 403 on the catalog, the inbox still open to it."""
    assert legacy_contact.get("/translate/en/").status_code == 403
    assert legacy_contact.get("/translate/en/upload").status_code == 403
    assert legacy_contact.get("/translate/feedback/").status_code == 200
