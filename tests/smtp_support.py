"""A real SMTP server on loopback for the mail tests (aiosmtpd), with optional STARTTLS and login."""
from __future__ import annotations

import datetime as dt
import ipaddress
import socket
import ssl
import threading
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key, made here (the client trusts the certificate as its CA)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = folder / "smtp-cert.pem", folder / "smtp-key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


class Inbox:
    """The aiosmtpd handler: keeps every message it accepts, and signals each arrival."""

    def __init__(self):
        """Start empty."""
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.arrived = threading.Event()

    async def handle_DATA(self, server, session, envelope) -> str:
        """Accept the message."""
        self.messages.append(message_from_bytes(envelope.original_content or envelope.content,
                                                policy=policy.default))
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        self.arrived.set()
        return "250 Message accepted for delivery"


class SMTPServer:
    """An aiosmtpd server on a free loopback port; STARTTLS (required) and login when a certificate is given."""

    def __init__(self, port: int, cert: tuple[Path, Path] | None = None, login: tuple[str, str] | None = None):
        """Configure, not start."""
        self.port = port
        self.inbox = Inbox()
        self.logins: list[str] = []
        kwargs: dict = {}
        if cert is not None:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(str(cert[0]), str(cert[1]))
            kwargs.update(tls_context=context, require_starttls=True)
        if login is not None:
            kwargs.update(authenticator=self._authenticator(login), auth_require_tls=cert is not None)
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=port, **kwargs)

    def _authenticator(self, expected: tuple[str, str]):
        """Accept exactly one user name and password."""

        def check(server, session, envelope, mechanism, auth_data) -> AuthResult:
            ok = isinstance(auth_data, LoginPassword) and (auth_data.login.decode(), auth_data.password.decode()) \
                == expected
            if ok:
                self.logins.append(auth_data.login.decode())
            return AuthResult(success=ok)

        return check

    def __enter__(self) -> SMTPServer:
        """Start listening."""
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        """Stop listening."""
        self.controller.stop()
