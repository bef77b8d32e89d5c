"""The feedback inbox: who may read it, filters, handling with a note, CSV export, and `flask feedback`."""
from __future__ import annotations

import csv
import io
import re

import pytest
from sqlalchemy import insert, select

from service import db, inbox
from service.db.schema import feedback, mail_outbox

from .html import find
from .workbench_support import login, make_user, token, unescape

ROWS = [
    {"created": "2026-11-01T08:00:00Z", "locale": "de", "page": "barrierefreiheit", "name": "Anna Schmidt",
     "email": "anna@example.org", "message": "Der Kontrast im Menü ist zu schwach."},
    {"created": "2026-11-02T09:30:00Z", "locale": "ar", "page": "index", "name": "", "email": "",
     "message": "النص صغير جدا على الهاتف"},
    {"created": "2026-11-03T10:00:00Z", "locale": "en", "page": "werkstatt", "name": "=HYPERLINK(\"http://x\")",
     "email": "", "message": "+49 123 – the player button has no label; -1 @SUM(A1)"},
]


@pytest.fixture
def filled(app):
    """Three messages in the database, in three locales."""
    with db.connect(app) as conn:
        with db.transaction(conn):
            conn.execute(insert(feedback), ROWS)
    return app


def client_of(app, username: str, role: str, locales: tuple[str, ...] = ()):
    """A signed-in client of a new account with a role."""
    make_user(app, username, role=role, locales=locales)
    client = app.test_client()
    assert login(client, username).status_code == 303
    return client


@pytest.mark.parametrize("role, status", [("translator", 403), ("accessibility", 200), ("admin", 200)])
def test_only_admins_and_the_accessibility_contact_may_read_feedback(filled, role, status):
    """Translators get 403 on every inbox URL and no link to it; the other two roles see the messages."""
    client = client_of(filled, "person", role, ("en",) if role == "translator" else ())
    for url in ("/translate/feedback/", "/translate/feedback/1", "/translate/feedback/export.csv"):
        response = client.get(url)
        assert response.status_code == status, url
        assert response.headers["Cache-Control"] == "no-store"
    nav = client.get("/translate/").text
    assert ('href="/translate/feedback/"' in nav) == (status == 200)
    if status == 403:
        assert "Anna Schmidt" not in client.get("/translate/feedback/1").text
        page = client.post("/translate/feedback/1", data={"csrf_token": token(nav), "action": "handled"})
        assert page.status_code == 403


def test_anonymous_visitors_are_sent_to_the_login(filled):
    """Without a session the inbox redirects to the login form."""
    response = filled.test_client().get("/translate/feedback/")
    assert response.status_code == 302 and "/translate/login" in response.headers["Location"]


def test_list_and_filters(filled):
    """Open messages newest first; filters by locale and text; counts with the right plural."""
    client = client_of(filled, "barriere", "accessibility")
    page = client.get("/translate/feedback/").text
    assert [r.attrs["data-id"] for r in find(page, "tr", class_="wb-feedback")] == ["3", "2", "1"]
    assert "3 Rückmeldungen gefunden." in page
    one = client.get("/translate/feedback/", query_string={"locale": "ar"}).text
    assert [r.attrs["data-id"] for r in find(one, "tr", class_="wb-feedback")] == ["2"]
    assert "1 Rückmeldung gefunden." in one
    cell = [c for c in find(one, "td") if "النص" in c.text][0]
    assert cell.attrs["lang"] == "ar" and cell.attrs["dir"] == "rtl"
    found = client.get("/translate/feedback/", query_string={"q": "KONTRAST"}).text
    assert [r.attrs["data-id"] for r in find(found, "tr", class_="wb-feedback")] == ["1"]
    english = client.get("/translate/feedback/?lang=en").text
    assert "3 messages found." in english


def test_mark_handled_with_a_note_and_reopen(filled):
    """Handling stores the note, who and when; the message leaves the open list; reopening brings it back."""
    client = client_of(filled, "barriere", "accessibility")
    page = client.get("/translate/feedback/1").text
    assert "Anna Schmidt" in page and 'href="mailto:anna@example.org"' in page
    response = client.post("/translate/feedback/1", data={
        "csrf_token": token(page), "action": "handled", "note": "Kontrast auf 7:1 erhöht, Antwort am 4.11. gesendet."})
    assert response.status_code == 303
    shown = client.get("/translate/feedback/1").text
    assert "Als erledigt gespeichert." in shown and "von barriere am" in shown
    with db.connect(filled) as conn:
        row = inbox.get(conn, 1)
    assert (row.state, row.handled_by, row.note) == ("handled", "barriere",
                                                      "Kontrast auf 7:1 erhöht, Antwort am 4.11. gesendet.")
    assert row.handled_at.endswith("Z")
    listed = client.get("/translate/feedback/").text
    assert [r.attrs["data-id"] for r in find(listed, "tr", class_="wb-feedback")] == ["3", "2"]
    done = client.get("/translate/feedback/", query_string={"state": "handled"}).text
    assert [r.attrs["data-id"] for r in find(done, "tr", class_="wb-feedback")] == ["1"]
    client.post("/translate/feedback/1", data={"csrf_token": token(shown), "action": "open", "note": row.note})
    with db.connect(filled) as conn:
        row = inbox.get(conn, 1)
    assert (row.state, row.handled_by, row.handled_at) == ("open", None, None) and row.note.startswith("Kontrast")


def test_bad_handling_requests(filled):
    """No CSRF token: 400; unknown action: 400; unknown message: 404; a note too long: 400, kept, nothing saved."""
    client = client_of(filled, "root", "admin")
    page = client.get("/translate/feedback/2").text
    assert client.post("/translate/feedback/2", data={"action": "handled"}).status_code == 400
    assert client.post("/translate/feedback/2", data={"csrf_token": token(page), "action": "x"}).status_code == 400
    handled = client.post("/translate/feedback/99", data={"csrf_token": token(page), "action": "handled"})
    assert handled.status_code == 404
    long = "x" * (inbox.MAX_NOTE + 1)
    response = client.post("/translate/feedback/2", data={"csrf_token": token(page), "action": "handled", "note": long})
    assert response.status_code == 400 and "höchstens 5000 Zeichen" in unescape(response.text)
    assert long in response.text
    with db.connect(filled) as conn:
        assert inbox.get(conn, 2).state == "open"


def test_csv_export_is_complete_and_formula_safe(filled):
    """The download has every field of every message; cells a spreadsheet would run as formulas are escaped."""
    client = client_of(filled, "barriere", "accessibility")
    response = client.get("/translate/feedback/export.csv", query_string={"state": "all"})
    assert response.mimetype == "text/csv"
    assert re.fullmatch(r'attachment; filename="rueckmeldungen-\d{4}-\d\d-\d\d\.csv"',
                        response.headers["Content-Disposition"])
    text = response.data.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert [r["id"] for r in rows] == ["3", "2", "1"]
    assert list(rows[0]) == list(inbox.CSV_FIELDS)
    assert rows[0]["name"] == "'=HYPERLINK(\"http://x\")"
    assert rows[0]["message"] == "'+49 123 – the player button has no label; '-1 @SUM(A1)"  # after ';' too (M5)
    assert rows[1]["message"] == "النص صغير جدا على الهاتف"
    assert rows[2]["email"] == "anna@example.org" and rows[2]["created"] == "2026-11-01T08:00:00Z"
    only_ar = client.get("/translate/feedback/export.csv", query_string={"state": "all", "locale": "ar"})
    assert len(list(csv.reader(io.StringIO(only_ar.data.decode("utf-8-sig"))))) == 2


@pytest.mark.parametrize("value, safe", [
    ("=1+1", "'=1+1"), ("+1", "'+1"), ("-1", "'-1"), ("@A1", "'@A1"), ("\tx", "'\tx"), ("%x", "'%x"),
    ("Kontrast", "Kontrast"), ("", ""), (None, ""), (12, "12"),
])
def test_safe_cell(value, safe):
    """Exactly the formula starters are escaped."""
    assert inbox.safe_cell(value) == safe


def test_cli_list_show_export_and_erase(filled, runner, tmp_path):
    """`flask feedback` lists, shows, exports (file 0600) and erases a message on request, with its e-mail."""
    listed = runner.invoke(args=["feedback", "list"])
    assert listed.exit_code == 0 and "3 message(s)" in listed.output and "Kontrast im Menü" in listed.output
    assert "1 message(s)" in runner.invoke(args=["feedback", "list", "--locale", "ar"]).output
    shown = runner.invoke(args=["feedback", "show", "2"])
    assert shown.exit_code == 0 and "النص صغير جدا على الهاتف" in shown.output and "page:       index" in shown.output
    assert runner.invoke(args=["feedback", "show", "9"]).exit_code == 1
    out = tmp_path / "export.csv"
    assert runner.invoke(args=["feedback", "export", "-o", str(out)]).exit_code == 0
    assert oct(out.stat().st_mode & 0o777) == "0o600"
    assert len(list(csv.reader(io.StringIO(out.read_text(encoding="utf-8"))))) == 4
    with db.connect(filled) as conn:
        with db.transaction(conn):
            conn.execute(insert(mail_outbox).values(topic="feedback", ref_id=1, recipients="a@b.example",
                                                    subject="s", body="Der Kontrast", next_attempt="x"))
    refused = runner.invoke(args=["feedback", "purge", "--id", "1", "--id", "7"])
    assert refused.exit_code == 1 and "nothing deleted" in refused.output
    erased = runner.invoke(args=["feedback", "purge", "--id", "1"])
    assert erased.exit_code == 0 and "1 message(s) deleted" in erased.output
    with db.connect(filled) as conn:
        assert [r.id for r in conn.execute(select(feedback.c.id))] == [2, 3]
        assert list(conn.execute(select(mail_outbox))) == []
