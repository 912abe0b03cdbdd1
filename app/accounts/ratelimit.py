"""Login rate limiting per client address: one client may not try many passwords across
many accounts (the per-account lock-out in services.authenticate stops the other case).

A sliding window of *failed* attempts per client key: after `max_failures` failures within
`window` seconds every attempt from that key -- with the right password too -- is refused
(429 with Retry-After) until the oldest failure leaves the window. Successful logins are
not counted, so a hospital's staff behind one NAT address logging in at 8 o'clock is never
throttled. The failures are rows of `login_failure` (a scope: "address" or "browser", the
key, the time), so every worker process and every server on the database counts the same
failures; rows that have left the window are deleted as new failures are written. Attempts
at the very same moment each pass the check before any has recorded its failure, so a
burst can go past the limit by the requests served at once. The clock is injectable for
tests.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import cast

from litestar.connection import ASGIConnection
from sqlalchemy import String, delete, insert, select
from sqlalchemy.orm import Session

from app.accounts.models import login_failure

KEY_LENGTH = cast(String, login_failure.c.client_key.type).length or 100


class LoginRateLimiter:
    def __init__(self, scope: str, max_failures: int, window: float,
                 clock: Callable[[], float] = time.time) -> None:
        self.scope = scope
        self.max_failures = max_failures
        self.window = window
        self.clock = clock

    @property
    def enabled(self) -> bool:
        return self.max_failures > 0 and self.window > 0

    def _now(self) -> datetime:
        return datetime.fromtimestamp(self.clock(), UTC)

    def retry_after(self, session: Session, key: str) -> int | None:
        """Seconds until `key` may try again, or None when it may try now."""
        if not self.enabled:
            return None
        now = self._now()
        newest = list(session.scalars(
            select(login_failure.c.failed_at)
            .where(login_failure.c.scope == self.scope, login_failure.c.client_key == key[:KEY_LENGTH],
                   login_failure.c.failed_at > now - timedelta(seconds=self.window))
            .order_by(login_failure.c.failed_at.desc()).limit(self.max_failures)))
        if len(newest) < self.max_failures:
            return None
        return max(1, math.ceil((newest[-1] - now).total_seconds() + self.window))

    def record_failure(self, session: Session, key: str) -> None:
        """Written in `session`'s transaction: the caller commits it."""
        if not self.enabled:
            return
        now = self._now()
        session.execute(delete(login_failure).where(
            login_failure.c.scope == self.scope, login_failure.c.failed_at <= now - timedelta(seconds=self.window)))
        session.execute(insert(login_failure).values(scope=self.scope, client_key=key[:KEY_LENGTH], failed_at=now))

    def reset(self, session: Session) -> None:
        session.execute(delete(login_failure).where(login_failure.c.scope == self.scope))


def client_key(connection: ASGIConnection) -> str:
    """The client's address as the server saw it. `blaastempel serve` runs uvicorn with
    proxy headers on, which trusts X-Forwarded-For only from the proxies in
    FORWARDED_ALLOW_IPS (default 127.0.0.1); the header is never read here directly,
    since any client can send one."""
    client = connection.client
    return client.host if client and client.host else "unknown"
