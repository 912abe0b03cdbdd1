"""Shared helpers for the benchmarks: a prepared database, a server process, timing."""

from __future__ import annotations

import http.client
import logging
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from email.message import Message
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx
from sqlalchemy import Engine, text

from app.audit.hook import set_actor
from app.db.engine import make_engine
from app.db.migrate import upgrade
from app.registry import make_session_factory
from app.seed import seed_demo, seed_reference
from app.settings import PROJECT_ROOT, normalise_database_url

BENCH_DIR = PROJECT_ROOT / "var" / "bench"
logging.getLogger("httpx").setLevel(logging.WARNING)


def bench_database_url(name: str) -> str:
    """BENCH_DATABASE_URL (e.g. PostgreSQL) or a fresh SQLite file under var/bench."""
    configured = os.environ.get("BENCH_DATABASE_URL")
    if configured:
        return normalise_database_url(configured)
    return fresh_sqlite_url(name)


def fresh_sqlite_url(name: str) -> str:
    """An empty SQLite file under var/bench."""
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    path = BENCH_DIR / f"{name}.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return normalise_database_url(f"sqlite:///{path}")


def prepare_database(url: str, demo: bool = True) -> None:
    upgrade(url)
    engine = make_engine(url)
    with make_session_factory(engine)() as session, session.begin():
        set_actor(session, None, "bench")
        seed_reference(session, PROJECT_ROOT / "data")
        if demo:
            seed_demo(session, PROJECT_ROOT / "data")
    engine.dispose()


def percentiles(samples_ms: list[float]) -> dict[str, float]:
    ordered = sorted(samples_ms)
    def pick(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]
    return {"n": len(ordered), "p50": pick(0.50), "p95": pick(0.95), "max": ordered[-1],
            "mean": statistics.fmean(ordered)}


def time_calls(fn: Callable[[int], Any], n: int, warmup: int = 10) -> dict[str, float]:
    for i in range(warmup):
        fn(i)
    samples = []
    for i in range(n):
        start = time.perf_counter()
        fn(i)
        samples.append((time.perf_counter() - start) * 1000)
    return percentiles(samples)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def live_server(url: str, extra_env: dict[str, str] | None = None) -> Iterator[str]:
    """The app served by `blaastempel serve` in its own process, as in production (a
    server thread in the benchmark's process would share its interpreter lock with the
    client and add its waits to every request)."""
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench-secret-key-0123456789abcdef", **(extra_env or {})}
    command = [str(Path(sys.executable).with_name("blaastempel")), "serve", "--port", str(port)]
    server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180  # a loaded machine starts it slowly
        while True:
            try:
                httpx.get(f"{base}/health", timeout=20).raise_for_status()
                break
            except httpx.HTTPError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the benchmark server did not start") from None
                time.sleep(0.1)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)


def start_server(url: str, port: int, log_path: Path, workers: int = 1,
                 extra_env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    """`blaastempel serve` in its own process group on loopback, its output in log_path;
    returns once /health answers."""
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "load-secret-key-0123456789abcdef", **(extra_env or {})}
    env.pop("MEILI_URL", None)
    with log_path.open("wb") as log:
        server = subprocess.Popen([str(Path(sys.executable).with_name("blaastempel")), "serve", "--host", "127.0.0.1",
                                   "--port", str(port), "--workers", str(workers)], env=env, stdout=log,
                                  stderr=subprocess.STDOUT, cwd=PROJECT_ROOT, start_new_session=True)
    deadline = time.monotonic() + 180  # a busy machine takes half a minute to import the app
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the server exited ({server.returncode}); see {log_path}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    stop_server(server)
    raise RuntimeError(f"the server did not answer /health within 180 s; see {log_path}")


def stop_server(server: subprocess.Popen[bytes], grace: float = 30) -> None:
    """SIGINT (uvicorn's graceful shutdown of every worker), then SIGKILL after `grace` seconds."""
    if server.poll() is None:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def report(title: str, rows: dict[str, dict[str, float] | float | str]) -> None:
    print(f"\n## {title}")
    for name, value in rows.items():
        if isinstance(value, dict):
            print(f"- {name}: p50 {value['p50']:.1f} ms, p95 {value['p95']:.1f} ms, "
                  f"max {value['max']:.1f} ms (n={value['n']:.0f})")
        else:
            print(f"- {name}: {value}")


class KeepAliveClient:
    """GET over one kept-alive HTTP/1.1 connection (stdlib http.client). It adds tens of
    microseconds per request where httpx adds about half a millisecond, so a latency
    figure is the server's, not the client library's."""

    def __init__(self, base: str) -> None:
        parts = urlsplit(base)
        self.connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=30)

    def get(self, path: str, params: dict[str, Any] | None = None) -> bytes:
        return self.get_with_headers(path, params)[0]

    def get_with_headers(self, path: str, params: dict[str, Any] | None = None,
                         headers: dict[str, str] | None = None) -> tuple[bytes, Message]:
        url = path + (f"?{urlencode(params, doseq=True)}" if params else "")
        self.connection.request("GET", url, headers=headers or {})
        response = self.connection.getresponse()
        body = response.read()
        if response.status >= 400:
            raise RuntimeError(f"GET {url} answered {response.status}: {body[:200]!r}")
        return body, response.headers

    def close(self) -> None:
        self.connection.close()


# The database settings of README "PostgreSQL at national scale", as a deployment's are.
# random_page_cost: the disk is an SSD. No parallel workers: for a page of 25 their start
# costs more than they save, most of all when many requests run at once.
DATABASE_SETTINGS = {"random_page_cost": "1.1", "max_parallel_workers_per_gather": "0"}


def reset_postgres(url: str) -> None:
    """The benchmark's PostgreSQL database emptied (its public schema dropped), with the
    settings the README gives a deployment's database (DATABASE_SETTINGS)."""
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
        for name, value in DATABASE_SETTINGS.items():
            conn.execute(text(f"DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET {name} = {value}', "
                              "current_database()); END $$"))
    engine.dispose()


def database_bytes(engine: Engine) -> int:
    """The database's size on disk: pg_database_size, or the SQLite file with its WAL."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            return int(conn.execute(text("SELECT pg_database_size(current_database())")).scalar_one())
    path = Path(engine.url.database or "")
    return sum(Path(f"{path}{suffix}").stat().st_size for suffix in ("", "-wal")
               if Path(f"{path}{suffix}").exists())
