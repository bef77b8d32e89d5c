"""Login throttling (finding M2): failures slow down the client that makes them, never the account's owner.

Every attempt counts per account and client (a device cookie, else the address), and per address for any
account. A third bucket counts one account's attempts from all *unknown* clients together, against password
spraying from many addresses; a browser that signed into the account before carries a device cookie (OWASP's
"Slow Down Online Guessing Attacks with Device Cookies") and is not slowed by it. Django-axes' lockout by
the (username, address) pair and Weblate's per-address limit work the same way for the first two buckets.
An attacked account is told: by e-mail through the outbox (to the account's name when it is an e-mail
address, and to MAIL_SECURITY_TO), and at its next sign-in.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets

from flask import Response, after_this_request, current_app, flash, g, request
from flask_babel import ngettext
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import Connection

from .. import db, mail, ratelimit
from ..clock import now

#: Failures per account and client (device or address); the first ones are free, then 1 s, 2 s, 4 s ...
PAIR = ratelimit.Backoff(window=900.0, free=5, base=1.0, cap=300.0)
#: Failures per address, whichever accounts it tries.
ADDRESS = ratelimit.Backoff(window=900.0, free=30, base=1.0, cap=300.0)
#: Failures per account from unknown clients together (password spraying); known devices pass.
UNKNOWN = ratelimit.Backoff(window=900.0, free=20, base=1.0, cap=30.0)
#: Failures of an account within UNKNOWN's window from which it counts as attacked (e-mail, notice at sign-in).
ATTACKED = 10
#: At most one e-mail per account within this many seconds.
NOTICE_EVERY = 3600.0
COOKIE = "wb_device"
COOKIE_PATH = "/translate/login"


def _serializer() -> URLSafeTimedSerializer:
    """Signs device cookies with the instance secret (a forged or altered cookie is no device)."""
    return URLSafeTimedSerializer(str(current_app.config["SECRET_KEY"]), salt="workbench-device")


def _fingerprint(user_id: int, password_hash: str) -> str:
    """What ties a device cookie to an account and its current password (a new password forgets every device)."""
    secret = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(secret, f"{user_id}|{password_hash}".encode(), hashlib.sha256).hexdigest()[:24]


def device(user_id: int | None, password_hash: str) -> str | None:
    """The id of this browser's device cookie for the account, when it signed into it before; else None."""
    raw = request.cookies.get(COOKIE)
    if user_id is None or not raw or len(raw) > 500:
        return None
    try:
        data = _serializer().loads(raw, max_age=int(current_app.config["LOGIN_DEVICE_DAYS"]) * 86400)
    except BadSignature:
        return None
    if not isinstance(data, dict) or data.get("u") != user_id or not isinstance(data.get("n"), str):
        return None
    if not hmac.compare_digest(str(data.get("p", "")), _fingerprint(user_id, password_hash)):
        return None
    return data["n"]


def remember(user_id: int, password_hash: str) -> None:
    """Give this browser a device cookie for the account with its response (after a successful sign-in)."""
    value = _serializer().dumps({"u": user_id, "p": _fingerprint(user_id, password_hash),
                                 "n": secrets.token_urlsafe(12)})

    @after_this_request
    def _set(response: Response) -> Response:
        """Set the cookie: only sent back to the login form, never readable by scripts."""
        response.set_cookie(COOKIE, value, max_age=int(current_app.config["LOGIN_DEVICE_DAYS"]) * 86400,
                            path=COOKIE_PATH, secure=bool(current_app.config["SESSION_COOKIE_SECURE"]),
                            httponly=True, samesite="Strict")
        return response


def buckets(name: str, address: str, known: str | None) -> list[tuple[str, ratelimit.Backoff]]:
    """The buckets of one attempt, the client's own first: a known device has only its own."""
    if known is not None:
        return [(f"login-device:{name}|{known}", PAIR)]
    return [(f"login-user-addr:{name}|{address}", PAIR), (f"login-addr:{address}", ADDRESS),
            (f"login-user:{name}", UNKNOWN)]


def failures(name: str) -> int:
    """Failed attempts on an account from unknown clients within the window."""
    return ratelimit.count(f"login-user:{name}", UNKNOWN.window)


def failed(conn: Connection, name: str, username: str | None, user_id: int | None) -> None:
    """After a failure from an unknown client: tell an existing account once it counts as attacked."""
    if user_id is None or failures(name) < ATTACKED:
        return
    recipients = [address for address in (mail.valid_address(username or ""),) if address]
    config = current_app.config
    recipients += list(config.get("MAIL_SECURITY_TO") or config.get("MAIL_ALERTS_TO") or [])
    if not recipients or not mail.enabled(current_app.config):
        return
    if not ratelimit.hit(f"login-notice:{name}", 1, NOTICE_EVERY):
        return  # told within the hour already
    body = "\n".join([
        (f"Für das Konto „{username}“ der Übersetzungswerkstatt gab es in den letzten 15 Minuten "
         f"mindestens {ATTACKED} fehlgeschlagene Anmeldungen von Geräten, mit denen es noch nie angemeldet war."),
        "",
        "Ihre eigenen Geräte melden sich weiter ohne Wartezeit an; unbekannte Geräte müssen eine Weile warten.",
        "Wenn Sie das nicht selbst waren: Ihr Passwort ist sicher, solange es nicht zu erraten ist. Im Zweifel",
        "lassen Sie es von einer Administratorin oder einem Administrator ändern (flask users passwd).",
    ])
    with db.transaction(conn):
        mail.enqueue(conn, current_app.config, now(), "login", user_id, recipients,
                     "Fehlgeschlagene Anmeldungen bei Ihrem Konto", body)


def tell_at_sign_in() -> None:
    """After a sign-in: say how many attempts on the account failed lately, when it counts as attacked."""
    count = g.pop("login_failures", 0)
    if count >= ATTACKED:
        flash(ngettext("In den letzten 15 Minuten ist %(num)s Anmeldung mit Ihrem Benutzernamen von unbekannten "
                       "Geräten fehlgeschlagen. Ihre eigenen Geräte melden sich weiter ohne Wartezeit an.",
                       "In den letzten 15 Minuten sind %(num)s Anmeldungen mit Ihrem Benutzernamen von unbekannten "
                       "Geräten fehlgeschlagen. Ihre eigenen Geräte melden sich weiter ohne Wartezeit an.", count),
              "error")
