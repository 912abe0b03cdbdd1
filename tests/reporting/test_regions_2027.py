"""Reports for 2026 and 2027: five regions, then four (Region Østdanmark from 1 January 2027)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from app.approvals import services as approvals_svc
from app.catalogue.models import Organisation
from app.cli import CLI_PRINCIPAL
from app.errors import NotFound
from app.reporting import render
from app.reporting import services as svc

EAST = "oest-intern"


def _context(app: Any, **kwargs: Any) -> dict[str, Any]:
    with app.state.session_factory() as session:
        return svc.build(session, svc.ReportRequest(kind="national-benchmark", **kwargs), principal=CLI_PRINCIPAL,
                         frameworks=app.state.frameworks, search_backend=app.state.search_backend)


def test_a_2026_report_shows_five_regions_and_a_2027_report_four(app: Any) -> None:
    ctx2026, ctx2027 = _context(app, period=2026), _context(app, period=2027)
    assert sorted(r["name"] for r in ctx2026["regions"]) == [
        "Region Hovedstaden", "Region Midtjylland", "Region Nordjylland", "Region Sjælland", "Region Syddanmark"]
    assert sorted(r["name"] for r in ctx2027["regions"]) == [
        "Region Midtjylland", "Region Nordjylland", "Region Syddanmark", "Region Østdanmark"]
    east = next(s for s in ctx2027["region_sections"] if s["region"]["code"] == EAST)
    assert sum(1 for m in east["members"] if m["kind"] == "municipality") == 46
    assert ctx2026["municipalities"] == ctx2027["municipalities"] == 98
    assert ctx2026["regions_note"] is None  # the figures' day and 2026 have the same regions
    html = render.render_html(ctx2027)
    assert 'id="regions-note"' in html and "Region Østdanmark" in html
    assert "er opgjort på regionerne pr. 31. dec. 2027: Region Nordjylland," in ctx2027["regions_note"]


def test_a_region_report_needs_a_region_of_its_period(app: Any, client: Any, auth: Any) -> None:
    east = _context(app, period=2027, region=EAST)
    assert [r["name"] for r in east["regions"]] == ["Region Østdanmark"]
    assert east["municipalities"] == 46
    for body, field in (({"region": EAST, "period": 2026}, "region"), ({"region": "1084", "period": 2027}, "region")):
        answer = client.post("/api/reports", json={"kind": "national-benchmark", **body}, headers=auth("approver"))
        assert answer.status_code == 400 and "is not a region on" in answer.json()["errors"][field]


def test_other_reports_filter_by_the_regions_of_their_period(app: Any) -> None:
    with app.state.session_factory() as session:
        merged = svc._temporary_cases(session, svc.ReportRequest(kind="temporary-approvals", region=EAST, period=2027))
        every = svc._temporary_cases(session, svc.ReportRequest(kind="temporary-approvals", period=2027))
        old = {r.id for r in session.scalars(select(Organisation).where(Organisation.kind == "region",
                                                                          Organisation.code.in_(["1084", "1085"])))}
        using = approvals_svc.organisations_using(session, [c.solution_id for c in every])
        by_hand = [c for c in every if any(o.region_id in old for o in using.get(c.solution_id, []))]
        assert [c.id for c in merged] == [c.id for c in by_hand]
        with pytest.raises(NotFound, match="Region Østdanmark is not a region on"):
            svc._ranked_needs(session, svc.ReportRequest(kind="needs", region=EAST))  # needs: today's regions


def test_the_reports_form_offers_today_s_regions_and_names_when_the_new_one_starts(client: Any) -> None:
    page = client.get("/reports").text
    form = page[page.index('id="report-national-benchmark"'):page.index('id="report-assessment"')]
    assert "Region Hovedstaden (til og med 31. dec. 2026)" in form
    assert "Region Østdanmark (fra 1. jan. 2027)" in form
