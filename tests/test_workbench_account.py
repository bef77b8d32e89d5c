"""A translator's own account (password, time zone), the confirmed removal of accounts, full pronunciation notes and
the preview of a term without a spoken form, through the real app."""
from __future__ import annotations

import csv
import io
import re

import pytest
from sqlalchemy import insert

from service import create_app, db
from service.config import ConfigError
from service.db.schema import feedback, wb_audit
from service.workbench import auth

from .workbench_support import PASSWORD, login, make_user, token, unescape

NEW_PASSWORD = "violet tractor moonlight"


def _change(client, current: str, new: str, repeat: str | None = None):
    """Post the password form of the account page."""
    page = client.get("/translate/account")
    assert page.status_code == 200
    return client.post("/translate/account", data={"csrf_token": token(page.text), "action": "password",
                                                    "current": current, "password": new,
                                                    "repeat": new if repeat is None else repeat})


def test_a_translator_changes_their_own_password(app, client):
    """The current password is asked, the admins' strength rules hold, and afterwards only the new password
    works: this browser stays signed in, a session elsewhere ends."""
    make_user(app, "anna")
    elsewhere = app.test_client()
    login(client, "anna")
    login(elsewhere, "anna")
    assert 'href="/translate/account"' in client.get("/translate/").text
    wrong = _change(client, "not my password", NEW_PASSWORD)
    assert wrong.status_code == 400 and "Das bisherige Passwort ist falsch." in unescape(wrong.text)
    differ = _change(client, PASSWORD, NEW_PASSWORD, "violet tractor moonlit")
    assert differ.status_code == 400 and "Die beiden neuen Passwörter sind nicht gleich." in unescape(differ.text)
    weak = _change(client, PASSWORD, "Herne-Bildung-2026")
    assert weak.status_code == 400 and "zu leicht zu erraten" in unescape(weak.text)
    short = _change(client, PASSWORD, "kurz")
    assert short.status_code == 400 and "mindestens 12 Zeichen" in unescape(short.text)
    with db.connect(app) as conn:  # nothing changed so far
        assert auth.verify(conn, "anna", PASSWORD) is not None
    client.get("/translate/account", query_string={"lang": "en"})  # the interface language survives the change
    done = _change(client, PASSWORD, NEW_PASSWORD)
    assert done.status_code == 303 and done.headers["Location"] == "/translate/account"
    assert "Your password has been changed." in unescape(client.get("/translate/account").text)
    assert client.get("/translate/").status_code == 200  # still signed in here
    assert elsewhere.get("/translate/").status_code == 302  # the other session ended
    with db.connect(app) as conn:
        assert auth.verify(conn, "anna", PASSWORD) is None and auth.verify(conn, "anna", NEW_PASSWORD) is not None
    assert login(app.test_client(), "anna", NEW_PASSWORD).status_code == 303


def test_guessing_the_current_password_is_throttled(app, client):
    """The current-password field is a login: guessing it is slowed down like one (429, Retry-After)."""
    make_user(app, "anna")
    login(client, "anna")
    answers = [_change(client, f"guess number {i}", NEW_PASSWORD) for i in range(12)]
    assert answers[-1].status_code == 429 and int(answers[-1].headers["Retry-After"]) >= 1
    assert "Zu viele fehlgeschlagene Anmeldungen" in unescape(answers[-1].text)


def test_removing_an_account_asks_first(app, client):
    """The delete button asks (a page of its own, no script needed); Cancel keeps the account, Yes removes it."""
    make_user(app, "root", role="admin")
    make_user(app, "clara")
    login(client, "root")
    users = client.get("/translate/users")
    asked = client.post("/translate/users", data={"csrf_token": token(users.text), "action": "remove",
                                                  "username": "clara"})
    text = unescape(asked.text)
    assert asked.status_code == 200 and "Wollen Sie das Konto clara wirklich löschen?" in text
    assert 'href="/translate/users">Abbrechen</a>' in text
    with db.connect(app) as conn:
        assert auth.get_user_by_name(conn, "clara") is not None  # asking removed nothing
    assert login(app.test_client(), "clara").status_code == 303
    gone = client.post("/translate/users", data={"csrf_token": token(asked.text), "action": "remove",
                                                 "username": "clara", "confirm": "yes"})
    assert gone.status_code == 303
    assert "Konto clara gelöscht." in unescape(client.get("/translate/users").text)
    with db.connect(app) as conn:
        assert auth.get_user_by_name(conn, "clara") is None
    unknown = client.post("/translate/users", data={"csrf_token": token(users.text), "action": "remove",
                                                    "username": "nobody"})
    assert unknown.status_code == 404


def _audit_row(app, at: str) -> None:
    """One change of the English catalog at a known moment (UTC)."""
    with db.connect(app) as conn, db.transaction(conn):
        conn.execute(insert(wb_audit).values(at=at, username="anna", locale="en", action="save", msgid="Hallo",
                                             old="", new="Hello"))


def _shown_time(page_html: str) -> tuple[str, str]:
    """The first time element of a page: its datetime attribute and its text."""
    found = re.search(r'<time datetime="([^"]+)" title="[^"]+">([^<]+)</time>', page_html)
    assert found, "no <time> on the page"
    return found.group(1), unescape(found.group(2))


def test_times_show_in_the_translators_zone_and_language(app, client):
    """Europe/Berlin by default, the browser's zone sent with the login, the zone chosen on the account page; the
    format follows the interface language."""
    make_user(app, "anna")
    _audit_row(app, "2026-07-01T10:00:00Z")
    login(client, "anna")
    history = client.get("/translate/en/history")
    assert _shown_time(history.text) == ("2026-07-01T10:00:00Z", "01.07.2026, 12:00")  # summer time in Berlin
    assert "10:00" not in re.sub(r'datetime="[^"]+"', "", history.text.split("<tbody>")[1])
    english = client.get("/translate/en/history", query_string={"lang": "en"})
    assert _shown_time(english.text)[1] == "1 Jul 2026, 12:00"  # British English (remembered)
    # The browser tells its zone with the login form (the workbench script fills the hidden field).
    other = app.test_client()
    page = other.get("/translate/login")
    assert 'name="tz"' in page.text
    other.post("/translate/login", data={"csrf_token": token(page.text), "username": "anna", "password": PASSWORD,
                                         "tz": "America/New_York"})
    assert _shown_time(other.get("/translate/en/history").text)[1] == "01.07.2026, 06:00"
    # The account page changes it; a name that is no zone is refused and changes nothing.
    account = client.get("/translate/account")
    assert '<option selected>Europe/Berlin</option>' in account.text
    bad = client.post("/translate/account", data={"csrf_token": token(account.text), "action": "zone",
                                                  "zone": "Mars/Olympus"})
    assert bad.status_code == 400 and "This time zone does not exist." in unescape(bad.text)
    chosen = client.post("/translate/account", data={"csrf_token": token(account.text), "action": "zone",
                                                     "zone": "Asia/Tokyo"})
    assert chosen.status_code == 303
    assert _shown_time(client.get("/translate/en/history").text)[1] == "1 Jul 2026, 19:00"


def test_the_default_zone_is_a_setting(app_config):
    """WORKBENCH_TIMEZONE sets the zone of translators whose browser said none; a wrong name stops the start."""
    with pytest.raises(ConfigError, match="WORKBENCH_TIMEZONE"):
        create_app({**app_config, "WORKBENCH_TIMEZONE": "Europe/Herne"})
    app = create_app({**app_config, "WORKBENCH_TIMEZONE": "Europe/Istanbul"})
    make_user(app, "ayse")
    _audit_row(app, "2026-01-15T08:30:00Z")
    client = app.test_client()
    login(client, "ayse")
    assert _shown_time(client.get("/translate/en/history").text)[1] == "15.01.2026, 11:30"


def test_pronunciation_notes_show_in_full_and_every_term_can_be_heard(app, client):
    """A note the .po wraps over two lines shows whole; a term without a spoken form has a preview of how the
    voice says it now, which plays."""
    make_user(app, "ayse", locales=("tr",))
    login(client, "ayse")
    page = client.get("/translate/tr/lexicon")
    text = unescape(page.text)
    assert 'a German school type (grammar school); here part of the name "Gymnasium Wanne"' in text
    assert "TRANSLATORS:" not in text
    terms = re.findall(r'id="term-([0-9a-f]{16})">\s*<h2 class="wb-term"[^>]*>([^<]+)<', page.text)
    empty = [(key, term) for key, term in terms
             if re.search(rf'name="key" value="{key}">\s*<input[^>]+>\s*<label[^>]+>[^<]+</label>\s*'
                          rf'<input id="lex-{key}" name="msgstr" type="text" value=""', page.text)]
    assert empty, "the Turkish lexicon has no term without a spoken form"
    key, term = empty[0]
    assert f'src="/translate/tr/lexicon/{key}.mp3"' in page.text
    assert "So spricht die Stimme den Begriff jetzt, ohne eigene Aussprache:" in text
    audio = client.get(f"/translate/tr/lexicon/{key}.mp3")
    assert audio.status_code == 200 and audio.mimetype == "audio/mpeg" and len(audio.data) > 1000


def test_the_cli_export_opens_in_spreadsheets(app, runner, tmp_path):
    """`flask feedback export` writes UTF-8 with a byte order mark (Excel reads umlauts right), to a file and to
    standard output."""
    with db.connect(app) as conn, db.transaction(conn):
        conn.execute(insert(feedback).values(locale="de", page="index", name="Jürgen", email="", message="Größer"))
    out = tmp_path / "export.csv"
    assert runner.invoke(args=["feedback", "export", "-o", str(out)]).exit_code == 0
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[1][rows[0].index("name")] == "Jürgen"
    printed = runner.invoke(args=["feedback", "export"])
    assert printed.output.startswith("\ufeff")
