"""The accessibility feedback form: good messages are stored, bad ones explained in the page's language."""
from __future__ import annotations

import pytest
from sqlalchemy import Row, select

from service import db
from service.db.schema import feedback

from .html import find


def stored(app) -> list[Row]:
    """Every feedback row in the database."""
    with db.connect(app) as conn:
        return list(conn.execute(select(feedback).order_by(feedback.c.id)))


def test_valid_feedback_is_stored_and_thanked(app, client):
    """A valid message is stored durably and the visitor sees a thank-you in their language."""
    response = client.post("/en/barrierefreiheit", data={
        "name": "Ayşe Yılmaz", "email": "ayse@example.org", "message": "The contrast of the menu is too low for me."})
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/en/barrierefreiheit?sent=1#feedback")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    success = find(page, "p", class_="form-success")[0]
    assert success.attrs["role"] == "status"
    assert "Thank you" in success.text
    rows = stored(app)
    assert [(r.locale, r.name, r.email) for r in rows] == [("en", "Ayşe Yılmaz", "ayse@example.org")]
    assert "Set-Cookie" not in response.headers


@pytest.mark.parametrize(
    "data, field",
    [
        ({"message": ""}, "message"),
        ({"message": "   \n  "}, "message"),
        ({"message": "zu kurz"}, "message"),
        ({"message": "x" * 5001}, "message"),
        ({"message": "Eine ausreichend lange Nachricht.", "email": "keine-adresse"}, "email"),
        ({"message": "Eine ausreichend lange Nachricht.", "email": "a@b"}, "email"),
        ({"message": "Eine ausreichend lange Nachricht.", "name": "n" * 201}, "name"),
        ({"message": "Eine ausreichend lange\x00 Nachricht mit Steuerzeichen."}, "message"),
    ],
)
def test_bad_feedback_is_explained_and_nothing_is_stored(app, client, data, field):
    """Each bad submission gets a 400 with a message linked to its field; the typed text is kept."""
    response = client.post("/de/barrierefreiheit", data=data)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert find(html, "div", class_="form-errors")[0].attrs["role"] == "alert"
    field_el = find(html, id=f"fb-{field}")[0]
    assert field_el.attrs["aria-invalid"] == "true"
    assert find(html, "p", id=f"fb-{field}-error")
    if data["message"].strip() and "\x00" not in data["message"] and len(data["message"]) < 6000:
        assert data["message"].strip() in html  # nothing the visitor typed is lost
    assert stored(app) == []


def test_error_messages_are_in_the_page_language(client):
    """A Turkish visitor reads the validation error in Turkish."""
    html = client.post("/tr/barrierefreiheit", data={"message": ""}).get_data(as_text=True)
    error = find(html, "p", id="fb-message-error")[0].text
    assert error and error != "Bitte schreiben Sie Ihre Nachricht."
    assert find(html, "html")[0].attrs["lang"] == "tr"


def test_feedback_is_rate_limited_across_workers(app_config, app):
    """The sixth message within ten minutes from one address is refused, counted in the shared database."""
    from service import create_app

    workers = [app.test_client(), create_app(app_config).test_client()]
    data = {"message": "Eine ausreichend lange Nachricht."}
    statuses = [workers[i % 2].post("/de/barrierefreiheit", data=data).status_code for i in range(6)]
    assert statuses == [303] * 5 + [429]
    assert len(stored(app)) == 5


def test_honeypot_stores_nothing(app, client):
    """A bot filling the hidden field is thanked and ignored."""
    response = client.post("/de/barrierefreiheit",
                           data={"message": "Kaufen Sie jetzt billige Uhren!", "website": "spam"})
    assert response.status_code == 303
    assert stored(app) == []


def test_feedback_to_unknown_locale_is_404(client):
    """Posting to a locale we do not serve is a 404, not a crash."""
    assert client.post("/xx/barrierefreiheit", data={"message": "Eine ausreichend lange Nachricht."}).status_code == 404


def test_oversized_form_is_refused(client):
    """A body larger than the configured maximum is a 413 page."""
    response = client.post("/de/barrierefreiheit", data={"message": "x" * (3 * 1024 * 1024)})
    assert response.status_code == 413
