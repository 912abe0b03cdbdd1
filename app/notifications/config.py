"""Where mail goes and when it is sent, read from the environment (README, "E-mail")."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

PROJECT_ROOT = Path(__file__).resolve().parent.parent.parent
DEFAULT_MAIL_FROM = "Blåstempel <noreply@blaastempel.invalid>"
SMTP_SCHEMES = {"smtp": 587, "smtps": 465, "smtp+plain": 25}


@dataclass(frozen=True)
class SmtpServer:
    """`SMTP_URL`: smtp://user:pass@host:587 (STARTTLS), smtps://user:pass@host:465 (TLS
    from the first byte), smtp+plain://host:25 (no encryption: a relay on the same host)."""

    scheme: str
    host: str
    port: int
    username: str | None = None
    password: str | None = None

    @classmethod
    def parse(cls, url: str) -> SmtpServer:
        parts = urlsplit(url)
        if parts.scheme not in SMTP_SCHEMES or not parts.hostname:
            raise SystemExit(f"SMTP_URL must look like smtp://user:password@host:587, smtps://host:465 "
                             f"or smtp+plain://host:25, not {url!r}")
        try:
            port = parts.port or SMTP_SCHEMES[parts.scheme]
        except ValueError:
            raise SystemExit(f"SMTP_URL has a port that is not a number: {url!r}") from None
        return cls(scheme=parts.scheme, host=parts.hostname, port=port,
                   username=unquote(parts.username) if parts.username else None,
                   password=unquote(parts.password) if parts.password else None)

    def __str__(self) -> str:  # never shows the password
        return f"{self.scheme}://{self.host}:{self.port}"


def _number(name: str, default: float, low: float, high: float) -> float:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise SystemExit(f"{name} must be a number, not {raw!r}") from None
    if not low <= value <= high:
        raise SystemExit(f"{name} must be between {low:g} and {high:g}, not {raw!r}")
    return value


@dataclass(frozen=True)
class MailSettings:
    smtp: SmtpServer | None = None  # None: mail is written to `mail_dir` as .eml files
    mail_from: str = DEFAULT_MAIL_FROM
    mail_dir: Path = field(default_factory=lambda: PROJECT_ROOT / "var" / "mail")
    # The web app's background sender (`serve --send-mail`): on or off, and its interval.
    background: bool = False
    interval: float = 60.0
    digest_hour: int = 7  # daily digests go out from this hour, Danish time
    timeout: float = 30.0  # seconds for one SMTP conversation step

    @classmethod
    def from_env(cls) -> MailSettings:
        env = os.environ
        url = env.get("SMTP_URL", "").strip()
        return cls(smtp=SmtpServer.parse(url) if url else None,
                   mail_from=env.get("MAIL_FROM", "").strip() or DEFAULT_MAIL_FROM,
                   mail_dir=Path(env.get("BLAASTEMPEL_MAIL_DIR", "").strip() or PROJECT_ROOT / "var" / "mail"),
                   background=env.get("BLAASTEMPEL_MAIL_SENDER", "") == "1",
                   interval=_number("BLAASTEMPEL_MAIL_INTERVAL", 60.0, 1, 86400),
                   digest_hour=int(_number("BLAASTEMPEL_DIGEST_HOUR", 7, 0, 23)))

    def describe(self) -> str:
        if self.smtp is None:
            return f"no SMTP_URL: mail is written to {self.mail_dir}/ as .eml files"
        return f"mail is sent through {self.smtp} as {self.mail_from}"
