"""Finding L2 (third red team): 500s on huge ids (``/translate/feedback/99999999999999999999``) and on NUL bytes in
the inbox search and notes (PostgreSQL refuses NUL in text). Every ``<int:...>`` in a URL is now bounded to the
id columns' INTEGER (32 bits in PostgreSQL; larger: 404); a NUL in a query value is refused with 400 before any
view, and each form refuses it with its error next to what was typed (the inbox note now too); no user name with
one is looked up."""
from __future__ import annotations

import pytest
from sqlalchemy import insert, select

from service import db
from service.db.schema import feedback

from ..workbench_support import login, make_user, token, unescape

HUGE = ["99999999999999999999", str(2**31), str(2**63), str(2**64), str(2**64 - 1), "1" + "0" * 40]


@pytest.fixture
def reader(app, client):
    """A signed-in accessibility contact and one stored message."""
    make_user(app, "lena", role="accessibility", locales=())
    with db.connect(app) as conn, db.transaction(conn):
        conn.execute(insert(feedback).values(locale="de", page="barrierefreiheit", name="", email="",
                                             message="Der Kontrast ist zu schwach."))
    login(client, "lena")
    return client


@pytest.mark.parametrize("number", HUGE)
def test_huge_ids_are_not_found(reader, number):
    """The red team's id and ids up to 2^64 and beyond: 404, never 500, both for GET and POST."""
    assert reader.get(f"/translate/feedback/{number}").status_code == 404
    page = reader.get("/translate/feedback/1")
    response = reader.post(f"/translate/feedback/{number}", data={"csrf_token": token(page.text), "action": "open"})
    assert response.status_code == 404


def test_the_largest_id_a_database_holds_is_looked_up(reader):
    """2^31 - 1, the largest of PostgreSQL's INTEGER ids, still reaches the database (no such message: 404)."""
    assert reader.get(f"/translate/feedback/{2**31 - 1}").status_code == 404
    assert reader.get("/translate/feedback/1").status_code == 200


def test_a_huge_suggestion_id_is_not_found(app, client):
    """The suggestion queue's POST route is bounded the same way."""
    make_user(app, "anna", locales=("en",))
    login(client, "anna")
    page = client.get("/translate/en/suggestions")
    response = client.post(f"/translate/en/suggestions/{2**64}", data={"csrf_token": token(page.text),
                                                                        "state": "done"})
    assert response.status_code == 404


def test_nul_in_the_inbox_search_is_refused_in_the_readers_language(reader):
    """A NUL byte in ``q`` never reaches the query: 400 with the reason."""
    response = reader.get("/translate/feedback/", query_string={"q": "Kontrast\x00"})
    assert response.status_code == 400
    assert "Der Text enthält unzulässige Steuerzeichen." in unescape(response.text)
    export = reader.get("/translate/feedback/export.csv", query_string={"q": "\x00"})
    assert export.status_code == 400


def test_nul_in_a_note_is_refused_and_the_message_unchanged(app, reader):
    """A note with a NUL byte: 400 with the reason on the form, the typed note kept, stored note and state unchanged."""
    page = reader.get("/translate/feedback/1")
    response = reader.post("/translate/feedback/1", data={"csrf_token": token(page.text), "action": "handled",
                                                          "note": "Telefonisch geklärt\x00"})
    assert response.status_code == 400
    assert "Der Text enthält unzulässige Steuerzeichen." in unescape(response.text)
    assert "Telefonisch geklärt" in unescape(response.text)
    with db.connect(app) as conn:
        row = conn.execute(select(feedback)).first()
    assert row.state == "open" and row.note == ""


def test_no_user_name_with_nul_is_looked_up(app, client, monkeypatch):
    """The users form and the command line with such a name: "no such account", without a query."""
    from service.workbench import auth

    make_user(app, "root", role="admin", locales=())
    login(client, "root")
    with db.connect(app) as conn:
        assert auth.get_user_by_name(conn, "anna\x00") is None
    page = client.get("/translate/users")
    response = client.post("/translate/users", data={"csrf_token": token(page.text), "action": "access",
                                                     "username": "root\x00", "role": "translator"})
    assert response.status_code == 404
    result = app.test_cli_runner().invoke(args=["users", "remove", "root\x00"])
    assert result.exit_code != 0 and "no user" in result.output


def test_the_command_line_search_drops_nul(app, reader):
    """`flask feedback list --search` with a NUL byte: the byte is dropped before the query, the message found."""
    result = app.test_cli_runner().invoke(args=["feedback", "list", "--search", "Kontrast\x00"])
    assert result.exit_code == 0 and "1 message(s)" in result.output
