"""What every response is protected by: trusted hosts and proxies, and the security headers (Flask-Talisman)."""
from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from typing import TYPE_CHECKING

from flask import Flask, Response
from flask_talisman import Talisman
from werkzeug.middleware.proxy_fix import ProxyFix

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

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


class TrustedProxyFix:
    """Werkzeug's ProxyFix for requests whose peer is one of the proxies; anyone else who reaches the app port
    directly is taken as they connect: their X-Forwarded-* headers cannot name another client or scheme."""

    def __init__(self, app: WSGIApplication, proxies: int, trusted: list[str]):
        """Apply ProxyFix for ``proxies`` hops to requests from the ``trusted`` addresses or networks."""
        self.app = app
        self.fixed = ProxyFix(app, x_for=proxies, x_proto=proxies, x_host=proxies, x_port=proxies, x_prefix=proxies)
        self.trusted = [ipaddress.ip_network(t.strip(), strict=False) for t in trusted if t.strip()]

    def from_proxy(self, peer: str | None) -> bool:
        """Whether the connecting address is one of the trusted proxies."""
        try:
            address = ipaddress.ip_address((peer or "").split("%")[0])
        except ValueError:  # a Unix socket (no address): only a local proxy can connect there
            return not peer
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        return any(address in network for network in self.trusted)

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        """Pass the request through ProxyFix only when a trusted proxy sent it."""
        if self.from_proxy(environ.get("REMOTE_ADDR")):
            return self.fixed(environ, start_response)
        return self.app(environ, start_response)


def trust_proxies(app: Flask) -> None:
    """Trust X-Forwarded-* only from PROXY_FIX proxies, and only when the request comes from one of PROXY_FIX_FROM:
    the outermost WSGI middleware, so everything inside (the page front, Flask) sees the client's address, scheme
    and host as the proxy names them."""
    proxies = int(app.config["PROXY_FIX"] or 0)
    if proxies > 0:
        trusted = app.config["PROXY_FIX_FROM"]
        if isinstance(trusted, str):  # FLASK_PROXY_FIX_FROM=10.0.0.2,10.0.0.3 (or a JSON list)
            trusted = trusted.split(",")
        app.wsgi_app = TrustedProxyFix(app.wsgi_app, proxies, list(trusted))  # type: ignore[method-assign]
