"""Engine and session factory shared by the web app, the CLI and the tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

SQLITE_BUSY_TIMEOUT_MS = 15_000
# Sync handlers run on anyio's worker threads (40 by default): give SQLite, whose
# connections cost nothing, as many so no request waits for the pool (30 s, then a 500)
# behind requests that wait for the write lock. PostgreSQL: pre-ping, so the pool
# replaces connections a server restart cut instead of failing the next request.
SQLITE_POOL = {"pool_size": 20, "max_overflow": 20}


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # Large lists on 100,000+ rows: keep hot pages in memory and read the file via mmap.
    cursor.execute("PRAGMA cache_size=-32768")
    cursor.execute("PRAGMA mmap_size=268435456")
    cursor.execute("PRAGMA temp_store=MEMORY")
    cursor.close()


def engine_options(url: str) -> dict[str, Any]:
    if url.startswith("sqlite"):
        options: dict[str, Any] = {"connect_args": {"check_same_thread": False,
                                                    "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}}
        database = make_url(url).database
        if database and database != ":memory:":
            options |= SQLITE_POOL
        return options
    return {"pool_pre_ping": True, "pool_size": 10, "max_overflow": 20}


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        database = make_url(url).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, **engine_options(url))
    install_sqlite_pragmas(engine)
    return engine


def install_sqlite_pragmas(engine: Engine) -> None:
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)


def install_session_hooks() -> None:
    """The hooks every writer needs, whoever opens the session (web, CLI, tests): the
    audit trail and the search outbox. They listen on the Session class, once."""
    import app.audit.hook
    import app.search.outbox  # noqa: F401


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    install_session_hooks()
    return sessionmaker(bind=engine, expire_on_commit=False)
