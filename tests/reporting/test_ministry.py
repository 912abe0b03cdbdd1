"""Ministry PDFs that can be trusted: a filter narrows every figure, table and chart of a
report and is stated in words on the cover; a chart shows as many bars as its caption says
and no empty ones; no internal code, API path, slug or file path is printed; the form finds a
solution by its name; an approval is never shown resting on an empty assessment."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from app.approvals.models import ApprovalEvent
from app.assessment.models import Answer, Assessment
from app.benchmark.models import Indicator
from app.catalogue.models import Need, Organisation, Project, Solution, TreatmentArea
from app.cli import CLI_PRINCIPAL
from app.reporting import render
from app.reporting import services as svc
from tests.helpers import login

pytestmark = pytest.mark.slow  # make test-fast leaves it out


def _context(app: Any, **kwargs: Any) -> dict[str, Any]:
    with app.state.session_factory() as session:
        return svc.build(session, svc.ReportRequest(**kwargs), principal=CLI_PRINCIPAL,
                         frameworks=app.state.frameworks, search_backend=app.state.search_backend)


def _pdf_text(app: Any, tmp_path: Path, **kwargs: Any) -> str:
    """The report's text as pdftotext reads it, words joined by single spaces."""
    with app.state.session_factory() as session:
        ctx = svc.build(session, svc.ReportRequest(**kwargs), principal=CLI_PRINCIPAL,
                        frameworks=app.state.frameworks, search_backend=app.state.search_backend)
        html = render.render_html(ctx)
    out = tmp_path / f"{kwargs['kind']}.pdf"
    render.html_to_pdf(html, out)
    text = subprocess.run(["pdftotext", str(out), "-"], check=True, capture_output=True, text=True).stdout
    return re.sub(r"\s+", " ", text)


def _solutions_in_area(db: Any, code: str) -> set[str]:
    area = db.scalar(select(TreatmentArea).where(TreatmentArea.code == code))
    return {s.name for s in db.scalars(select(Solution)) if area in s.treatment_areas}


# ---- 1. a filter applies to every figure ------------------------------------------------


def test_temporary_approvals_filtered_count_what_they_list(app: Any, tmp_path: Path) -> None:
    ctx = _context(app, kind="temporary-approvals", treatment_area="laenderygsmerter")
    names = {c["solution"]["name"] for c in ctx["cases"]}
    assert names == {"SelfBack"}
    assert all("laenderygsmerter" in c["treatment_areas"] for c in ctx["cases"])
    assert ctx["temporary_total"] == len(ctx["cases"]) == sum(n for _, n in ctx["counts"])
    assert {d["solution"] for d in ctx["deadlines"]} <= names and {o["solution"] for o in ctx["overdue"]} <= names
    everything = _context(app, kind="temporary-approvals")
    assert everything["temporary_total"] > ctx["temporary_total"]  # the filter changed the figures
    assert sum(n for _, n in everything["counts"]) == everything["temporary_total"]

    text = _pdf_text(app, tmp_path, kind="temporary-approvals", treatment_area="laenderygsmerter")
    assert "Udsnit: behandlingsområdet Lænderygsmerter. Alle tal, tabeller og figurer i rapporten er beregnet " \
           "for dette udsnit." in text
    figures = re.search(r"Overblik (\d+) [–\d, %]+ midlertidig godkendelse\b", text)
    assert figures is not None and figures.group(1) == "1", text[:2000]
    for other in ({c["solution"]["name"] for c in everything["cases"]} - names):
        assert other not in text, other


def test_temporary_approvals_of_an_area_without_any_say_zero_everywhere(app: Any) -> None:
    ctx = _context(app, kind="temporary-approvals", treatment_area="oejne")
    assert ctx["cases"] == [] and ctx["temporary_total"] == 0
    assert all(n == 0 for _, n in ctx["counts"]) and ctx["share_permanent"] == "–"
    assert ctx["deadlines"] == [] and ctx["overdue"] == []


def test_national_benchmark_of_one_treatment_area(app: Any, db: Any, tmp_path: Path) -> None:
    in_area = _solutions_in_area(db, "kol")
    ctx = _context(app, kind="national-benchmark", treatment_area="kol")
    everything = _context(app, kind="national-benchmark")
    assert ctx["spread"] and {s["name"] for s in ctx["spread"]} <= in_area
    assert ctx["national"]["solutions_in_operation"] <= len(in_area)
    assert ctx["national"]["solutions_in_operation"] < everything["national"]["solutions_in_operation"]
    assert ctx["view"]["prioritised_solutions"] < everything["view"]["prioritised_solutions"]
    kol_indicators = {i.name_da for i in db.scalars(select(Indicator)) if i.treatment_area and
                      i.treatment_area.code == "kol"}
    assert {i["name"] for i in ctx["indicators"]} <= kol_indicators
    text = _pdf_text(app, tmp_path, kind="national-benchmark", treatment_area="kol")
    assert "Udsnit: behandlingsområdet KOL" in text
    in_operation = ctx['national']['solutions_in_operation']
    assert f"{in_operation} {'løsning' if in_operation == 1 else 'løsninger'} er i drift" in text
    assert "Den nationale adoptionsrate" not in text and "Adoptionsraten i udsnittets kommuner er" in text


def test_national_benchmark_of_one_region(app: Any, db: Any, tmp_path: Path) -> None:
    region = db.scalar(select(Organisation).where(Organisation.kind == "region", Organisation.code == "1084"))
    members = {o.name for o in db.scalars(select(Organisation).where(Organisation.region_id == region.id))}
    ctx = _context(app, kind="national-benchmark", region="1084")
    assert [r["code"] for r in ctx["regions"]] == ["1084"]
    assert ctx["municipalities"] == 29  # Region Hovedstaden's, not the country's 98
    assert all(o["name"] in members for g in ctx["peers"] for o in g["rows"])
    assert all(o["name"] in members for s in ctx["region_sections"] for o in s["members"])
    everything = _context(app, kind="national-benchmark")
    assert ctx["national"]["population"] < everything["national"]["population"]
    text = _pdf_text(app, tmp_path, kind="national-benchmark", region="1084", period=2025)
    assert "Udsnit: Region Hovedstaden med regionens kommuner og hospitaler; tal pr. 31. dec. 2025." in text
    assert "kommuner: 29." in text and "Region Syddanmark" not in text


def test_needs_of_one_region(app: Any, db: Any, tmp_path: Path) -> None:
    region = db.scalar(select(Organisation).where(Organisation.kind == "region", Organisation.code == "1084"))
    expected = [n for n in db.scalars(select(Need))
                if n.organisation.id == region.id or n.organisation.region_id == region.id]
    ctx = _context(app, kind="needs", region="1084")
    assert ctx["total"] == len(expected) > 0
    assert {r["need"].id for r in ctx["needs"]} == {n.id for n in expected}
    text = _pdf_text(app, tmp_path, kind="needs", region="1084")
    assert f"Viser {len(expected)} af {len(expected)}." in text
    assert "Udsnit: behov fra Region Hovedstaden og regionens kommuner og hospitaler." in text


def test_a_report_without_filters_says_it_covers_everything(app: Any, tmp_path: Path) -> None:
    text = _pdf_text(app, tmp_path, kind="needs")
    assert "Rapporten omfatter hele landet og alle behandlingsområder." in text


def test_the_needs_and_assessment_reports_take_no_period() -> None:
    for kind in ("needs", "assessment"):
        with pytest.raises(Exception, match="period"):
            svc.ReportRequest(kind=kind, period=2025, solution="selfback").validate()


# ---- 2. a chart shows what its caption says -------------------------------------------


@pytest.mark.parametrize("area", [None, "kol"])
def test_the_spread_chart_has_as_many_bars_as_its_caption_and_none_empty(app: Any, area: str | None) -> None:
    ctx = _context(app, kind="national-benchmark", treatment_area=area)
    shown = ctx["spread_shown"]
    assert shown == min(20, sum(1 for s in ctx["spread"] if s["municipalities"] > 0)) > 0
    bars = re.findall(r'<rect x="[\d.]+" y="[\d.]+" width="([\d.]+)"', ctx["charts"]["spread"])
    assert len(bars) == shown and all(float(w) > 0 for w in bars)
    html = render.render_html(ctx)
    caption = re.search(r'id="figure-spread">.*?<figcaption>(.*?)</figcaption>', html, re.S)
    assert caption is not None
    if shown == 1:
        assert "den eneste løsning" in caption.group(1)
    else:
        assert f"de {shown} " in caption.group(1)


# ---- 3. no internal codes, paths or slugs -----------------------------------------------

LEAKS = re.compile(r"/api/|\.ya?ml\b|\.py\b|frameworks/|data/|\bGET\b|/benchmark\b|seed --demo"
                   r"|\b\d{4}-\d{2}-\d{2}\b|\b[a-z]+_[a-z0-9_]+\b")
SLUG_LIKE = re.compile(r"(?<![\w-])[a-zæøå]+(?:-[a-zæøå0-9]+)+(?![\w-])")


def _codes(db: Any) -> set[str]:
    """Every slug and code a report could leak: solutions', treatment areas', indicators'."""
    return ({s.slug for s in db.scalars(select(Solution))} | {t.code for t in db.scalars(select(TreatmentArea))}
            | {i.code for i in db.scalars(select(Indicator))})


@pytest.mark.parametrize("lang", ["da", "en"])
def test_no_pdf_kind_prints_internal_codes_or_paths(app: Any, db: Any, tmp_path: Path, lang: str) -> None:
    codes = {c for c in _codes(db) if "-" in c or "_" in c}
    typed = {w for title in db.scalars(select(Need.title)).all() + db.scalars(select(Project.name)).all()
             for w in SLUG_LIKE.findall(title)}
    requests = [dict(kind="national-benchmark"), dict(kind="national-benchmark", treatment_area="kol"),
                dict(kind="temporary-approvals"), dict(kind="needs"), dict(kind="assessment", solution="selfback")]
    for req in requests:
        text = _pdf_text(app, tmp_path, lang=lang, **req)
        assert not LEAKS.findall(text), (req, LEAKS.findall(text))
        words = set(re.findall(r"[\wæøå-]+", text))
        assert not words & codes, (req, words & codes)
        if lang == "da":  # English has hyphenated words of its own ("population-weighted")
            leaked = set(SLUG_LIKE.findall(text)) - typed  # other tests' records may have such titles
            assert not leaked, (req, leaked)
        assert "Blåstempel-registret, udtræk" in text or "the Blåstempel register, extract of" in text


# ---- 4. the form finds a solution by its name ------------------------------------------


def _post(client: Any, **form: str) -> Any:
    client.get("/reports")
    return client.post("/reports/jobs", data={"kind": "assessment", "lang": "da", **form,
                                              "_csrf_token": client.cookies.get("csrftoken", "")},
                       follow_redirects=False)


def test_the_form_offers_solutions_by_name(client: Any, db: Any) -> None:
    login(client, "approver")
    page = client.get("/reports").text
    form = page[page.index('id="report-assessment"'):page.index('id="report-temporary-approvals"')]
    assert "slug" not in form and 'list="assessment-solution-options"' in form
    options = client.get("/reports/solutions", params={"solution_name": "selfb"}, headers={"HX-Request": "true"})
    selfback = db.scalar(select(Solution).where(Solution.slug == "selfback"))
    assert f'<option value="SelfBack" data-id="{selfback.id}">' in options.text


def test_a_typed_name_works_without_javascript(client: Any) -> None:
    login(client, "approver")
    assert _post(client, solution_name="selfback").status_code == 303  # exactly one, case aside
    unknown = _post(client, solution_name="Findes Ikke")
    assert unknown.status_code == 400
    assert 'id="assessment-solution-error"' in unknown.text and "ingen løsning hedder »Findes Ikke«" in unknown.text
    assert 'value="Findes Ikke"' in unknown.text  # what was typed is kept
    several = _post(client, solution_name="Sind")
    assert several.status_code == 400 and "»Sind« passer på flere løsninger (SindRo" in several.text
    assert _post(client, solution_name="SindRo").status_code == 303  # the exact name among several


# ---- 5. no approval rests on an empty assessment ---------------------------------------


def test_the_evidence_rule() -> None:
    assert not svc.evidence_assessment(Assessment(status="completed", answers=[]))
    assert not svc.evidence_assessment(Assessment(status="in_review", answers=[Answer(criterion_code="BT1.3")]))
    assert svc.evidence_assessment(Assessment(status="completed", answers=[Answer(criterion_code="BT1.3")]))


def test_every_demo_decision_rests_on_a_completed_answered_assessment(db: Any) -> None:
    cited = {i for e in db.scalars(select(ApprovalEvent)) for i in (e.assessment_ids or [])}
    demo = [a for a in db.scalars(select(Assessment).where(Assessment.id.in_(cited)))
            if a.solution.slug in {"selfback", "liva", "sindro", "omaolo"}]
    assert len(demo) == 4
    for a in demo:
        assert svc.evidence_assessment(a) and a.score is not None, a.solution.slug


def test_the_approval_reports_name_the_basis(app: Any, tmp_path: Path) -> None:
    text = _pdf_text(app, tmp_path, kind="temporary-approvals", treatment_area="laenderygsmerter")
    assert re.search(r"Grundlag Blåstempel DK 1\.0, afsluttet \d+\. \w+\.? \d{4}, score \d+ %", text), text
    text = _pdf_text(app, tmp_path, kind="assessment", solution="selfback")
    assert re.search(r"Grundlag Blåstempel DK 1\.0, afsluttet", text)
    assert "kan ikke bruges som grundlag" not in text
