"""How much work a server process takes on at once (issue 14: stay up under bursts).

Per process, from the settings:
- at most `worker_threads` requests do their work at once: a request waits for its turn
  at most `pool_timeout` seconds, then it is answered 503 with Retry-After (never a long
  stall, never a 500); /health (and /health/live, /health/ready, /metrics) and static
  files do not queue;
- their handlers run on a thread pool of exactly that size (the event loop's default
  executor, which Litestar's sync handlers use), each with one database connection from a
  pool sized with it (Settings.connection_pool_size);
- ending a request's transaction (commit, rollback, close) has threads of its own, so the
  commit that releases a row lock never waits behind handlers that wait for that lock;
- those ask the database on their own tiny engine and threads, within a short bound.

A request gives its turn back as soon as its response has started: by then its
transaction has ended (app/web/transactions.py), and a slow client reading a large answer
must not hold a place that other requests wait for.
"""

from __future__ import annotations

import asyncio
import math
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from anyio import CapacityLimiter, fail_after
from litestar import Litestar
from litestar.enums import ScopeType
from litestar.exceptions import ServiceUnavailableException
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from app.db.engine import ConnectionLimits
from app.settings import Settings

BUSY = "the server is busy; try again in a moment"
OPERATIONS_PATHS = "^/health(/live|/ready)?$|^/metrics$"  # app.operations: for the proxy and monitoring
UNQUEUED_PATHS = re.compile(f"{OPERATIONS_PATHS}|^/static(/|$)")
HEALTH_THREADS = 2
HEALTH_LIMITS = ConnectionLimits(pool_size=HEALTH_THREADS, pool_timeout=1.0, lock_timeout_ms=1000,
                                 statement_timeout_ms=1000)


@dataclass(frozen=True)
class Capacity:
    """The limits of the running event loop (made at start-up, inside it)."""

    turns: CapacityLimiter  # requests doing their work
    endings: CapacityLimiter  # threads that end a request's transaction
    health: CapacityLimiter  # threads that ping the database for /health
    wait: float  # seconds a request waits for its turn
    retry_after: str  # seconds, for the Retry-After header

    def busy(self) -> ServiceUnavailableException:
        return ServiceUnavailableException(detail=BUSY, headers={"Retry-After": self.retry_after})


def retry_after(settings: Settings) -> str:
    return str(max(1, math.ceil(settings.pool_timeout)))


def start(app: Litestar) -> None:
    """On start-up, in the serving event loop: the handler threads and the limiters."""
    settings: Settings = app.state.settings
    asyncio.get_running_loop().set_default_executor(
        ThreadPoolExecutor(max_workers=settings.worker_threads, thread_name_prefix="handler"))
    app.state.capacity = Capacity(
        turns=CapacityLimiter(settings.worker_threads), endings=CapacityLimiter(settings.worker_threads),
        health=CapacityLimiter(HEALTH_THREADS), wait=settings.pool_timeout, retry_after=retry_after(settings))


def of(scope: Scope) -> Capacity:
    return scope["app"].state.capacity


class TakeTurns(ASGIMiddleware):
    """Admits a request when one of the process's turns is free, within the wait."""

    scopes = (ScopeType.HTTP,)

    def should_bypass_for_scope(self, scope: Scope) -> bool:  # the request's path, not its route's
        return UNQUEUED_PATHS.match(scope["path"]) is not None

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        capacity = of(scope)
        try:
            with fail_after(capacity.wait):
                await capacity.turns.acquire()
        except TimeoutError:
            raise capacity.busy() from None
        holding = True

        def give_back() -> None:
            nonlocal holding
            if holding:
                holding = False
                capacity.turns.release()

        async def send_then_give_back(message: Message) -> None:
            await send(message)  # the response start ends the transaction first (before_send)
            if message["type"] == "http.response.start":
                give_back()

        try:
            await next_app(scope, receive, send_then_give_back)
        finally:
            give_back()
