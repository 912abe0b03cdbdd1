"""Settings read from the environment; one frozen object passed to create_app."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SQLITE_PATH = PROJECT_ROOT / "var" / "blaastempel.sqlite3"


def normalise_database_url(url: str) -> str:
    """Accept the usual URL forms and pick the driver ourselves."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url.removeprefix("postgres://")
    if url.startswith("postgresql://"):
        return "postgresql+psycopg://" + url.removeprefix("postgresql://")
    if url.startswith("sqlite://") and not url.startswith("sqlite+"):
        return url.replace("sqlite://", "sqlite+pysqlite://", 1)
    return url


def _secret_key() -> str:
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    key_file = PROJECT_ROOT / "var" / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    key_file.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(16)
    key_file.write_text(key)
    return key


def _int_env(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return max(0, int(raw))
    except ValueError:
        raise SystemExit(f"{name} must be a whole number, not {raw!r}") from None


def _seconds_env(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return max(0.0, float(raw))
    except ValueError:
        raise SystemExit(f"{name} must be a number of seconds, not {raw!r}") from None


@dataclass(frozen=True)
class Settings:
    database_url: str = field(default_factory=lambda: f"sqlite:///{DEFAULT_SQLITE_PATH}")
    meili_url: str | None = None
    meili_key: str | None = None
    secret_key: str = "dev-secret-key-change-me-0123456"
    default_language: str = "da"
    debug: bool = False
    secure_cookies: bool = False
    frameworks_dir: Path = PROJECT_ROOT / "frameworks"
    data_dir: Path = PROJECT_ROOT / "data"
    # Login rate limit per client IP: at most this many failed logins within the window
    # (seconds); then every login from that address answers 429 until the window passes.
    # 0 turns the limit off.
    login_rate_limit: int = 10
    login_rate_window: int = 60
    # Bursts (issue 14), per server process: requests doing their work at once (each on
    # its own handler thread), database connections (0: 2 x worker_threads + 2, as a writing
    # request briefly holds a second one for the search indexer), how long a request waits
    # for its turn or a connection before it is answered 503 with Retry-After, and the
    # database's own bounds: lock wait (PostgreSQL lock_timeout, SQLite busy timeout) and
    # statement time (PostgreSQL statement_timeout; 0 = none).
    worker_threads: int = 8
    db_pool_size: int = 0
    pool_timeout: float = 2.0
    lock_timeout_ms: int = 5000
    statement_timeout_ms: int = 30000

    def __post_init__(self) -> None:
        if self.worker_threads < 1:
            raise SystemExit("BLAASTEMPEL_WORKER_THREADS must be at least 1")
        if self.db_pool_size and self.db_pool_size < self.worker_threads:
            raise SystemExit(f"BLAASTEMPEL_DB_POOL_SIZE ({self.db_pool_size}) must be at least "
                             f"BLAASTEMPEL_WORKER_THREADS ({self.worker_threads}): every worker needs a connection")
        if self.pool_timeout <= 0:
            raise SystemExit("BLAASTEMPEL_POOL_TIMEOUT must be more than 0 seconds")
        if self.lock_timeout_ms < 1:
            raise SystemExit("BLAASTEMPEL_LOCK_TIMEOUT_MS must be at least 1: a lock wait is always bounded")

    @property
    def connection_pool_size(self) -> int:
        return self.db_pool_size or 2 * self.worker_threads + 2

    @property
    def sqlalchemy_url(self) -> str:
        return normalise_database_url(self.database_url)

    @property
    def is_sqlite(self) -> bool:
        return self.sqlalchemy_url.startswith("sqlite")

    @property
    def database_kind(self) -> str:
        return "sqlite" if self.is_sqlite else "postgresql"

    @classmethod
    def from_env(cls) -> Settings:
        env = os.environ
        return cls(
            database_url=env.get("DATABASE_URL") or f"sqlite:///{DEFAULT_SQLITE_PATH}",
            meili_url=env.get("MEILI_URL") or None,
            meili_key=env.get("MEILI_KEY") or env.get("MEILI_MASTER_KEY") or None,
            secret_key=_secret_key(),
            default_language=env.get("BLAASTEMPEL_LANGUAGE", "da"),
            debug=env.get("BLAASTEMPEL_DEBUG", "") == "1",
            secure_cookies=env.get("BLAASTEMPEL_SECURE_COOKIES", "") == "1",
            login_rate_limit=_int_env("BLAASTEMPEL_LOGIN_RATE_LIMIT", 10),
            login_rate_window=_int_env("BLAASTEMPEL_LOGIN_RATE_WINDOW", 60),
            worker_threads=_int_env("BLAASTEMPEL_WORKER_THREADS", 8),
            db_pool_size=_int_env("BLAASTEMPEL_DB_POOL_SIZE", 0),
            pool_timeout=_seconds_env("BLAASTEMPEL_POOL_TIMEOUT", 2.0),
            lock_timeout_ms=_int_env("BLAASTEMPEL_LOCK_TIMEOUT_MS", 5000),
            statement_timeout_ms=_int_env("BLAASTEMPEL_STATEMENT_TIMEOUT_MS", 30000),
        )
