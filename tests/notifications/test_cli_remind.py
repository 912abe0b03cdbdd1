"""`blaastempel notify remind`: the day's reminders and alerts, once however often it runs."""

from __future__ import annotations

import sqlite3
from datetime import date, timedelta
from pathlib import Path

from click.testing import CliRunner

from app.cli import main


def _run(args: list[str], db_file: Path, monkeypatch: object, code: int = 0) -> str:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{db_file}")  # type: ignore[attr-defined]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == code, result.output
    return result.output


def _notes(db_file: Path) -> int:
    with sqlite3.connect(db_file) as conn:
        return int(conn.execute("SELECT count(*) FROM notification").fetchone()[0])


def test_remind_twice_a_day_writes_once(tmp_path: Path, monkeypatch: object) -> None:
    db_file = tmp_path / "remind.sqlite3"
    _run(["db", "upgrade"], db_file, monkeypatch)
    _run(["seed", "--demo"], db_file, monkeypatch)
    with sqlite3.connect(db_file) as conn:  # a milestone of the demo's temporary approvals, 7 days ahead
        due = conn.execute("SELECT min(m.due_date) FROM approval_milestone m JOIN approval_case c "
                           "ON c.id = m.case_id WHERE m.status = 'pending' AND c.status = 'temporarily_approved'"
                           ).fetchone()[0]
    assert due is not None
    day = (date.fromisoformat(due) - timedelta(days=7)).isoformat()
    before = _notes(db_file)
    first = _run(["notify", "remind", "--today", day], db_file, monkeypatch)
    written = _notes(db_file) - before
    assert written > 0 and f"{written} reminder(s) and 0 saved-search alert(s) written for {day}" in first
    again = _run(["notify", "remind", "--today", day], db_file, monkeypatch)
    assert "0 reminder(s) and 0 saved-search alert(s)" in again and _notes(db_file) == before + written
    refused = _run(["notify", "remind", "--today", "31.12.2026"], db_file, monkeypatch, code=2)
    assert "is not a date (YYYY-MM-DD)" in refused
