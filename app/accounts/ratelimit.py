"""Login rate limiting per client address: one client may not try many passwords across
many accounts (the per-account lock-out in services.authenticate stops the other case).

A sliding window of *failed* attempts per client IP: after `max_failures` failures within
`window` seconds every attempt from that address -- with the right password too -- is
refused (429 with Retry-After) until the oldest failure leaves the window. Successful
logins are not counted, so a hospital's staff behind one NAT address logging in at 8
o'clock is never throttled. The counts live in the worker's memory (one limiter per app,
app.state.login_limiter): with N workers an address gets at most N x max_failures tries a
window, still far too few for guessing. The clock is injectable for tests.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable

from litestar.connection import ASGIConnection

# Beyond this many tracked addresses, expired entries are swept (and, under a flood of
# fresh addresses, the oldest dropped) so memory stays bounded.
MAX_TRACKED = 50_000


class LoginRateLimiter:
    def __init__(self, max_failures: int, window: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.max_failures = max_failures
        self.window = window
        self.clock = clock
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return self.max_failures > 0 and self.window > 0

    def _recent(self, key: str, now: float) -> deque[float] | None:
        stamps = self._failures.get(key)
        if stamps is None:
            return None
        while stamps and stamps[0] <= now - self.window:
            stamps.popleft()
        if not stamps:
            del self._failures[key]
            return None
        return stamps

    def retry_after(self, key: str) -> int | None:
        """Seconds until `key` may try again, or None when it may try now."""
        if not self.enabled:
            return None
        with self._lock:
            now = self.clock()
            stamps = self._recent(key, now)
            if stamps is None or len(stamps) < self.max_failures:
                return None
            return max(1, math.ceil(stamps[0] + self.window - now))

    def record_failure(self, key: str) -> None:
        if not self.enabled:
            return
        with self._lock:
            now = self.clock()
            stamps = self._recent(key, now)
            if stamps is None:
                if len(self._failures) >= MAX_TRACKED:
                    self._sweep(now)
                stamps = self._failures[key] = deque(maxlen=self.max_failures)
            stamps.append(now)

    def _sweep(self, now: float) -> None:
        for key in list(self._failures):
            self._recent(key, now)
        while len(self._failures) >= MAX_TRACKED:  # still full: forget the oldest addresses
            self._failures.pop(next(iter(self._failures)))

    def reset(self) -> None:
        with self._lock:
            self._failures.clear()


def client_key(connection: ASGIConnection) -> str:
    """The client's address as the server saw it. `blaastempel serve` runs uvicorn with
    proxy headers on, which trusts X-Forwarded-For only from the proxies in
    FORWARDED_ALLOW_IPS (default 127.0.0.1); the header is never read here directly,
    since any client can send one."""
    client = connection.client
    return client.host if client and client.host else "unknown"
