"""The edge and the client (third red team): nginx's own 400 page, and the client's address behind a TLS terminator.

M7: with ``PUBLIC_SERVER=http`` behind a terminator, every visitor was one address (the terminator's): one client's
five posts gave 429 to every resident. ``REAL_IP_FROM`` and ``REAL_IP_HEADER`` render nginx's realip settings;
here a stand-in terminator (a second nginx, as a load balancer would, adding X-Forwarded-For) sits in front of the
shipped configuration, and clients connect to it from addresses of their own (127.0.0.0/8 is all loopback).
Also: nginx's own 400 page is the app's error page in the URL's language, with the security headers.
"""
from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from .front import NGINX, Front, free_port, start_front, wait_for
from .test_front import SECURITY_HEADERS, security

MESSAGE = "message=Die+Schrift+im+Kopfbereich+ist+zu+klein.&page=barrierefreiheit"


def raw(port: int, request: bytes) -> tuple[int, dict[str, str], str]:
    """Send bytes as they are (nginx refuses them itself); the status, headers and body of the answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        key = name.strip().lower()
        headers[key] = f"{headers[key]}, {value.strip()}" if key in headers else value.strip()
    return int(lines[0].split()[1]), headers, body.decode("utf-8", errors="replace")


def test_nginxs_own_400_is_the_apps_page_with_the_security_headers(front):
    """A request nginx refuses itself (two Host headers): 400 as the app's page in the URL's language, not nginx's
    English default, with the app's security headers and never stored."""
    status, headers, body = raw(front.port, f"GET /tr/ HTTP/1.1\r\nHost: {front.host}\r\nHost: evil.example\r\n"
                                            "Connection: close\r\n\r\n".encode())
    assert status == 400
    assert '<html lang="tr" dir="ltr">' in body and "nginx" not in body
    expected = security(front.get("/de/talentschulen"))
    assert {name: headers.get(name) for name in SECURITY_HEADERS} == expected
    assert "no-store" in headers["cache-control"]


@pytest.fixture(scope="module")
def terminated(tmp_path_factory, translations_master) -> Iterator[tuple[Front, int]]:
    """The shipped front rendered with REAL_IP_FROM=127.0.0.1 (one app server), and a stand-in TLS terminator
    before it: nginx on another port that proxies everything with X-Forwarded-For, as a load balancer does."""
    tmp = tmp_path_factory.mktemp("terminated")
    front = start_front(tmp, translations_master, servers=1, workers=1, threads=2,
                        render={"REAL_IP_FROM": "127.0.0.1", "REAL_IP_HEADER": "X-Forwarded-For"})
    port = free_port()
    prefix = tmp / "terminator"
    for sub in ("log", "temp"):
        (prefix / sub).mkdir(parents=True)
    conf = prefix / "nginx.conf"
    user = "user root;" if os.geteuid() == 0 else ""
    conf.write_text(f"""{user}
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/log/error.log;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {prefix}/temp/body;
    proxy_temp_path {prefix}/temp/proxy;
    fastcgi_temp_path {prefix}/temp/fastcgi;
    uwsgi_temp_path {prefix}/temp/uwsgi;
    scgi_temp_path {prefix}/temp/scgi;
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://127.0.0.1:{front.port};
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        }}
    }}
}}
""")
    terminator = subprocess.Popen([NGINX, "-p", str(prefix), "-e", "stderr", "-c", str(conf), "-g", "daemon off;"],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: post(port, front.host, "127.0.0.250", "GET").status == 200, "the stand-in terminator")
        yield front, port
    finally:
        terminator.send_signal(signal.SIGTERM)
        terminator.wait(15)
        front.stop()


class Answer:
    """The status of one answer."""

    def __init__(self, status: int):
        """Keep the status."""
        self.status = status


def post(port: int, host: str, client: str, method: str = "POST", forwarded: str | None = None) -> Answer:
    """One feedback message (or GET of the form) from the loopback address ``client``, through the terminator."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30, source_address=(client, 0))
    try:
        headers = {"Host": host, "Content-Type": "application/x-www-form-urlencoded"}
        if forwarded:
            headers["X-Forwarded-For"] = forwarded
        conn.request(method, "/de/barrierefreiheit", body=MESSAGE if method == "POST" else None, headers=headers)
        response = conn.getresponse()
        response.read()
        return Answer(response.status)
    finally:
        conn.close()


def test_behind_a_terminator_each_visitor_is_their_own_client(terminated):
    """The red team's set-up: one client's posts meet that client's limit only; a resident behind the same
    terminator is thanked; a client that sends its own X-Forwarded-For is still taken for itself."""
    front, port = terminated
    flood = [post(port, front.host, "127.0.0.5", forwarded=f"203.0.113.{n}").status for n in range(1, 8)]
    assert flood == [303] * 5 + [429] * 2
    assert post(port, front.host, "127.0.0.6").status == 303


def test_real_ip_settings_are_checked_when_rendering(tmp_path: Path):
    """A REAL_IP_FROM that is no address (it would be written into nginx's configuration) is refused by name."""
    from deploy.render import render_all

    with pytest.raises(ValueError, match="REAL_IP_FROM"):
        render_all(tmp_path, {"REAL_IP_FROM": "10.0.0.1; include /etc/passwd"})
    with pytest.raises(ValueError, match="REAL_IP_HEADER"):
        render_all(tmp_path, {"REAL_IP_FROM": "10.0.0.1", "REAL_IP_HEADER": "X-Real-IP;"})
