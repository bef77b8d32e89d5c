"""What every response is protected by: trusted hosts and proxies, and the security headers (Flask-Talisman)."""
from __future__ import annotations

from flask import Flask, Response
from flask_talisman import Talisman
from werkzeug.middleware.proxy_fix import ProxyFix

#: Scripts, styles, audio and requests only from the service's own origin; no inline script or style,
#: no plug-ins, never framed.
CSP = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self'",
    "media-src": "'self'",
    "connect-src": "'self'",
    "font-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
#: Browser features no page of the service uses.
PERMISSIONS = {feature: "()" for feature in (
    "camera", "microphone", "geolocation", "payment", "usb", "interest-cohort", "browsing-topics",
)}


def no_store(response: Response) -> Response:
    """Mark a response that echoes what a person typed (names, e-mail addresses) as never to be stored."""
    response.headers["Cache-Control"] = "no-store"
    return response


def init_app(app: Flask) -> None:
    """Set CSP, nosniff, frame and referrer headers everywhere."""
    Talisman(
        app,
        force_https=bool(app.config["FORCE_HTTPS"]),
        content_security_policy=CSP,
        permissions_policy=PERMISSIONS,
        frame_options="DENY",
        referrer_policy="same-origin",
        # Talisman would force these on; the operator's settings stay in charge (README, Security).
        session_cookie_secure=bool(app.config["SESSION_COOKIE_SECURE"]),
        session_cookie_samesite=app.config["SESSION_COOKIE_SAMESITE"],
        session_cookie_http_only=bool(app.config["SESSION_COOKIE_HTTPONLY"]),
        x_content_type_options=True,
    )


#: What nginx answers itself needs none of these: it sets its own type, length and caching.
_NOT_SECURITY = {"content-type", "content-length", "vary", "date", "server", "cache-control", "set-cookie"}


def security_headers() -> dict[str, str]:
    """The security headers init_app puts on every answer, exactly as Flask-Talisman writes them: for the
    answers nginx gives without the app (static and audio files, its own error pages; deploy/render.py)."""
    probe = Flask(__name__)
    probe.config.update(FORCE_HTTPS=False, SESSION_COOKIE_SECURE=True, SESSION_COOKIE_SAMESITE="Lax",
                        SESSION_COOKIE_HTTPONLY=True)
    init_app(probe)
    probe.add_url_rule("/", "probe", lambda: "")
    response = probe.test_client().get("/")
    return {name: value for name, value in response.headers.items() if name.lower() not in _NOT_SECURITY}


def trust_proxies(app: Flask) -> None:
    """Trust X-Forwarded-* only from PROXY_FIX proxies: the outermost WSGI middleware, so everything inside
    (the page front, Flask) sees the client's address, scheme and host as the proxy names them."""
    proxies = int(app.config["PROXY_FIX"] or 0)
    if proxies > 0:
        # Flask's documented way to add middleware; mypy sees a method where Flask means an attribute.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies,  # type: ignore[method-assign]
                                x_host=proxies, x_port=proxies, x_prefix=proxies)
