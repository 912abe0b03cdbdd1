"""The web app's connection bounds (issue 14): pool sized with the worker threads, the
database's own lock and statement timeouts, and clear errors for bad settings."""

from __future__ import annotations

import pytest
from litestar import Litestar
from sqlalchemy import text

from app.settings import Settings


def test_the_app_engine_has_a_fixed_pool_and_bounded_waits(app: Litestar) -> None:
    engine = app.state.engine
    settings: Settings = app.state.settings
    assert engine.pool.size() == settings.connection_pool_size == 2 * settings.worker_threads + 2
    assert engine.pool.timeout() == settings.pool_timeout
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            assert conn.scalar(text("SHOW lock_timeout")) == "5s"
            assert conn.scalar(text("SHOW statement_timeout")) == "30s"
        else:
            assert conn.scalar(text("PRAGMA busy_timeout")) == 5000


@pytest.mark.parametrize(("variable", "value", "reason"), [
    ("BLAASTEMPEL_WORKER_THREADS", "0", "at least 1"),
    ("BLAASTEMPEL_DB_POOL_SIZE", "3", "must be at least BLAASTEMPEL_WORKER_THREADS (8)"),
    ("BLAASTEMPEL_POOL_TIMEOUT", "soon", "must be a number of seconds"),
    ("BLAASTEMPEL_POOL_TIMEOUT", "0", "more than 0 seconds"),
    ("BLAASTEMPEL_LOCK_TIMEOUT_MS", "0", "always bounded"),
    ("BLAASTEMPEL_STATEMENT_TIMEOUT_MS", "30s", "must be a whole number"),
])
def test_bad_burst_settings_stop_start_up_naming_the_variable(
        monkeypatch: pytest.MonkeyPatch, variable: str, value: str, reason: str) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(SystemExit, match=variable) as refused:
        Settings.from_env()
    assert reason in str(refused.value)
