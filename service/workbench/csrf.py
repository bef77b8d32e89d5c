"""Session-bound CSRF tokens for every workbench form (public forms use no session at all)."""
from __future__ import annotations

import hmac
import secrets

from flask import request, session

from ..core.messages import N_
from ..web.errors import BadRequest

FIELD = "csrf_token"


class CSRFError(BadRequest):
    """A form came without the token of this session."""

    description = N_("Das Formular ist abgelaufen oder ungültig. "
                     "Bitte laden Sie die Seite neu und senden Sie es noch einmal.")


def token() -> str:
    """This session's token, created on first use."""
    value = session.get("csrf")
    if not isinstance(value, str) or len(value) < 32:
        value = secrets.token_urlsafe(32)
        session["csrf"] = value
    return value


def protect() -> None:
    """Refuse a state-changing request whose form token does not match the session's."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    expected = session.get("csrf")
    sent = request.form.get(FIELD) or request.headers.get("X-CSRF-Token") or ""
    if not isinstance(expected, str) or not expected or not hmac.compare_digest(expected.encode(), sent.encode()):
        raise CSRFError()
