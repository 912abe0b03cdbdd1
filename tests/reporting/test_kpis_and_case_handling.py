"""Contract KPIs in the assessment report and case handling in the temporary-approvals
report: the PDFs print the figures of the pages' own services (contracts.services.kpis_of,
approvals.services.dashboard), in Danish and English, with the app's settings."""

from __future__ import annotations

import re
import subprocess
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from app.approvals import services as approvals_svc
from app.assessment.models import Assessment
from app.catalogue.models import Solution
from app.cli import CLI_PRINCIPAL
from app.contracts import services as contracts_svc
from app.contracts.models import Contract
from app.main import create_app
from app.reporting import render
from app.reporting import services as svc
from app.reporting.case_handling import CaseRules
from app.web.i18n import day, number

pytestmark = pytest.mark.slow  # make test-fast leaves it out


def _pdf(app: Any, tmp_path: Path, case_rules: CaseRules = CaseRules(), **kwargs: Any) -> Path:
    with app.state.session_factory() as session:
        ctx = svc.build(session, svc.ReportRequest(**kwargs), principal=CLI_PRINCIPAL,
                        frameworks=app.state.frameworks, case_rules=case_rules)
        html = render.render_html(ctx)
    out = tmp_path / f"{kwargs['kind']}-{kwargs.get('lang', 'da')}.pdf"
    render.html_to_pdf(html, out)
    return out


def _lines(pdf: Path) -> list[str]:
    """The report's lines as pdftotext lays them out (a table row on one line), spaces collapsed
    and none after ≥ and ≤ (pdftotext drops some)."""
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    return [re.sub(r"([≥≤]) ", r"\1", re.sub(r"\s+", " ", line).strip()) for line in text.splitlines()]


def _text(pdf: Path) -> str:
    """The report's text in reading order, words joined by single spaces (for sentences)."""
    text = subprocess.run(["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    return re.sub(r"\s+", " ", text)


def _chapter(lines: list[str], heading: str, until: str | None = None) -> list[str]:
    """The lines of the last chapter so headed (the first is in the table of contents)."""
    start = len(lines) - 1 - lines[::-1].index(heading)
    end = lines.index(until, start) if until else len(lines)
    return lines[start:end]


def _selfback_kpis(app: Any, db: Any, lang: str) -> dict[str, Any]:
    selfback = db.scalar(select(Solution).where(Solution.slug == "selfback"))
    return contracts_svc.kpis_of(db, app.state.frameworks, [selfback.id], lang)[selfback.id]


# ---- contract KPIs ---------------------------------------------------------------------------


def test_the_assessment_report_shows_selfbacks_contract_kpis_in_danish(app: Any, db: Any, tmp_path: Path) -> None:
    shown = _selfback_kpis(app, db, "da")
    assert shown["contracts"], "the demo has SelfBack contracts"
    lines = _lines(_pdf(app, tmp_path, kind="assessment", solution="selfback"))
    chapter = _chapter(lines, "Kontrakt-KPI'er")
    text = " ".join(chapter)
    assert "Kontrakt med Høje-Taastrup · SELFBACK-HTK-2025" in chapter
    for contract in shown["contracts"]:
        assert contract["reference"] in text
        for kpi in contract["kpis"]:
            assert any(line.startswith(f"{kpi['name']} ") and day(kpi["latest_on"], "da") in line for line in chapter)
    measured = day(shown["contracts"][0]["kpis"][0]["latest_on"], "da")
    assert f"Aktive brugere ≥600 628 {measured} bedre opfyldt" in chapter  # target, latest, trend, met
    assert f"Oppetid ≥99,5 % 99,9 % {measured} uændret opfyldt" in chapter  # Danish decimals
    assert f"Kritiske fejl i perioden ≤2 0 {measured} uændret opfyldt" in chapter
    assert f"Frigjort kapacitet ≥0,9 årsværk 0,67 årsværk {measured} bedre ikke opfyldt" in chapter
    cap = shown["contracts"][0]["capacity"]
    assert cap is not None and cap["claimed"] is not None and cap["realised"] is not None
    # the claim is the latest completed assessment's (other tests complete some, a claim of 0 has no share)
    share = f"{number(cap['share'] * 100, 'da', 0)} %" if cap["share"] is not None else "–"
    assert (f"{number(cap['claimed'], 'da', 2)} årsværk pr. 1.000 brugere {number(cap['realised'], 'da', 2)} "
            f"årsværk pr. 1.000 brugere {share}") in chapter
    assert f"Løftet står i vurderingen {cap['claim']['framework']}" in text
    contents = lines[lines.index("Indhold"):]
    assert any(line.startswith("Kontrakt-KPI'er") for line in contents[:contents.index("Kontrakt-KPI'er")])


def test_the_assessment_report_shows_the_contract_kpis_in_english(app: Any, tmp_path: Path) -> None:
    chapter = _chapter(_lines(_pdf(app, tmp_path, kind="assessment", solution="selfback", lang="en")),
                       "Contract KPIs")
    text = " ".join(chapter)
    assert "Contract with Høje-Taastrup · SELFBACK-HTK-2025" in chapter
    assert any(line.startswith("Uptime ≥99.5 % 99.9 % ") and line.endswith(" unchanged met") for line in chapter)
    assert any(line.startswith("Capacity freed ≥0.9 FTE 0.67 FTE ") and line.endswith(" better not met")
               for line in chapter)
    assert "FTE a year per 1,000 users" in text and "Share of the claim" in text
    assert "Kontrakt" not in text and "opfyldt" not in text and "årsværk" not in text


def test_a_solution_without_contracts_has_no_kpi_section(app: Any, db: Any, tmp_path: Path) -> None:
    with_contract = set(db.scalars(select(Contract.solution_id)))
    assessed = db.scalars(select(Solution).join(Assessment, Assessment.solution_id == Solution.id)
                          .where(Assessment.status == "completed").order_by(Solution.id)).unique()
    solution = next(s for s in assessed if s.id not in with_contract)
    text = _text(_pdf(app, tmp_path, kind="assessment", solution=solution.slug))
    assert solution.name in text and "Kontrakt-KPI'er" not in text


# ---- case handling ---------------------------------------------------------------------------


def test_the_temporary_approvals_report_shows_the_due_cases_and_case_time(app: Any, db: Any,
                                                                          tmp_path: Path) -> None:
    dash = approvals_svc.dashboard(db, CLI_PRINCIPAL)
    due = {d["case"].solution.name: d for d in dash["decision_deadlines"]}
    assert due["SukkerSpor"]["state"] == "approaching" and due["HjerteHjem"]["state"] == "past_due"
    pdf = _pdf(app, tmp_path, kind="temporary-approvals")
    lines = _lines(pdf)
    chapter = _chapter(lines, "Sagsbehandlingstid", "Godkendelserne")
    text = _text(pdf)
    sukker, hjerte = due["SukkerSpor"], due["HjerteHjem"]
    assert (f"SukkerSpor Optaget på DiGA-listen (Tyskland) {day(sukker['due'], 'da')} {sukker['days']} tilbage"
            in chapter)
    assert (f"HjerteHjem Evalueret af NICE (England) {day(hjerte['due'], 'da')} {-hjerte['days']} over fristen"
            in chapter)
    figures = f"{number(dash['case_days_median'], 'da', 0)} {number(dash['case_days_p90'], 'da', 0)} " \
              f"{dash['decided_this_year']} / 20"
    assert figures in chapter  # median, 90th percentile, decided against the minimum
    assert "(median)" in text and "(90. percentil)" in text and "mod årligt minimum" in text
    assert f"afgjort i {dash['year']}" in text and "andre inden for 6 måneder" in text
    contents = lines[lines.index("Indhold"):]
    assert any(line.startswith("Sagsbehandlingstid") for line in contents[:contents.index("Sagsbehandlingstid")])


def test_the_case_handling_in_english(app: Any, tmp_path: Path) -> None:
    pdf = _pdf(app, tmp_path, kind="temporary-approvals", lang="en")
    chapter = _chapter(_lines(pdf), "Case-handling time", "The approvals")
    text = _text(pdf)
    assert any(line.startswith("SukkerSpor Listed in the DiGA directory (Germany) ") and line.endswith(" left")
               for line in chapter)
    assert any(line.startswith("HjerteHjem Evaluated by NICE (England) ") and line.endswith(" past due")
               for line in chapter)
    assert "against the yearly minimum" in text and "dage" not in text and "over fristen" not in text


def test_the_case_handling_reads_the_settings(app: Any, settings: Any, db: Any, tmp_path: Path) -> None:
    configured = create_app(replace(settings, decision_months=4, yearly_decision_minimum=3))
    try:
        rules = configured.state.report_jobs.case_rules
    finally:
        configured.state.engine.dispose()
        configured.state.health_engine.dispose()
    assert rules == CaseRules(decision_months=4, yearly_minimum=3)
    decided = approvals_svc.dashboard(db, CLI_PRINCIPAL)["decided_this_year"]
    text = _text(_pdf(app, tmp_path, case_rules=rules, kind="temporary-approvals"))
    assert re.search(rf"\b{decided} ?/ ?3 dage fra ansøgning", text)  # pdftotext may drop the spaces
    assert "andre inden for 4 måneder" in text


def test_the_case_handling_follows_the_treatment_area(app: Any, tmp_path: Path) -> None:
    with app.state.session_factory() as session:
        ctx = svc.build(session, svc.ReportRequest(kind="temporary-approvals", treatment_area="laenderygsmerter"),
                        principal=CLI_PRINCIPAL, frameworks=app.state.frameworks)
    assert ctx["case_handling"]["due"] == []  # SukkerSpor and HjerteHjem are of other areas
    text = _text(_pdf(app, tmp_path, kind="temporary-approvals", treatment_area="laenderygsmerter"))
    assert "Ingen ansøgning er over fristen eller skal afgøres inden for 14 dage." in text
    assert "SukkerSpor" not in text and "HjerteHjem" not in text


def test_a_period_says_the_case_handling_is_of_this_year(app: Any, db: Any, tmp_path: Path) -> None:
    year = approvals_svc.dashboard(db, CLI_PRINCIPAL)["year"]
    text = _text(_pdf(app, tmp_path, kind="temporary-approvals", period=year - 1))
    assert f"Sagsbehandlingen gælder {year}; perioden afgrænser kun de midlertidige godkendelser." in text
