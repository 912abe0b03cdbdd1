"""One "today" for the whole app: Denmark's day. Between 22:00/23:00 and midnight UTC it is
already tomorrow in Copenhagen; the approvals, the benchmark and the pages must agree."""

from __future__ import annotations

import ast
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from app.core import clock

ROOT = Path(__file__).resolve().parents[2]
NEW_YEARS_NIGHT = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)  # 00:30 on 1 January 2027 in Denmark


@pytest.mark.parametrize(("moment", "day"), [
    (NEW_YEARS_NIGHT, date(2027, 1, 1)),  # winter time, UTC+1
    (datetime(2026, 6, 30, 22, 30, tzinfo=UTC), date(2026, 7, 1)),  # summer time, UTC+2
    (datetime(2026, 6, 30, 21, 30, tzinfo=UTC), date(2026, 6, 30)),
])
def test_the_day_is_denmarks(moment: datetime, day: date, monkeypatch: pytest.MonkeyPatch) -> None:
    assert clock.danish_day(moment) == day
    monkeypatch.setattr(clock, "now", lambda: moment.astimezone(clock.DANISH_TIME))
    assert clock.today() == day


def test_on_new_years_night_the_benchmark_already_has_2027s_regions(
        client: TestClient[Litestar], monkeypatch: pytest.MonkeyPatch) -> None:
    """At 23:30 UTC on 31 December it is 2027 in Denmark: Region Østdanmark exists."""
    monkeypatch.setattr(clock, "now", lambda: NEW_YEARS_NIGHT.astimezone(clock.DANISH_TIME))
    names = {r["name"] for r in client.get("/api/benchmark/national").json()["regions"]}
    assert "Region Østdanmark" in names and "Region Hovedstaden" not in names
    export = client.get("/api/register", params={"format": "csv"})
    assert "blaastempel-register-2027-01-01" in export.headers["content-disposition"]


def _python_files() -> list[Path]:
    return [p for top in ("app", "tests", "bench", "tools") for p in (ROOT / top).rglob("*.py")
            if p != ROOT / "app" / "core" / "clock.py"]


def _calls_the_local_clock(node: ast.AST) -> bool:
    """date.today(), datetime.today() or datetime.now() without a zone: the server's day."""
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name) and node.func.value.id in ("date", "datetime")):
        return False
    return node.func.attr == "today" or (node.func.attr in ("now", "utcnow") and not node.args and not node.keywords)


def _frozen_today(tree: ast.Module) -> list[int]:
    """Module-level names bound to today's date at import: wrong once a run passes midnight."""
    return [stmt.lineno for stmt in tree.body if isinstance(stmt, ast.Assign | ast.AnnAssign) and stmt.value
            and any(isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute | ast.Name)
                    and (n.func.attr if isinstance(n.func, ast.Attribute) else n.func.id) in ("today", "now")
                    for n in ast.walk(stmt.value))]


def test_every_day_comes_from_denmarks_clock() -> None:
    found = []
    for path in _python_files():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        found += [f"{path.relative_to(ROOT)}:{n.lineno}" for n in ast.walk(tree) if _calls_the_local_clock(n)]
        found += [f"{path.relative_to(ROOT)}:{line} (frozen at import)" for line in _frozen_today(tree)]
    assert not found, "use app.core.clock.today() (Denmark's day), called when needed: " + ", ".join(found)
