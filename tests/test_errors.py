"""The one error handler: Werkzeug errors with German source descriptions, answered in the visitor's language."""
from __future__ import annotations

from werkzeug import exceptions

from service.core.messages import N_
from service.web import errors

from .html import find


def test_our_errors_are_werkzeug_errors_with_german_descriptions():
    """Each class keeps Werkzeug's status code and carries a German source description."""
    assert issubclass(errors.NotFound, exceptions.NotFound) and errors.NotFound.code == 404
    assert errors.NotFound().description == "Diese Seite gibt es nicht."
    assert issubclass(errors.Unavailable, exceptions.ServiceUnavailable) and errors.Unavailable.code == 503
    assert errors.Unavailable("Die Vorlesefunktion ist zurzeit nicht verfügbar.").description == \
        "Die Vorlesefunktion ist zurzeit nicht verfügbar."


def test_405_names_the_allowed_methods_in_the_visitors_language(client):
    """A POST to a page: 405, an Allow header, and the message in the visitor's language."""
    response = client.post("/de/", headers={"Accept-Language": "tr"})
    assert response.status_code == 405
    assert set(response.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}
    assert find(response.text, "h1")[0].text.strip() == "Bu yönteme burada izin verilmiyor."


def test_405_as_json(client):
    """Programs get the same error as JSON, with the Allow header."""
    response = client.post("/de/", headers={"Accept": "application/json", "Accept-Language": "en"})
    assert response.status_code == 405 and "GET" in response.headers["Allow"]
    assert response.json == {"error": "This method is not allowed here.", "status": 405}


def test_405_when_the_error_page_itself_fails(client, monkeypatch):
    """A broken error template gives a plain-text answer with status and headers, never a 500."""

    def broken(*args, **kwargs):
        """Fail like a template with a mistake."""
        raise RuntimeError("template broken")

    monkeypatch.setattr(errors, "render_template", broken)
    response = client.post("/de/", headers={"Accept-Language": "en"})
    assert response.status_code == 405
    assert response.mimetype == "text/plain"
    assert response.text == "405 This method is not allowed here."
    assert "GET" in response.headers["Allow"]


def test_a_description_set_by_the_raiser_is_translated(app):
    """Unavailable with a more precise German description shows that one, translated."""

    def speak():
        """Fail like the read-aloud view when no speech backend works."""
        raise errors.Unavailable(N_("Die Vorlesefunktion ist zurzeit nicht verfügbar."))

    app.add_url_rule("/test-unavailable", "test_unavailable", speak)
    response = app.test_client().get("/test-unavailable", headers={"Accept": "application/json",
                                                                   "Accept-Language": "en"})
    assert response.status_code == 503
    assert response.json == {"error": "Read-aloud is not available at the moment.", "status": 503}


def test_unexpected_exceptions_are_a_500_without_a_trace(app):
    """Any other exception: a 500 page in the visitor's language, the trace only in the log."""

    def crash():
        """Fail like a bug."""
        raise ZeroDivisionError("secret detail")

    app.add_url_rule("/test-crash", "test_crash", crash)
    response = app.test_client().get("/test-crash", headers={"Accept-Language": "tr"})
    assert response.status_code == 500
    assert find(response.text, "h1")[0].text.strip() == "Dahili bir hata oluştu."
    assert "secret detail" not in response.text and "Traceback" not in response.text
