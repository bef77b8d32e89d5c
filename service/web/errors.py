"""One error hierarchy for the service, answered as HTML to people and JSON to programs."""
from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import HTTPException


def N_(message: str) -> str:
    """Mark a message for extraction; it is translated when shown."""
    return message


class ServiceError(Exception):
    """Base of every error the service reports to a visitor."""

    status_code = 500
    #: A short German source message; it is translated when shown.
    message = N_("Ein interner Fehler ist aufgetreten.")

    def __init__(self, message: str | None = None, status_code: int | None = None):
        super().__init__(message or self.message)
        if message is not None:
            self.message = message
        if status_code is not None:
            self.status_code = status_code


class BadRequest(ServiceError):
    """The request is malformed."""

    status_code = 400
    message = N_("Die Anfrage ist ungültig.")


class Forbidden(ServiceError):
    """The visitor may not do this."""

    status_code = 403
    message = N_("Sie haben keine Berechtigung für diese Aktion.")


class NotFound(ServiceError):
    """The page or file does not exist."""

    status_code = 404
    message = N_("Diese Seite gibt es nicht.")


class Conflict(ServiceError):
    """The resource changed meanwhile."""

    status_code = 409
    message = N_("Der Eintrag wurde in der Zwischenzeit geändert.")


class PayloadTooLarge(ServiceError):
    """The upload or form is too large."""

    status_code = 413
    message = N_("Die gesendeten Daten sind zu groß.")


class RangeNotSatisfiable(ServiceError):
    """The requested byte range lies outside the file."""

    status_code = 416
    message = N_("Der angeforderte Bereich ist ungültig.")


class TooManyRequests(ServiceError):
    """Too many attempts in a short time."""

    status_code = 429
    message = N_("Zu viele Versuche. Bitte warten Sie einen Moment.")


class Unavailable(ServiceError):
    """A backend (speech, translation) is not available now."""

    status_code = 503
    message = N_("Dieser Dienst ist zurzeit nicht verfügbar.")


def wants_json() -> bool:
    """Tell whether the client prefers JSON over HTML."""
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def _respond(status: int, message: str):
    """Render one error as JSON or as a page in the visitor's language."""
    from flask_babel import gettext

    from ..i18n import current_locale, text_direction

    locale = current_locale()
    text = gettext(message)
    if wants_json():
        return jsonify({"error": text, "status": status}), status
    try:
        return render_template("error.html", status=status, message=text, locale=locale,
                               dir=text_direction(locale)), status
    except Exception:  # a broken template must not hide the original error
        return f"{status} {text}", status, {"Content-Type": "text/plain; charset=utf-8"}


def init_app(app: Flask) -> None:
    """Register the one error handler for service errors and HTTP errors."""

    @app.errorhandler(ServiceError)
    def handle_service_error(error: ServiceError):
        return _respond(error.status_code, error.message)

    @app.errorhandler(HTTPException)
    def handle_http_error(error: HTTPException):
        messages = {
            400: BadRequest.message,
            403: Forbidden.message,
            404: NotFound.message,
            405: N_("Diese Methode ist hier nicht erlaubt."),
            413: PayloadTooLarge.message,
            416: RangeNotSatisfiable.message,
            429: TooManyRequests.message,
        }
        response = _respond(error.code or 500, messages.get(error.code, ServiceError.message))
        if error.code == 405 and hasattr(error, "valid_methods") and error.valid_methods:
            body, status = response
            return body, status, {"Allow": ", ".join(error.valid_methods)}
        return response

    @app.errorhandler(Exception)
    def handle_unexpected(error: Exception):
        app.logger.exception("unhandled error")
        return _respond(500, ServiceError.message)
