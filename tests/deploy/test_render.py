"""deploy/render.py and what it renders: settings, the TLS site with HTTP/2 and HSTS, systemd units systemd accepts."""
from __future__ import annotations

import http.client
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from deploy.render import TEMPLATES, render_all, render_text, settings
from service import create_app
from service.config import ROOT

from .front import NGINX, free_port, wait_for

pytestmark = pytest.mark.deploy


def test_settings_follow_the_public_url_and_the_app():
    """Host and server name come from PUBLIC_URL; the body limit is the app's MAX_CONTENT_LENGTH."""
    values = settings({"PUBLIC_URL": "https://bildung.herne.de", "APP_SERVERS": "10.0.0.2:8001, 10.0.0.3:8001"})
    assert values["SERVER_NAME"] == "bildung.herne.de" and values["PUBLIC_HOST"] == "bildung.herne.de"
    assert values["UPSTREAM_SERVERS"].count("server 10.0.0.") == 2
    app = create_app({"TESTING": True, "SECRET_KEY": "x"})
    assert int(values["CLIENT_MAX_BODY_SIZE"]) == app.config["MAX_CONTENT_LENGTH"]
    assert settings({"MAX_CONTENT_LENGTH": "1048576"})["CLIENT_MAX_BODY_SIZE"] == "1048576"


@pytest.mark.parametrize("overrides, message", [
    ({"PUBLIC_URL": "bildung.herne.de"}, "PUBLIC_URL"),
    ({"PUBLIC_URL": "https://bildung.herne.de/pages"}, "PUBLIC_URL"),
    ({"APP_SERVERS": " , "}, "APP_SERVERS"),
    ({"AUDIO_X_ACCEL_PREFIX": "/_audio"}, "AUDIO_X_ACCEL_PREFIX"),
    ({"PUBLIC_SERVER": "https"}, "PUBLIC_SERVER"),
    ({"LISTEN_HTPP": "80"}, "unknown settings: LISTEN_HTPP"),
])
def test_bad_settings_are_refused_by_name(overrides, message):
    """A wrong setting is an error that names it, never a half-right configuration."""
    with pytest.raises(ValueError, match=message):
        settings(overrides)


def test_a_security_header_nginx_cannot_carry_is_refused(monkeypatch):
    """The app's security headers go into nginx's configuration as they are; one that would break out of its
    quotes (or name a variable) is an error naming it, never a changed header."""
    monkeypatch.setattr("deploy.render.security_headers", lambda: {"Content-Security-Policy": 'default-src "self"'})
    with pytest.raises(ValueError, match="Content-Security-Policy"):
        settings()
    monkeypatch.setattr("deploy.render.security_headers", lambda: {"Referrer-Policy": "$http_referer"})
    with pytest.raises(ValueError, match="Referrer-Policy"):
        settings()


def test_every_placeholder_is_filled():
    """No template keeps a placeholder, and a name without a value is an error."""
    with pytest.raises(KeyError, match="NOPE"):
        render_text("listen {{NOPE}};", {})
    values = settings()
    for template in TEMPLATES:
        text = render_text((ROOT / "deploy" / template).read_text(), values)
        assert "{{" not in text, template


def test_cli_renders_the_files(tmp_path):
    """`python deploy/render.py --out DIR KEY=VALUE` writes every file; a bad setting exits 2 with its name."""
    done = subprocess.run([sys.executable, "deploy/render.py", "--out", str(tmp_path), "PUBLIC_URL=https://a.example"],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "nginx" / "herne" / "locations.conf").exists()
    assert "server_name a.example;" in (tmp_path / "nginx" / "herne" / "public-tls.conf").read_text()
    bad = subprocess.run([sys.executable, "deploy/render.py", "--out", str(tmp_path), "PUBLIC_URL=a.example"],
                         cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "PUBLIC_URL" in bad.stderr


def test_systemd_accepts_the_units(tmp_path):
    """systemd-analyze verifies the app server, worker, purge and digest units and the timers without a complaint."""
    analyze = shutil.which("systemd-analyze")
    assert analyze, "systemd-analyze is missing: scripts/setup.sh --test installs systemd"
    env_file = tmp_path / "herne.env"
    env_file.write_text("FLASK_DATA_DIR=/srv/herne/data\n")
    written = render_all(tmp_path / "etc", {"APP_DIR": str(ROOT), "VENV": str(Path(sys.executable).parent.parent),
                                            "ENV_FILE": str(env_file)})
    unit_dir = written["systemd/herne-app.service"].parent
    units = ["herne-app.service", "herne-worker@1.service", "herne-purge.service", "herne-purge.timer",
             "herne-digest.service", "herne-digest.timer"]
    done = subprocess.run([analyze, "verify", *units], cwd=unit_dir, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and not done.stderr.strip(), done.stderr
    app_unit = written["systemd/herne-app.service"].read_text()
    for option in ("ProtectSystem=strict", "NoNewPrivileges=yes", "PrivateTmp=yes", "User=herne",
                   f"ReadWritePaths=/srv/herne/data {ROOT}/instance"):
        assert option in app_unit


def self_signed(folder: Path, host: str) -> tuple[Path, Path]:
    """A throwaway certificate and key for ``host``, made with openssl."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    done = subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                           "-subj", f"/CN={host}", "-keyout", str(key), "-out", str(cert)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return cert, key


def test_tls_site_speaks_http2_with_hsts_and_redirects_plain_http(tmp_path):
    """The TLS site offers HTTP/2, sends HSTS (once, nginx's, also on the app's answers), and plain HTTP answers
    with a redirect to HTTPS."""
    http_port, https_port, app_port = free_port(), free_port(), free_port()
    # The real app behind it, trusting nginx's X-Forwarded-Proto: it sends its own HSTS over HTTPS (Talisman).
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "PROXY_FIX": 1, "BASE_URL": f"https://herne.test:{https_port}",
                      "DATABASE": str(tmp_path / "service.sqlite"), "AUDIO_CACHE_DIR": str(tmp_path / "audio")})
    app_server = make_server("127.0.0.1", app_port, app, threaded=True)
    threading.Thread(target=app_server.serve_forever, daemon=True).start()
    cert, key = self_signed(tmp_path, "herne.test")
    root = tmp_path / "nginx"
    for sub in ("log", "temp", "cache", "run"):
        (root / sub).mkdir(parents=True)
    written = render_all(root / "etc", {
        "PUBLIC_URL": f"https://herne.test:{https_port}", "PUBLIC_SERVER": "tls",
        "LISTEN_HTTP": f"127.0.0.1:{http_port}", "LISTEN_HTTPS": f"127.0.0.1:{https_port}",
        "TLS_CERT": str(cert), "TLS_KEY": str(key), "APP_SERVERS": f"127.0.0.1:{app_port}",
        "NGINX_USER": "root" if os.geteuid() == 0 else "nobody",
        "CONF_DIR": str(root / "etc" / "nginx" / "herne"),
        "SITE_CONF": str(root / "etc" / "nginx" / "sites-available" / "herne.conf"),
        "CACHE_DIR": str(root / "cache"), "LOG_DIR": str(root / "log"), "TEMP_DIR": str(root / "temp"),
        "PID_FILE": str(root / "run" / "nginx.pid"),
        "AUDIO_DIR": str(tmp_path / "audio"), "STATIC_DIR": str(ROOT / "service" / "static"),
    })
    conf = str(written["nginx/nginx.conf"])
    nginx = subprocess.Popen([NGINX, "-p", str(root), "-e", "stderr", "-c", conf, "-g", "daemon off;"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        context = ssl.create_default_context(cafile=str(cert))
        context.check_hostname = False  # the name is herne.test, the address loopback

        def https_get(path: str) -> http.client.HTTPResponse:
            conn = http.client.HTTPSConnection("127.0.0.1", https_port, context=context, timeout=5)
            conn.request("GET", path, headers={"Host": f"herne.test:{https_port}"})
            return conn.getresponse()

        wait_for(lambda: https_get("/static/site.css").status == 200, "nginx with TLS")
        reply = https_get("/static/site.css")
        assert reply.getheader("Strict-Transport-Security") == "max-age=63072000; includeSubDomains"
        assert "frame-ancestors 'none'" in reply.getheader("Content-Security-Policy")
        ping = https_get("/ping")
        assert ping.status == 200 and ping.read() == b"ok\n", ping.status
        assert ping.getheader("Strict-Transport-Security") == "max-age=63072000; includeSubDomains"
        with socket.create_connection(("127.0.0.1", https_port), timeout=5) as raw:
            h2 = ssl.create_default_context(cafile=str(cert))
            h2.check_hostname = False
            h2.set_alpn_protocols(["h2", "http/1.1"])
            with h2.wrap_socket(raw, server_hostname="herne.test") as tls:
                assert tls.selected_alpn_protocol() == "h2"
        plain = http.client.HTTPConnection("127.0.0.1", http_port, timeout=5)
        plain.request("GET", "/de/?x=1", headers={"Host": "evil.example"})
        moved = plain.getresponse()
        assert moved.status == 301
        assert moved.getheader("Location") == f"https://herne.test:{https_port}/de/?x=1"
        assert moved.getheader("Strict-Transport-Security") is None
    finally:
        app_server.shutdown()
        nginx.send_signal(signal.SIGTERM)
        try:
            nginx.wait(timeout=15)
        except subprocess.TimeoutExpired:
            nginx.kill()
            nginx.wait(timeout=10)
