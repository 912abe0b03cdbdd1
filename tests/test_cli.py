"""The `blaastempel` command against a real database file."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from app.cli import main


def _run(args: list[str], db_file: Path, monkeypatch: object) -> str:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{db_file}")  # type: ignore[attr-defined]
    result = CliRunner().invoke(main, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def _counts(db_file: Path) -> dict[str, int]:
    with sqlite3.connect(db_file) as conn:
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                for t in ("organisation", "solution", "project", "need", "audit_event", "user_account",
                          "search_outbox")}


def test_upgrade_seed_twice_changes_nothing(tmp_path: Path, monkeypatch: object) -> None:
    db_file = tmp_path / "cli.sqlite3"
    _run(["db", "upgrade"], db_file, monkeypatch)
    _run(["seed", "--demo"], db_file, monkeypatch)
    first = _counts(db_file)
    _run(["seed", "--demo"], db_file, monkeypatch)
    assert _counts(db_file) == first
    assert first["organisation"] == 5 + 1 + 98 + 31 + 10 + 6  # Region Østdanmark from 2027 besides the five
    assert first["solution"] >= 40 and first["project"] >= 20 and first["need"] >= 15
    # the CLI's writes reach the search index through the outbox, like the web's
    assert first["search_outbox"] >= first["solution"] + first["project"] + first["need"]


def test_users_tokens_and_generate(tmp_path: Path, monkeypatch: object) -> None:
    db_file = tmp_path / "cli.sqlite3"
    _run(["db", "upgrade"], db_file, monkeypatch)
    _run(["seed"], db_file, monkeypatch)
    out = _run(["users", "create", "--email", "Ida@Example.dk", "--name", "Ida", "--role", "assessor",
                "--password", "a-long-password"], db_file, monkeypatch)
    assert "ida@example.dk" in out
    token = _run(["tokens", "create", "--email", "ida@example.dk"], db_file, monkeypatch).strip()
    assert token.startswith("bt_")
    _run(["generate", "--solutions", "300", "--projects", "40", "--needs", "30"], db_file, monkeypatch)
    counts = _counts(db_file)
    assert counts["solution"] == 300 and counts["project"] == 40 and counts["need"] == 30


def test_users_create_refuses_bad_input(tmp_path: Path, monkeypatch: object) -> None:
    db_file = tmp_path / "cli.sqlite3"
    _run(["db", "upgrade"], db_file, monkeypatch)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{db_file}")  # type: ignore[attr-defined]
    result = CliRunner().invoke(main, ["users", "create", "--email", "x", "--name", "X", "--role",
                                       "admin", "--password", "short"])
    assert result.exit_code == 1
    assert "email" in result.output and "password" in result.output
    assert _counts(db_file)["user_account"] == 0


def test_serve_gives_busy_workers_time_to_answer(monkeypatch: object) -> None:
    """uvicorn's 5 s health check killed workers still importing the app on a loaded machine."""
    import uvicorn

    calls: list[dict[str, object]] = []
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: calls.append(kwargs))  # type: ignore[attr-defined]
    result = CliRunner().invoke(main, ["serve", "--workers", "2"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert calls[0]["workers"] == 2
    assert calls[0]["timeout_worker_healthcheck"] >= 30  # type: ignore[operator]


def test_serve_leaves_no_metrics_folder_behind(monkeypatch: pytest.MonkeyPatch) -> None:
    """Workers count into a folder of their own; once `serve` ends, the folder and the
    setting naming it are gone (a later app in the same process counts on its own)."""
    import uvicorn

    seen: list[str] = []
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: seen.append(os.environ["PROMETHEUS_MULTIPROC_DIR"]))
    result = CliRunner().invoke(main, ["serve", "--workers", "2"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert seen and not Path(seen[0]).exists()
    assert "PROMETHEUS_MULTIPROC_DIR" not in os.environ
