"""Settings read from the environment; one frozen object passed to create_app."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SQLITE_PATH = PROJECT_ROOT / "var" / "blaastempel.sqlite3"
DEFAULT_BASE_URL = "http://127.0.0.1:8000"
DEFAULT_FILE_MAX_MB = 25
DEFAULT_DECISION_MONTHS = 6  # BLAASTEMPEL_DECISION_MONTHS
DEFAULT_YEARLY_MINIMUM = 20  # BLAASTEMPEL_YEARLY_DECISION_MINIMUM: the seed asks for a minimum, names no figure
FILE_STORAGES = ("local",)


def normalise_database_url(url: str) -> str:
    """Accept the usual URL forms and pick the driver ourselves."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url.removeprefix("postgres://")
    if url.startswith("postgresql://"):
        return "postgresql+psycopg://" + url.removeprefix("postgresql://")
    if url.startswith("sqlite://") and not url.startswith("sqlite+"):
        return url.replace("sqlite://", "sqlite+pysqlite://", 1)
    return url


def _secret_key(key_file: Path = PROJECT_ROOT / "var" / "secret_key") -> str:
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    if not key_file.exists():
        _create_key_file(key_file)
    return key_file.read_text().strip()


def _create_key_file(key_file: Path) -> None:
    """Written whole under a name of its own, then linked into place: of the workers of a
    first `serve --workers N`, the first link wins and every worker reads that one key."""
    key_file.parent.mkdir(parents=True, exist_ok=True)
    draft = key_file.with_name(f"{key_file.name}.{secrets.token_hex(8)}.tmp")
    draft.write_text(secrets.token_hex(16))
    draft.chmod(0o600)
    try:
        os.link(draft, key_file)
    except FileExistsError:
        pass
    finally:
        draft.unlink()


def _int_env(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return max(0, int(raw))
    except ValueError:
        raise SystemExit(f"{name} must be a whole number, not {raw!r}") from None


def _base_url_env() -> str:
    """Where the site is reached; absolute URLs in exports use it, never the request's Host."""
    raw = os.environ.get("BLAASTEMPEL_BASE_URL", "").strip() or DEFAULT_BASE_URL
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise SystemExit(f"BLAASTEMPEL_BASE_URL must be an http(s) address such as "
                         f"https://blaastempel.example.dk, not {raw!r}")
    return raw.rstrip("/")


@dataclass(frozen=True)
class ReportLimits:
    """How many report generations may be started and run (app/reporting/jobs.py). Starts
    within `window` seconds per user, per client address, and per address without logging
    in: counted in the database, so the same for every worker. Generations running at once
    and waiting in line: per worker process. `anonymous_reuse` seconds: an identical request
    without login gets the report already made or being made. 0 turns a limit (or the reuse) off."""

    per_user: int = 10
    per_address: int = 30
    anonymous_per_address: int = 3
    window: int = 600
    running: int = 1
    waiting: int = 4
    anonymous_reuse: int = 600

    @classmethod
    def from_env(cls) -> ReportLimits:
        return cls(per_user=_int_env("BLAASTEMPEL_REPORT_USER_LIMIT", 10),
                   per_address=_int_env("BLAASTEMPEL_REPORT_ADDRESS_LIMIT", 30),
                   anonymous_per_address=_int_env("BLAASTEMPEL_REPORT_ANONYMOUS_LIMIT", 3),
                   window=_int_env("BLAASTEMPEL_REPORT_RATE_WINDOW", 600),
                   running=max(1, _int_env("BLAASTEMPEL_REPORT_RUNNING", 1)),
                   waiting=_int_env("BLAASTEMPEL_REPORT_QUEUE", 4),
                   anonymous_reuse=_int_env("BLAASTEMPEL_REPORT_REUSE", 600))
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
    # The site's public address, without a trailing slash: the base of absolute URLs the
    # product writes (register CSV, calendar feed), so the Host header never reaches them.
    base_url: str = DEFAULT_BASE_URL
    report_limits: ReportLimits = field(default_factory=ReportLimits)
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
    # Case handling (model 1.2): months to decide an application without a basis abroad
    # (with one: 3), and the technologies to decide each year at least.
    decision_months: int = DEFAULT_DECISION_MONTHS
    yearly_decision_minimum: int = DEFAULT_YEARLY_MINIMUM
    # Evidence files (app/files): where their bytes are kept ("local": a directory, by
    # SHA-256), and the largest file accepted (bytes).
    file_storage: str = "local"
    files_dir: Path = PROJECT_ROOT / "var" / "files"
    file_max_bytes: int = DEFAULT_FILE_MAX_MB * 1000 * 1000
    # Operations (app/operations.py): /health/ready fails when the oldest queued search
    # change waited longer than this (seconds; 0: never); /metrics wants this bearer token
    # when it is set.
    outbox_lag_limit: float = 300.0
    metrics_token: str | None = None
    # Search on the database engines (app/search/sqlbase.py): MiB per process for the ids
    # of common words' matches (0: none kept; every query reads them from the index).
    match_cache_mb: int = 64

    def __post_init__(self) -> None:
        if self.worker_threads < 1:
            raise SystemExit("BLAASTEMPEL_WORKER_THREADS must be at least 1")
        if self.db_pool_size and self.db_pool_size < self.worker_threads:
            raise SystemExit(f"BLAASTEMPEL_DB_POOL_SIZE ({self.db_pool_size}) must be at least "
                             f"BLAASTEMPEL_WORKER_THREADS ({self.worker_threads}): every worker needs a connection")
        if self.pool_timeout <= 0:
            raise SystemExit("BLAASTEMPEL_POOL_TIMEOUT must be more than 0 seconds")
        if self.decision_months < 1:
            raise SystemExit("BLAASTEMPEL_DECISION_MONTHS must be at least 1")
        if self.lock_timeout_ms < 1:
            raise SystemExit("BLAASTEMPEL_LOCK_TIMEOUT_MS must be at least 1: a lock wait is always bounded")
        if self.file_storage not in FILE_STORAGES:
            raise SystemExit(f"BLAASTEMPEL_FILE_STORAGE must be one of {', '.join(FILE_STORAGES)}, "
                             f"not {self.file_storage!r}")
        if self.file_max_bytes < 1:
            raise SystemExit("BLAASTEMPEL_FILE_MAX_MB must be at least 1")

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
            base_url=_base_url_env(),
            report_limits=ReportLimits.from_env(),
            worker_threads=_int_env("BLAASTEMPEL_WORKER_THREADS", 8),
            db_pool_size=_int_env("BLAASTEMPEL_DB_POOL_SIZE", 0),
            pool_timeout=_seconds_env("BLAASTEMPEL_POOL_TIMEOUT", 2.0),
            lock_timeout_ms=_int_env("BLAASTEMPEL_LOCK_TIMEOUT_MS", 5000),
            statement_timeout_ms=_int_env("BLAASTEMPEL_STATEMENT_TIMEOUT_MS", 30000),
            decision_months=_int_env("BLAASTEMPEL_DECISION_MONTHS", DEFAULT_DECISION_MONTHS),
            yearly_decision_minimum=_int_env("BLAASTEMPEL_YEARLY_DECISION_MINIMUM", DEFAULT_YEARLY_MINIMUM),
            file_storage=env.get("BLAASTEMPEL_FILE_STORAGE", "").strip() or "local",
            files_dir=Path(env.get("BLAASTEMPEL_FILES_DIR", "").strip() or PROJECT_ROOT / "var" / "files"),
            file_max_bytes=_int_env("BLAASTEMPEL_FILE_MAX_MB", DEFAULT_FILE_MAX_MB) * 1000 * 1000,
            outbox_lag_limit=_seconds_env("BLAASTEMPEL_OUTBOX_LAG_LIMIT", 300.0),
            metrics_token=env.get("BLAASTEMPEL_METRICS_TOKEN", "").strip() or None,
            match_cache_mb=_int_env("BLAASTEMPEL_MATCH_CACHE_MB", 64),
        )
