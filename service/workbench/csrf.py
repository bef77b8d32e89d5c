"""Session-bound CSRF tokens for every workbench form (public forms use no session at all).

Each page carries the session's secret XOR-ed with a fresh random pad (as Django masks its token), so a
compressed page never repeats the same token string: BREACH cannot recover it byte by byte through a
reflected ``q`` or ``next`` (finding L7). Any masked form of the secret validates.
"""
from __future__ import annotations

import base64
import binascii
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


def _secret() -> str:
    """This session's secret, created on first use."""
    value = session.get("csrf")
    if not isinstance(value, str) or len(value) < 32:
        value = secrets.token_urlsafe(32)
        session["csrf"] = value
    return value


def _xor(a: bytes, b: bytes) -> bytes:
    """Two byte strings of one length, XOR-ed."""
    return bytes(x ^ y for x, y in zip(a, b, strict=True))


def token() -> str:
    """A fresh masking of this session's secret: the pad, then the secret XOR the pad (URL-safe base64)."""
    raw = _secret().encode()
    pad = secrets.token_bytes(len(raw))
    return base64.urlsafe_b64encode(pad + _xor(pad, raw)).decode().rstrip("=")


def _unmask(sent: str, size: int) -> bytes | None:
    """The secret a masked token carries, or None when it is no masked token of that size."""
    if len(sent) > 4 * size:
        return None
    try:
        data = base64.urlsafe_b64decode(sent + "=" * (-len(sent) % 4))
    except (binascii.Error, ValueError):
        return None
    if len(data) != 2 * size:
        return None
    return _xor(data[:size], data[size:])


def protect() -> None:
    """Refuse a state-changing request whose form token is no masking of the session's secret."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    expected = session.get("csrf")
    sent = request.form.get(FIELD) or request.headers.get("X-CSRF-Token") or ""
    if not isinstance(expected, str) or not expected:
        raise CSRFError()
    secret = _unmask(sent, len(expected.encode()))
    if secret is None or not hmac.compare_digest(expected.encode(), secret):
        raise CSRFError()
