"""Render the nginx and systemd files of ``deploy/`` for one site: ``python deploy/render.py --out DIR KEY=VALUE ...``.

Templates hold ``{{NAME}}`` placeholders (nginx's own ``$variables`` are left alone). Every
setting has a default for one Debian host below; ``PUBLIC_URL`` names the site. The request size
limit defaults to the app's own ``MAX_CONTENT_LENGTH`` so that the edge and the app agree.
"""
from __future__ import annotations

import argparse
import ipaddress
import re
import sys
from pathlib import Path
from urllib.parse import urlsplit

from service.config import SOURCE_LOCALE
from service.config import defaults as app_defaults
from service.web.security import security_headers

HERE = Path(__file__).resolve().parent
PLACEHOLDER_RE = re.compile(r"\{\{([A-Z][A-Z0-9_]*)\}\}")
#: Where each template goes, relative to the output folder (the layout of /etc on a Debian host).
TEMPLATES = {
    "nginx/nginx.conf": "nginx/nginx.conf",
    "nginx/herne.conf": "nginx/sites-available/herne.conf",
    "nginx/herne-public-http.conf": "nginx/herne/public-http.conf",
    "nginx/herne-public-tls.conf": "nginx/herne/public-tls.conf",
    "nginx/herne-locations.conf": "nginx/herne/locations.conf",
    "nginx/herne-proxy.conf": "nginx/herne/proxy.conf",
    "nginx/herne-headers.conf": "nginx/herne/headers.conf",
    "nginx/herne-security.conf": "nginx/herne/security.conf",
    "nginx/herne-audio.conf": "nginx/herne/audio.conf",
    "systemd/herne-app.service": "systemd/system/herne-app.service",
    "systemd/herne-worker@.service": "systemd/system/herne-worker@.service",
    "systemd/herne-purge.service": "systemd/system/herne-purge.service",
    "systemd/herne-purge.timer": "systemd/system/herne-purge.timer",
    "systemd/herne-digest.service": "systemd/system/herne-digest.service",
    "systemd/herne-digest.timer": "systemd/system/herne-digest.timer",
    "logrotate/herne-nginx": "logrotate.d/herne-nginx",
}

#: Settings of one Debian host that runs nginx and one app server (see the README).
DEFAULTS: dict[str, str] = {
    "PUBLIC_URL": "https://bildung.example.org",
    # host:port of every app server, comma-separated; the first one is this host's own.
    "APP_SERVERS": "127.0.0.1:8001",
    "APP_BIND": "127.0.0.1:8001",
    # The address nginx connects from, as the app servers see it (gunicorn trusts its X-Forwarded-Proto).
    "FORWARDED_ALLOW_IPS": "127.0.0.1",
    # "tls": HTTPS with HTTP/2 and HSTS, plain HTTP redirects; "http": plain HTTP only (a TLS terminator in front).
    "PUBLIC_SERVER": "tls",
    # The TLS terminator (load balancer) in front of nginx: its addresses or networks, comma-separated, whose
    # REAL_IP_HEADER names the client (nginx's set_real_ip_from). Empty: nobody in front, the peer is the client.
    "REAL_IP_FROM": "",
    "REAL_IP_HEADER": "X-Forwarded-For",
    "LISTEN_HTTP": "80",
    "LISTEN_HTTPS": "443",
    "TLS_CERT": "/etc/ssl/herne/fullchain.pem",
    "TLS_KEY": "/etc/ssl/herne/privkey.pem",
    "NGINX_USER": "www-data",
    "CONF_DIR": "/etc/nginx/herne",
    "SITE_CONF": "/etc/nginx/sites-enabled/herne.conf",
    "MIME_TYPES": "/etc/nginx/mime.types",
    "CACHE_DIR": "/var/cache/nginx/herne",
    "CACHE_MAX_SIZE": "2g",
    "LOG_DIR": "/var/log/nginx",
    "TEMP_DIR": "/var/lib/nginx",
    "PID_FILE": "/run/nginx.pid",
    "AUDIO_X_ACCEL_PREFIX": "/_audio/",
    "APP_USER": "herne",
    "APP_DIR": "/srv/herne/app",
    "VENV": "",  # empty: APP_DIR/.venv
    "DATA_DIR": "/srv/herne/data",
    "INSTANCE_DIR": "",  # empty: APP_DIR/instance (Flask's instance folder of the checkout)
    "ENV_FILE": "/etc/herne/herne.env",
    # Requests a second per address for the forms (POST): a flood stops here, people meet the app's own limits.
    "FORM_RATE": "30r/m",
    "FORM_BURST": "20",
}


def settings(overrides: dict[str, str] | None = None) -> dict[str, str]:
    """Every value the templates use: the defaults, the overrides, and what follows from them."""
    values = {**DEFAULTS, **(overrides or {})}
    unknown = sorted(set(overrides or {}) - set(DEFAULTS) - {"AUDIO_DIR", "STATIC_DIR", "ERROR_PAGES_DIR",
                                                                   "MAX_CONTENT_LENGTH"})
    if unknown:
        raise ValueError(f"unknown settings: {', '.join(unknown)}")
    url = urlsplit(values["PUBLIC_URL"])
    if url.scheme not in ("http", "https") or not url.hostname or url.path not in ("", "/"):
        raise ValueError(f"PUBLIC_URL must be http(s)://host[:port] without a path, not {values['PUBLIC_URL']!r}")
    values["SERVER_NAME"] = url.hostname
    values["PUBLIC_HOST"] = url.netloc  # the one Host the app servers ever see
    values["VENV"] = values["VENV"] or f"{values['APP_DIR']}/.venv"
    values["INSTANCE_DIR"] = values["INSTANCE_DIR"] or f"{values['APP_DIR']}/instance"
    values.setdefault("AUDIO_DIR", f"{values['DATA_DIR']}/audio_cache")
    values.setdefault("STATIC_DIR", f"{values['APP_DIR']}/service/static")
    values.setdefault("ERROR_PAGES_DIR", f"{values['DATA_DIR']}/error-pages")
    values["SOURCE_LOCALE"] = SOURCE_LOCALE
    values["SECURITY_HEADERS"] = security_header_lines()
    values.setdefault("MAX_CONTENT_LENGTH", str(app_defaults(values["INSTANCE_DIR"])["MAX_CONTENT_LENGTH"]))
    values["CLIENT_MAX_BODY_SIZE"] = str(int(values.pop("MAX_CONTENT_LENGTH")))
    servers = [s.strip() for s in values["APP_SERVERS"].split(",") if s.strip()]
    if not servers:
        raise ValueError("APP_SERVERS names no app server")
    # One failure takes a server out for 10 s; nginx then retries reads on the next one.
    values["UPSTREAM_SERVERS"] = "\n".join(f"    server {s} max_fails=1 fail_timeout=10s;" for s in servers)
    if values["PUBLIC_SERVER"] not in ("tls", "http"):
        raise ValueError("PUBLIC_SERVER must be 'tls' or 'http'")
    values["PUBLIC_SERVER_FILE"] = f"{values['CONF_DIR']}/public-{values['PUBLIC_SERVER']}.conf"
    values["REAL_IP"] = real_ip_lines(values["REAL_IP_FROM"], values["REAL_IP_HEADER"])
    prefix = values["AUDIO_X_ACCEL_PREFIX"]
    if not (prefix.startswith("/") and prefix.endswith("/")):
        raise ValueError("AUDIO_X_ACCEL_PREFIX must start and end with '/'")
    return values


def real_ip_lines(sources: str, header: str) -> str:
    """nginx's realip settings for a TLS terminator in front: the client is the last address in ``header`` that
    is not one of ``sources`` (real_ip_recursive), so a client cannot name itself by sending the header."""
    networks = [s.strip() for s in sources.split(",") if s.strip()]
    if not networks:
        return "# No TLS terminator in front (REAL_IP_FROM is empty): the connecting address is the client."
    for network in networks:
        try:
            ipaddress.ip_network(network, strict=False)
        except ValueError:
            raise ValueError(f"REAL_IP_FROM: {network!r} is no address or network") from None
    if not re.fullmatch(r"[A-Za-z0-9-]{1,64}", header):
        raise ValueError(f"REAL_IP_HEADER must be a header name, not {header!r}")
    lines = [f"set_real_ip_from {network};" for network in networks]
    return "\n".join(["# The client's address from the TLS terminator in front (REAL_IP_FROM): limits count clients.",
                      *lines, f"real_ip_header {header};", "real_ip_recursive on;"])


def security_header_lines() -> str:
    """add_header lines for the app's security headers (service/web/security.py), for nginx's own answers."""
    lines = []
    for name, value in security_headers().items():
        if not re.fullmatch(r"[A-Za-z0-9-]+", name) or re.search(r'["$\\\x00-\x1f]', value):
            raise ValueError(f"the security header {name}: {value!r} cannot be written into nginx's configuration")
        lines.append(f'add_header {name} "{value}" always;')
    return "\n".join(lines)


def render_text(text: str, values: dict[str, str]) -> str:
    """Fill every ``{{NAME}}`` of a template; a name without a value is an error, never left in."""
    missing = sorted({m for m in PLACEHOLDER_RE.findall(text) if m not in values})
    if missing:
        raise KeyError(f"no value for {', '.join(missing)}")
    return PLACEHOLDER_RE.sub(lambda m: values[m.group(1)], text)


def render_all(out: Path, overrides: dict[str, str] | None = None,
               extra: dict[str, str] | None = None) -> dict[str, Path]:
    """Write every rendered file below ``out``; return the output path of each template."""
    values = settings(overrides)
    values.update(extra or {})
    written = {}
    for template, target in TEMPLATES.items():
        path = out / target
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(render_text((HERE / template).read_text(encoding="utf-8"), values), encoding="utf-8")
        written[template] = path
    return written


def main(argv: list[str] | None = None) -> int:
    """Command line: render into a folder (then copy the files to /etc, see the README)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="folder to write nginx/ and systemd/ into")
    parser.add_argument("setting", nargs="*", help="KEY=VALUE, e.g. PUBLIC_URL=https://bildung.herne.de")
    args = parser.parse_args(argv)
    overrides = {}
    for item in args.setting:
        key, sep, value = item.partition("=")
        if not sep:
            parser.error(f"not KEY=VALUE: {item!r}")
        overrides[key] = value
    try:
        written = render_all(args.out, overrides)
    except (KeyError, ValueError) as exc:
        print(f"render: {exc}", file=sys.stderr)
        return 2
    for path in written.values():
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
