"""HTTP errors of the service (Werkzeug exceptions with German source descriptions) and the one handler.

Each class keeps Werkzeug's status code and headers and carries a German ``description``
marked with ``N_``; the handler translates it into the visitor's language and answers HTML
(error.html) to people and JSON to clients that ask for ``application/json``.
"""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from flask import Flask, Response, current_app, jsonify, render_template, request
from flask.globals import request_ctx
from flask_babel import gettext
from markupsafe import Markup
from werkzeug import exceptions

from ..core.files import atomic_write
from ..core.messages import N_
from ..i18n import I18n, current_locale, get_i18n, text_direction

__all__ = ["BadRequest", "Conflict", "Forbidden", "InternalServerError", "MethodNotAllowed", "N_", "NotFound",
           "PayloadTooLarge", "RangeNotSatisfiable", "TooManyRequests", "Unavailable", "init_app",
           "edge_page_writer", "respond", "write_edge_pages"]


class BadRequest(exceptions.BadRequest):
    """The request is malformed."""

    description = N_("Die Anfrage ist ungültig.")


class Forbidden(exceptions.Forbidden):
    """The visitor may not do this."""

    description = N_("Sie haben keine Berechtigung für diese Aktion.")


class NotFound(exceptions.NotFound):
    """The page or file does not exist."""

    description = N_("Diese Seite gibt es nicht.")


class MethodNotAllowed(exceptions.MethodNotAllowed):
    """The URL exists, but not for this method."""

    description = N_("Diese Methode ist hier nicht erlaubt.")


class Conflict(exceptions.Conflict):
    """The resource changed meanwhile."""

    description = N_("Der Eintrag wurde in der Zwischenzeit geändert.")


class PayloadTooLarge(exceptions.RequestEntityTooLarge):
    """The upload or form is too large."""

    description = N_("Die gesendeten Daten sind zu groß.")


class RangeNotSatisfiable(exceptions.RequestedRangeNotSatisfiable):
    """The requested byte range lies outside the file."""

    description = N_("Der angeforderte Bereich ist ungültig.")


class TooManyRequests(exceptions.TooManyRequests):
    """Too many attempts in a short time."""

    description = N_("Zu viele Versuche. Bitte warten Sie einen Moment.")


class InternalServerError(exceptions.InternalServerError):
    """Something failed that the visitor cannot change."""

    description = N_("Ein interner Fehler ist aufgetreten.")


class Unavailable(exceptions.ServiceUnavailable):
    """A backend (speech, translation) is not available now; pass a more precise description if there is one."""

    description = N_("Dieser Dienst ist zurzeit nicht verfügbar.")


#: Our classes: their description is a German source message (also when set per instance).
OURS = (BadRequest, Forbidden, NotFound, MethodNotAllowed, Conflict, PayloadTooLarge, RangeNotSatisfiable,
        TooManyRequests, InternalServerError, Unavailable)
#: The German message for an HTTP error Werkzeug or Flask raised itself (routing, abort(), size limits).
BY_CODE = {cls.code: cls.description for cls in OURS}


def source_message(error: exceptions.HTTPException) -> str:
    """The German source message of an error: its own for ours, the one of its status code otherwise."""
    if isinstance(error, OURS):
        return error.description
    return BY_CODE.get(error.code or 500, InternalServerError.description)


def wants_json() -> bool:
    """Tell whether the client prefers JSON over HTML."""
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def respond(error: exceptions.HTTPException) -> Response:
    """The answer to one HTTP error: JSON, or error.html in the visitor's language, with the error's headers."""
    status = error.code or 500
    text = gettext(source_message(error))
    plain = text.striptags() if isinstance(text, Markup) else text  # a German fallback comes marked up
    if wants_json():
        response = jsonify({"error": plain, "status": status})
    elif request_ctx.url_adapter is None:  # an untrusted Host: no URL can be built, so no page either
        response = Response(f"{status} {plain}", mimetype="text/plain")
    else:
        locale = current_locale()
        try:
            response = Response(render_template("error.html", status=status, message=text, locale=locale,
                                                dir=text_direction(locale)), mimetype="text/html")
        except Exception:  # a broken template must not hide the original error
            current_app.logger.exception("error page failed")
            response = Response(f"{status} {text}", mimetype="text/plain")
    response.status_code = status
    # Allow (405), Content-Range (416), Retry-After (429, 503): everything but Werkzeug's own body type.
    for name, value in error.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    return response


#: The errors nginx answers itself (deploy/nginx/herne-locations.conf) and the message of each: a method the app
#: has not, a body over the size limit, too many form posts, and no app server answering (in time).
EDGE_ERRORS = {400: BadRequest, 405: MethodNotAllowed, 413: PayloadTooLarge, 429: TooManyRequests,
               502: Unavailable, 503: Unavailable, 504: Unavailable}


def write_edge_pages(app: Flask, out: Path, locales: list[str] | None = None) -> list[Path]:
    """Write the error page of each of EDGE_ERRORS in every locale the site serves (or in ``locales``), as
    ``out/<locale>/<code>.html``: the app's own page (language, direction, layout), for nginx to send when the
    app cannot answer."""
    written = []
    base_url = app.config.get("BASE_URL") or None
    if locales is None:
        with app.app_context():
            locales = get_i18n().available_locales()
    for locale in locales:
        # A fresh app context each time: g and Flask-Babel's choice of language belong to it. The page speaks
        # the URL's locale (current_locale), as an error raised under /<locale>/ does.
        with app.app_context(), app.test_request_context(f"/{locale}/", base_url=base_url):
            for code, kind in EDGE_ERRORS.items():
                error = kind()
                error.code = code  # nginx's status on the page ("error code: 502"), the message of its kind
                response = respond(error)
                path = out / locale / f"{code}.html"
                atomic_write(path, response.get_data())
                written.append(path)
    return written


def edge_page_writer(app: Flask, i18n: I18n) -> Callable[[str], None]:
    """What create_app calls after a catalog change made here (a translator's save, an upload, `flask i18n`): write
    that locale's edge pages again, so that nginx sends the fix at once and not from the next start on. Only where
    the pages are (ERROR_PAGES_DIR exists: `flask error-pages` wrote them there); the data volume is shared."""

    def write_changed(locale: str) -> None:
        """Write one locale's edge pages, if they are kept here."""
        out = app.config.get("ERROR_PAGES_DIR")
        if out and Path(out).is_dir() and i18n.serves(locale):
            write_edge_pages(app, Path(out), [locale])

    return write_changed


def init_app(app: Flask) -> None:
    """Register the one handler for HTTP errors and a 500 for everything unexpected."""

    @app.errorhandler(exceptions.HTTPException)
    def handle_http_error(error: exceptions.HTTPException):
        """An HTTP error raised anywhere: answered in the visitor's language."""
        if error.response is not None:  # abort(response): the view built the answer itself
            return error.response
        return respond(error)

    @app.errorhandler(Exception)
    def handle_unexpected(error: Exception):
        """Any other exception: logged with its trace, answered as a 500 without one."""
        app.logger.exception("unhandled error")
        return respond(InternalServerError())
