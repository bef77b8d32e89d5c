"""The one error handler: Werkzeug errors with German source descriptions, answered in the visitor's language."""
from __future__ import annotations

import pytest
from werkzeug import exceptions

from service import create_app
from service.core.messages import N_
from service.web import errors

from .html import find
from .workbench_support import entry_key, login, make_user, save


def test_our_errors_are_werkzeug_errors_with_german_descriptions():
    """Each class keeps Werkzeug's status code and carries a German source description."""
    assert issubclass(errors.NotFound, exceptions.NotFound) and errors.NotFound.code == 404
    assert errors.NotFound().description == "Diese Seite gibt es nicht."
    assert issubclass(errors.Unavailable, exceptions.ServiceUnavailable) and errors.Unavailable.code == 503
    assert errors.Unavailable("Die Vorlesefunktion ist zurzeit nicht verfügbar.").description == \
        "Die Vorlesefunktion ist zurzeit nicht verfügbar."


def test_405_names_the_allowed_methods_in_the_visitors_language(client):
    """A POST to a page: 405, an Allow header, and the message in the page's language (the URL's, as a page's 404)."""
    response = client.post("/tr/", headers={"Accept-Language": "de"})
    assert response.status_code == 405
    assert set(response.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}
    assert find(response.text, "h1")[0].text.strip() == "Bu yönteme burada izin verilmiyor."


def test_errors_before_any_view_speak_the_urls_language(client):
    """An unknown path or method under a locale answers in that locale; elsewhere Accept-Language decides."""
    deep = client.get("/ar/no/such/path", headers={"Accept-Language": "tr"})
    assert deep.status_code == 404
    assert find(deep.text, "html")[0].attrs == {"lang": "ar", "dir": "rtl"}
    assert find(deep.text, "h1")[0].text.strip() == "هذه الصفحة غير موجودة."
    put = client.put("/uk/", headers={"Accept-Language": "tr"})
    assert put.status_code == 405 and find(put.text, "h1")[0].text.strip() == "Цей метод тут не дозволено."
    outside = client.get("/no-locale/such/path", headers={"Accept-Language": "tr"})
    assert outside.status_code == 404 and find(outside.text, "h1")[0].text.strip() == "Bu sayfa mevcut değil."


def test_405_as_json(client):
    """Programs get the same error as JSON, with the Allow header."""
    response = client.post("/en/", headers={"Accept": "application/json", "Accept-Language": "de"})
    assert response.status_code == 405 and "GET" in response.headers["Allow"]
    assert response.json == {"error": "This method is not allowed here.", "status": 405}


def test_405_when_the_error_page_itself_fails(client, monkeypatch):
    """A broken error template gives a plain-text answer with status and headers, never a 500."""

    def broken(*args, **kwargs):
        """Fail like a template with a mistake."""
        raise RuntimeError("template broken")

    monkeypatch.setattr(errors, "render_template", broken)
    response = client.post("/en/", headers={"Accept-Language": "de"})
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


def test_error_pages_for_the_edge_in_every_language(app, runner, tmp_path):
    """`flask error-pages DIR` writes the pages nginx sends for its own errors: each locale the site serves,
    each status nginx answers itself, the app's page in that language; written again, nothing is left over."""
    out = tmp_path / "error-pages"
    for _ in range(2):
        result = runner.invoke(args=["error-pages", str(out)])
        assert result.exit_code == 0, result.output
    with app.app_context():
        locales = app.extensions["i18n"].available_locales()
    assert sorted(p.name for p in out.iterdir()) == sorted(locales)
    for locale in locales:
        assert sorted(p.name for p in (out / locale).iterdir()) == ["400.html", "405.html", "413.html", "429.html",
                                                                      "502.html", "503.html", "504.html"]
    turkish = (out / "tr" / "502.html").read_text(encoding="utf-8")
    assert find(turkish, "html")[0].attrs == {"lang": "tr", "dir": "ltr"}
    assert find(turkish, "h1")[0].text.strip() == "Bu hizmet şu anda kullanılamıyor."
    assert "502" in find(turkish, "p")[0].text  # the status nginx answers with, named on the page
    arabic = (out / "ar" / "413.html").read_text(encoding="utf-8")
    assert find(arabic, "html")[0].attrs == {"lang": "ar", "dir": "rtl"}
    assert find(arabic, "h1")[0].text.strip() == "البيانات المرسلة كبيرة جدًا."
    assert find((out / "de" / "429.html").read_text(encoding="utf-8"), "h1")[0].text.strip() == \
        "Zu viele Versuche. Bitte warten Sie einen Moment."


@pytest.fixture
def edge_app(app_config, tmp_path):
    """The app with its edge error pages in a folder of their own (as on a server behind nginx)."""
    return create_app({**app_config, "ERROR_PAGES_DIR": str(tmp_path / "error-pages")})


def h1(path) -> str:
    """The heading of a written error page."""
    return find(path.read_text(encoding="utf-8"), "h1")[0].text.strip()


def test_a_translators_fix_reaches_the_edge_pages_at_once(edge_app, tmp_path):
    """`flask error-pages` without a folder writes into ERROR_PAGES_DIR; from then on a translator's save writes
    that locale's pages again, so nginx sends the fix without waiting for the next start. Other locales stay."""
    out = tmp_path / "error-pages"
    result = edge_app.test_cli_runner().invoke(args=["error-pages"])
    assert result.exit_code == 0, result.output
    before = h1(out / "tr" / "502.html")
    assert before == "Bu hizmet şu anda kullanılamıyor."
    arabic = (out / "ar" / "502.html").stat().st_mtime_ns
    translator = edge_app.test_client()
    make_user(edge_app, "ayla", locales=("tr",))
    login(translator, "ayla")
    key = entry_key(translator, "tr", "Dieser Dienst ist zurzeit nicht verfügbar")
    assert save(translator, "tr", key, "Hizmet şu anda çalışmıyor.", action="approve").status_code == 303
    for code in (502, 503, 504):
        assert h1(out / "tr" / f"{code}.html") == "Hizmet şu anda çalışmıyor."
    assert (out / "ar" / "502.html").stat().st_mtime_ns == arabic


def test_without_edge_pages_a_save_writes_none(edge_app, tmp_path):
    """No nginx here (the folder was never written): a save leaves the data volume as it was."""
    translator = edge_app.test_client()
    make_user(edge_app, "ayla", locales=("tr",))
    login(translator, "ayla")
    key = entry_key(translator, "tr", "Dieser Dienst ist zurzeit nicht verfügbar")
    assert save(translator, "tr", key, "Hizmet şu anda çalışmıyor.", action="approve").status_code == 303
    assert not (tmp_path / "error-pages").exists()


def test_a_failing_edge_page_write_never_undoes_the_save(edge_app, tmp_path, monkeypatch, caplog):
    """The catalog is written first; if the edge pages cannot be written (a full disk), the fix is still saved
    and the app serves it, and the log says what failed."""
    assert edge_app.test_cli_runner().invoke(args=["error-pages"]).exit_code == 0

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(errors, "write_edge_pages", full_disk)
    translator = edge_app.test_client()
    make_user(edge_app, "ayla", locales=("tr",))
    login(translator, "ayla")
    key = entry_key(translator, "tr", "Dieser Dienst ist zurzeit nicht verfügbar")
    with caplog.at_level("ERROR"):
        assert save(translator, "tr", key, "Hizmet şu anda çalışmıyor.", action="approve").status_code == 303
    assert "after the change of the tr catalog" in caplog.text and "No space left" in caplog.text
    with edge_app.test_request_context("/tr/"):
        assert edge_app.extensions["i18n"].localize("Dieser Dienst ist zurzeit nicht verfügbar.", "tr").text == \
            "Hizmet şu anda çalışmıyor."
    assert h1(tmp_path / "error-pages" / "tr" / "502.html") == "Bu hizmet şu anda kullanılamıyor."


def test_error_pages_without_a_folder_says_what_to_give(app):
    """Without DATA_DIR or ERROR_PAGES_DIR, `flask error-pages` names what it needs, writes nothing."""
    result = app.test_cli_runner().invoke(args=["error-pages"])
    assert result.exit_code == 1 and "flask error-pages DIR" in result.output
