"""A real SMTP server on loopback for the tests (aiosmtpd): plain with STARTTLS and a
login, or TLS from the first byte, with a certificate made for the test run."""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

USER, PASSWORD = "blaastempel", "s3cret pass"


@dataclass
class Inbox:
    """What the server received; `refuse` makes it answer every mail with that reply."""

    messages: list[EmailMessage] = field(default_factory=list)
    refuse: str | None = None
    delay: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:
        if self.refuse:
            return self.refuse
        if self.delay:
            await asyncio.sleep(self.delay)  # a slow server: concurrent senders overlap
        msg = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(msg, EmailMessage)
        with self.lock:
            self.messages.append(msg)
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        with self.lock:
            return [m for m in self.messages if m["To"] == address]


def _authenticator(_server: Any, _session: Any, _envelope: Any, _mechanism: str, data: Any) -> AuthResult:
    ok = isinstance(data, LoginPassword) and data.login.decode() == USER and data.password.decode() == PASSWORD
    return AuthResult(success=ok)


def make_certificate(directory: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (cert file, key file)."""
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
    cert_file, key_file = directory / "cert.pem", directory / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_file, key_file


@contextmanager
def smtp_server(port: int, cert: tuple[Path, Path], implicit_tls: bool = False) -> Iterator[Inbox]:
    """STARTTLS required before the login (smtp://), or TLS from the start (smtps://)."""
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(*cert)
    inbox = Inbox()
    options: dict[str, Any] = {"authenticator": _authenticator, "auth_required": True}
    if implicit_tls:
        # aiosmtpd counts only STARTTLS as encrypted; this connection is TLS from the start.
        options |= {"ssl_context": server_tls, "auth_require_tls": False}
    else:
        options |= {"tls_context": server_tls, "require_starttls": True}
    controller = Controller(inbox, hostname="127.0.0.1", port=port, server_hostname="127.0.0.1", **options)
    controller.start()
    try:
        yield inbox
    finally:
        controller.stop()


def client_tls(cert: tuple[Path, Path]) -> ssl.SSLContext:
    """The sender's TLS context trusting the test certificate (and nothing else)."""
    return ssl.create_default_context(cafile=str(cert[0]))
