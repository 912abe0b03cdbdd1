"""Putting a rendered mail on its way: an SMTP server (`SMTP_URL`) or, without one,
one .eml file per mail under var/mail/ (read them with any mail program)."""

from __future__ import annotations

import re
import smtplib
import ssl
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from pathlib import Path
from typing import Protocol

from app.notifications.config import MailSettings, SmtpServer
from app.notifications.render import Mail

Post = Callable[[EmailMessage], None]
# What a refusing or unreachable mail server raises: the mail stays pending and is retried.
DELIVERY_ERRORS = (smtplib.SMTPException, OSError)


def message(mail: Mail, sender: str, reference: str) -> EmailMessage:
    """A plain-text UTF-8 mail with the headers mail programs and spam filters expect.
    `reference` (the notification's id, a digest's key) makes the Message-ID unique."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = mail.to
    msg["Subject"] = mail.subject
    msg["Date"] = format_datetime(datetime.now(UTC))
    domain = parseaddr(sender)[1].rpartition("@")[2] or "blaastempel.invalid"
    msg["Message-ID"] = make_msgid(idstring=reference, domain=domain)
    msg["Auto-Submitted"] = "auto-generated"  # no vacation replies to a notification
    msg.set_content(mail.body, charset="utf-8")
    return msg


class Transport(Protocol):
    """Opens a delivery session (one SMTP connection for a run's batch) that posts mails."""

    def session(self) -> AbstractContextManager[Post]: ...


class SmtpTransport:
    def __init__(self, server: SmtpServer, timeout: float = 30.0,
                 tls: ssl.SSLContext | None = None) -> None:
        self.server = server
        self.timeout = timeout
        self.tls = tls or ssl.create_default_context()

    @contextmanager
    def session(self) -> Iterator[Post]:
        server = self.server
        smtp: smtplib.SMTP
        if server.scheme == "smtps":
            smtp = smtplib.SMTP_SSL(server.host, server.port, timeout=self.timeout, context=self.tls)
        else:
            smtp = smtplib.SMTP(server.host, server.port, timeout=self.timeout)
        with smtp:
            if server.scheme == "smtp":
                smtp.starttls(context=self.tls)
            if server.username:
                smtp.login(server.username, server.password or "")
            yield lambda msg: _refused_if_any(smtp.send_message(msg))


def _refused_if_any(refused: dict[str, tuple[int, bytes]]) -> None:
    """send_message raises when every recipient is refused; we send to one, but be sure."""
    if refused:
        raise smtplib.SMTPRecipientsRefused(refused)


class FileTransport:
    """Without SMTP: each mail as `<time>-<message id>.eml` in `directory`."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    @contextmanager
    def session(self) -> Iterator[Post]:
        self.directory.mkdir(parents=True, exist_ok=True)
        yield self._write

    def _write(self, msg: EmailMessage) -> None:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        # The Message-ID is ours, but only letters, digits, dot and dash reach a file name.
        name = re.sub(r"[^A-Za-z0-9.-]+", "-", str(msg["Message-ID"]).strip("<>"))[:120]
        (self.directory / f"{stamp}-{name}.eml").write_bytes(bytes(msg))


def make_transport(mail: MailSettings) -> Transport:
    if mail.smtp is None:
        return FileTransport(mail.mail_dir)
    return SmtpTransport(mail.smtp, mail.timeout)
