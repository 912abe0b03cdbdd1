"""PDF reports: each kind generated against the test database and read back with pypdf;
the national figures match GET /api/benchmark/national; the web flow (start, poll,
download) and the CLI."""

from __future__ import annotations

import io
import re
import subprocess
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from pypdf import PdfReader
from sqlalchemy import select

from app.assessment.models import Assessment
from app.cli import CLI_PRINCIPAL
from app.reporting import jobs, render
from app.reporting import services as svc
from app.web.i18n import number
from tests.helpers import login

pytestmark = pytest.mark.slow  # make test-fast leaves it out


def _make(app: Any, **kwargs: Any) -> PdfReader:
    req = svc.ReportRequest(**kwargs)
    with app.state.session_factory() as session:
        ctx = svc.build(session, req, principal=CLI_PRINCIPAL, frameworks=app.state.frameworks,
                        search_backend=app.state.search_backend)
        html = render.render_html(ctx)
    return PdfReader(io.BytesIO(render.html_to_pdf(html)))


def _text(reader: PdfReader) -> str:
    return "\n".join(page.extract_text() or "" for page in reader.pages)


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


@pytest.fixture(scope="module")
def national_pdf(app: Any) -> PdfReader:
    return _make(app, kind="national-benchmark")


def _check_common(reader: PdfReader, title: str) -> str:
    text = _flat(_text(reader))
    n = len(reader.pages)
    assert n >= 3
    assert reader.metadata is not None and reader.metadata.title.startswith(title)
    assert reader.metadata.author == "Blåstempel"
    assert reader.metadata.creation_date is not None
    assert "side 1 af" not in (reader.pages[0].extract_text() or "")  # the cover has no page number
    assert f"side 2 af {n}" in _flat(reader.pages[1].extract_text() or "")
    assert f"side {n} af {n}" in _flat(reader.pages[-1].extract_text() or "")
    assert "Indhold" in _flat(reader.pages[1].extract_text() or "")
    return text


def test_national_benchmark_report(national_pdf: PdfReader) -> None:
    text = _check_common(national_pdf, "National benchmark af digitale sundhedsløsninger")
    for heading in ("Sammenfatning", "Nationalt overblik", "Regionerne", "Region Hovedstaden", "Region Syddanmark",
                    "Sammenligning med lignende organisationer", "Udbredelse af løsninger", "Indikatorer og mål",
                    "Metode og datakilder", "Data taget"):
        assert heading in text, heading
    assert "Den nationale adoptionsrate i kommunerne er " in text and "The national" not in text
    # The table of contents names the pages: "Sammenfatning ...... 3"
    toc = _flat(national_pdf.pages[1].extract_text() or "")
    assert re.search(r"Sammenfatning\W*3", toc), toc


def test_national_figures_match_the_api(national_pdf: PdfReader, client: Any) -> None:
    api = client.get("/api/benchmark/national").json()
    municipalities = sum(r["municipalities"] or 0 for r in api["regions"])
    rate = api["national"]["municipal_adoption_rate"]
    printed_rate = f"{number(rate * 100, 'da', 1)} %"
    summary = _flat(national_pdf.pages[2].extract_text() or "")
    assert f"National adoptionsrate: {printed_rate}; kommuner: {municipalities}." in summary, summary
    assert municipalities == 98
    for region in api["regions"]:
        assert region["name"] in _flat(_text(national_pdf))


def test_national_benchmark_filters_and_english(app: Any) -> None:
    reader = _make(app, kind="national-benchmark", lang="en", region="1084", period=2024)
    text = _flat(_text(reader))
    assert reader.metadata.title.startswith("National benchmark of digital health solutions")
    assert "page 2 of" in text and "Contents" in text
    assert "Capital Region of Denmark" in text and "Region Hovedstaden" not in text
    assert "Region Syddanmark" not in text.split("Peer comparisons")[-1].split("Spread of solutions")[0]
    assert "31 Dec 2024" in text
    assert "The municipal adoption rate of the selection is " in text and "Period" in text


def test_assessment_report(app: Any) -> None:
    with app.state.session_factory() as session:
        a = session.scalar(select(Assessment).where(Assessment.status == "completed").order_by(Assessment.id))
        slug = a.solution.slug
    reader = _make(app, kind="assessment", solution=slug)
    text = _check_common(reader, "Vurderingsrapport")
    for heading in ("Resultat", "Ramme og version", "Klassifikation / niveau", "Afsnit og svar", "Oprindelse",
                    "Bedømmere og forløb", "Godkendelse"):
        assert heading in text, heading


def test_temporary_approvals_report(app: Any) -> None:
    text = _check_common(_make(app, kind="temporary-approvals"), "Midlertidige godkendelser")
    for heading in ("Overblik", "Udfald til dato", "Frister", "Evidensmilepæl", "Godkendelserne", "SelfBack",
                    "Aktive", "Blev permanente"):
        assert heading in text, heading


def test_needs_report(app: Any) -> None:
    text = _check_common(_make(app, kind="needs"), "Nationalt prioriterede behov")
    for heading in ("Rangordning", "Behovene og hvad der allerede findes", "Løsninger, der findes", "Metode"):
        assert heading in text, heading
    # each existing solution's approval status today, in Danish (the register's words)
    assert re.search(r"\b(godkendt|midlertidigt godkendt|ikke ansøgt|tilbagekaldt|udløbet)\b", text)
    assert not re.search(r"\b(approved|temporarily_approved|not_assessed|assessed|none)\b", text)


def test_assessment_report_needs_a_solution() -> None:
    with pytest.raises(Exception, match="solution"):
        svc.ReportRequest(kind="assessment").validate()


# ---- web ------------------------------------------------------------------------------------


def test_reports_page_lists_the_four_kinds(client: Any) -> None:
    login(client, "approver")
    page = client.get("/reports")
    assert page.status_code == 200
    for kind in svc.KINDS:
        assert f'id="report-{kind}"' in page.text
    assert 'href="/reports"' in page.text  # the nav link


def _start(client: Any, **form: str) -> str:
    client.get("/reports")
    response = client.post("/reports/jobs", data=form | {"_csrf_token": client.cookies.get("csrftoken", "")},
                           follow_redirects=False)
    assert response.status_code == 303, response.text
    return response.headers["location"].rsplit("/", 1)[-1]


def _wait(client: Any, job_id: str, timeout: float = 120) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        partial = client.get(f"/reports/jobs/{job_id}", headers={"HX-Request": "true"})
        assert partial.status_code == 200
        if "hx-trigger" not in partial.text:
            return partial.text
        time.sleep(0.3)
    raise AssertionError("the report was not made in time")


def test_start_poll_and_download(client: Any) -> None:
    login(client, "approver")
    job_id = _start(client, kind="temporary-approvals", lang="da")
    assert re.fullmatch(r"[0-9a-f]{32}", job_id)
    page = client.get(f"/reports/jobs/{job_id}")
    assert page.status_code == 200
    final = _wait(client, job_id)
    assert f"/reports/jobs/{job_id}/download" in final
    pdf = client.get(f"/reports/jobs/{job_id}/download")
    assert pdf.status_code == 200
    assert pdf.headers["content-type"].startswith("application/pdf")
    assert "attachment" in pdf.headers["content-disposition"]
    assert pdf.content.startswith(b"%PDF")
    assert PdfReader(io.BytesIO(pdf.content)).metadata.title.startswith("Midlertidige godkendelser")
    # Someone else does not get it.
    client.post("/logout", data={"_csrf_token": client.cookies.get("csrftoken", "")})
    assert client.get(f"/reports/jobs/{job_id}/download").status_code == 404


def test_a_report_naming_a_missing_record_is_refused_beside_the_field(client: Any, auth: Any) -> None:
    login(client, "approver")
    client.get("/reports")
    page = client.post("/reports/jobs", data={"kind": "assessment", "lang": "da", "solution": "findes-ikke",
                                              "_csrf_token": client.cookies.get("csrftoken", "")})
    assert page.status_code == 400  # a slug sent directly (as the API may)
    assert 'id="assessment-solution-error"' in page.text and "der findes ingen løsning findes-ikke" in page.text
    page = client.post("/reports/jobs", data={"kind": "assessment", "lang": "da", "solution_name": "findes-ikke",
                                              "_csrf_token": client.cookies.get("csrftoken", "")})
    assert page.status_code == 400 and "ingen løsning hedder »findes-ikke«" in page.text
    field = re.search(r'<input id="assessment-solution"[^>]*>', page.text)
    assert field is not None and 'value="findes-ikke"' in field.group(0)  # what was typed is kept
    assert 'aria-invalid="true"' in field.group(0)
    page = client.post("/reports/jobs", data={"kind": "national-benchmark", "lang": "da", "region": "1084",
                                              "treatment_area": "kol", "period": "1999",
                                              "_csrf_token": client.cookies.get("csrftoken", "")})
    assert page.status_code == 400 and 'id="national-benchmark-period-error"' in page.text
    form = page.text[page.text.index('id="report-national-benchmark"'):page.text.index('id="report-assessment"')]
    assert 'value="1084" selected' in form and 'value="kol" selected' in form and 'value="1999"' in form
    api = client.post("/api/reports", json={"kind": "national-benchmark", "region": "9999"},
                      headers=auth("approver"))
    assert api.status_code == 400 and api.json()["errors"] == {"region": "region 9999 does not exist"}


def test_a_report_of_a_solution_without_assessment_is_refused_at_once(client: Any, db: Any) -> None:
    from tests.approvals.helpers import make_solution

    solution = make_solution(db)  # it exists, but nobody has assessed it
    login(client, "approver")
    client.get("/reports")
    page = client.post("/reports/jobs", data={"kind": "assessment", "lang": "da", "solution": solution.slug,
                                              "_csrf_token": client.cookies.get("csrftoken", "")})
    assert page.status_code == 400 and f"{solution.name} har endnu ingen vurdering" in page.text


def test_a_report_that_stopped_says_why_in_the_page_language(client: Any, auth: Any, db: Any) -> None:
    from tests.approvals.helpers import user

    owner = user(db, "approver")
    job_id = "f" * 32
    jobs._write_status(job_id, {"id": job_id, "request": {"kind": "needs", "lang": "da"}, "status": "running",
                                "step": "pdf", "error": None, "owner": owner.id, "created_at": None,
                                "finished_at": None, "updated": time.time() - jobs.STALE_AFTER_S - 1})
    login(client, "approver")
    danish = client.get(f"/reports/jobs/{job_id}", headers={"HX-Request": "true"}).text
    assert "Rapporten kunne ikke laves: rapporten blev ikke færdig (blev serveren genstartet?)" in danish
    assert 'role="alert"' in danish and "hx-trigger" not in danish  # no more polling
    english = client.get(f"/reports/jobs/{job_id}?lang=en", headers={"HX-Request": "true"}).text
    assert "the report generation stopped (was the server restarted?)" in english
    api = client.get(f"/api/reports/{job_id}", headers=auth("approver")).json()
    assert api["status"] == "failed" and api["error"] == "the report generation stopped (was the server restarted?)"


def test_role_may_not_start_a_report_it_may_not_read(client: Any) -> None:
    client.get("/reports")
    response = client.post("/reports/jobs", data={"kind": "temporary-approvals",
                                             "_csrf_token": client.cookies.get("csrftoken", "")},
                           follow_redirects=False)
    assert response.status_code in (302, 303, 401, 403)
    if response.status_code in (302, 303):
        assert response.headers["location"].startswith("/login")
    login(client, "assessor")  # staff, but not an approver
    client.get("/reports")
    response = client.post("/reports/jobs", data={"kind": "temporary-approvals",
                                                  "_csrf_token": client.cookies.get("csrftoken", "")},
                           follow_redirects=False)
    assert response.status_code == 403


@pytest.mark.parametrize("bad", ["..%2F..%2Fetc%2Fpasswd", "..%2Fsecret_key", "%2Fetc%2Fpasswd", "..",
                                 "0123456789abcdef0123456789abcdeg", "0123456789ABCDEF0123456789ABCDEF",
                                 "0123456789abcdef0123456789abcdef%00", "..%5C..%5Cx"])
def test_download_refuses_path_traversal(client: Any, bad: str) -> None:
    response = client.get(f"/reports/jobs/{bad}/download")
    assert response.status_code in (400, 404)
    assert not response.content.startswith(b"%PDF")


def test_pdf_path_stays_inside_the_reports_folder() -> None:
    for bad in ("../x", "/etc/passwd", "a" * 31, "..", "", "a" * 32 + "/../b"):
        with pytest.raises(Exception, match="no such report"):
            jobs.pdf_path(bad)
    good = jobs.pdf_path("a" * 32)
    assert good.parent == jobs.reports_dir()


def test_api_start_and_status(client: Any, auth: Any) -> None:
    started = client.post("/api/reports", json={"kind": "needs", "lang": "en"}, headers=auth("admin"))
    assert started.status_code == 202, started.text
    job_id = started.json()["id"]
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        status = client.get(f"/api/reports/{job_id}", headers=auth("admin")).json()
        if status["status"] in ("done", "failed"):
            break
        time.sleep(0.3)
    assert status["status"] == "done", status
    assert status["download"] == f"/reports/jobs/{job_id}/download"


# ---- command line ---------------------------------------------------------------------------


def test_cli_writes_a_pdf(settings: Any, tmp_path: Path) -> None:
    from app.cli import main

    out = tmp_path / "needs.pdf"
    result = CliRunner().invoke(main, ["report", "needs", "--lang", "en", "--out", str(out)],
                                env={"DATABASE_URL": settings.database_url})
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"%PDF")
    assert PdfReader(str(out)).metadata.title.startswith("Nationally ranked needs")
    bad = CliRunner().invoke(main, ["report", "assessment", "--out", str(tmp_path / "x.pdf")],
                             env={"DATABASE_URL": settings.database_url})
    assert bad.exit_code != 0


# ---- the running header ---------------------------------------------------------------------


def test_running_header_shows_a_solution_name_literally(app: Any, db: Any, tmp_path: Path) -> None:
    """The header is CSS (`@top-left { content: "…" }` inside <style>), where HTML escaping
    is not undone: a name with & < > " ' \\ must be written once, as CSS, and read back as typed."""
    from tests.approvals.helpers import completed_assessment, make_solution

    name = f'Tryk & Ro <test> "{uuid.uuid4().hex[:6]}" \\ </style>'
    solution = make_solution(db, name)
    completed_assessment(db, solution)
    reader_path = tmp_path / "assessment.pdf"
    req = svc.ReportRequest(kind="assessment", solution=str(solution.id))
    with app.state.session_factory() as session:
        ctx = svc.build(session, req, principal=CLI_PRINCIPAL, frameworks=app.state.frameworks)
        html = render.render_html(ctx)
    assert html.count("</style>") == 1  # the name cannot end the style sheet
    render.html_to_pdf(html, reader_path)
    text = subprocess.run(["pdftotext", "-layout", "-f", "2", "-l", "2", str(reader_path), "-"],
                          check=True, capture_output=True, text=True).stdout
    header = re.split(r"\s{3,}", text.strip().splitlines()[0])[0]  # top left; "✓ Blåstempel" is top right
    assert header == f"Vurderingsrapport – {name}", header
    assert "&amp;" not in text and "&lt;" not in text
