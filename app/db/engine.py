"""Engines for the web app, the CLI and the tests (their sessions: app.registry)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

# The CLI, scripts and tests: a writer waits for the app's writes rather than fail.
SQLITE_BUSY_TIMEOUT_MS = 15_000
SQLITE_POOL = {"pool_size": 20, "max_overflow": 20}
PG_CONNECT_TIMEOUT_S = 5


@dataclass(frozen=True)
class ConnectionLimits:
    """The web app's bounds (issue 14): a fixed pool sized with its worker threads, a
    short wait for a free connection (then sqlalchemy's TimeoutError, answered 503), and
    the database's own lock and statement timeouts, so no request waits without end."""

    pool_size: int
    pool_timeout: float  # seconds a checkout waits for a free connection
    lock_timeout_ms: int  # PostgreSQL lock_timeout; SQLite busy timeout
    statement_timeout_ms: int = 0  # PostgreSQL statement_timeout; 0 = none


def _sqlite_pragmas(busy_timeout_ms: int) -> Callable[[Any, Any], None]:
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        # Large lists on 100,000+ rows: keep hot pages in memory and read the file via mmap.
        cursor.execute("PRAGMA cache_size=-32768")
        cursor.execute("PRAGMA mmap_size=268435456")
        cursor.execute("PRAGMA temp_store=MEMORY")
        cursor.close()

    return on_connect


def engine_options(url: str, limits: ConnectionLimits | None = None) -> dict[str, Any]:
    """Without limits (CLI, scripts): SQLite gets a generous pool and a 15 s busy timeout;
    PostgreSQL no lock or statement timeout (imports and reindexing run long). Both
    pre-ping (PostgreSQL) so the pool replaces connections a server restart cut."""
    if url.startswith("sqlite"):
        busy_ms = limits.lock_timeout_ms if limits else SQLITE_BUSY_TIMEOUT_MS
        options: dict[str, Any] = {"connect_args": {"check_same_thread": False, "timeout": busy_ms / 1000}}
        database = make_url(url).database
        if database and database != ":memory:":
            options |= _pool(limits) if limits else SQLITE_POOL
        return options
    if limits is None:
        return {"pool_pre_ping": True, "pool_size": 10, "max_overflow": 20}
    server_options = f"-c lock_timeout={limits.lock_timeout_ms} -c statement_timeout={limits.statement_timeout_ms}"
    return {"pool_pre_ping": True, **_pool(limits),
            "connect_args": {"options": server_options, "connect_timeout": PG_CONNECT_TIMEOUT_S}}


def _pool(limits: ConnectionLimits) -> dict[str, Any]:
    return {"pool_size": limits.pool_size, "max_overflow": 0, "pool_timeout": limits.pool_timeout}


def make_engine(url: str, limits: ConnectionLimits | None = None) -> Engine:
    if url.startswith("sqlite"):
        database = make_url(url).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, **engine_options(url, limits))
    install_sqlite_pragmas(engine, limits.lock_timeout_ms if limits else SQLITE_BUSY_TIMEOUT_MS)
    return engine


def install_sqlite_pragmas(engine: Engine, busy_timeout_ms: int = SQLITE_BUSY_TIMEOUT_MS) -> None:
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas(busy_timeout_ms))

