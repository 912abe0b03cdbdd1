"""Every page and every PDF reads right in its language (issue 18).

Every GET page of the app (from its route table, as tests/test_visibility.py walks it, so a
new page is walked too), with demo data and a draft assessment so the pages have content, is
requested in Danish and in English as anonymous and as each role, together with every sort
of the list pages, a search, and pages answering a refused form; every report is rendered to
a PDF in both languages and its text read back (pdftotext). The visible text must show no
raw message ids or codes ("sort:relevance", "not_assessed"), no ISO dates, and on Danish
output no English decimals ("0.5"), no message left in English and none of a list of English
words (tests/web/language_check.py)."""

from __future__ import annotations

import dataclasses
import subprocess
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import select

from app.accounts.services import create_token, principal_of, user_by_email
from app.approvals.models import ApprovalCase
from app.catalogue.models import Need, Project, Solution, Vendor
from app.core.clock import today
from app.main import create_app
from app.reporting import render
from app.reporting import services as reports
from app.settings import Settings
from tests.assessment.test_four_eyes_api import Person, done, made
from tests.helpers import DEMO_USERS, login
from tests.scratch import drop_postgres, scratch_database
from tests.test_visibility import get_routes, list_forms
from tests.web.language_check import problems, visible_text

pytestmark = pytest.mark.slow  # make test-fast leaves it out

ANON = "anonymous"
ROLES = (ANON, "admin", "approver", "assessor", "org_reporter", "vendor")
NOT_WALKED = ("/lang/", "/login", "/health", "/metrics", "/approvals/calendar.ics", "/reports/jobs/",
              "/fhir/")  # /fhir: JSON


def _assessments(client: TestClient[Any], tokens: dict[str, str]) -> list[str]:
    """A draft, one submitted, one in review and one returned to its author (ids)."""
    assessor, reviewer = (Person(0, {"Authorization": f"Bearer {tokens[role]}"}) for role in ("assessor", "assessor2"))
    draft = client.post("/api/assessments", json={"solution_id": "knaeklar", "framework_id": "blaastempel-dk",
                                                  "framework_version": "1.0"}, headers=assessor.headers)
    assert draft.status_code in (200, 201), draft.text
    submitted, in_review, returned = (made(client, creator=assessor, scope=assessor, first=assessor, rest=assessor,
                                           submitter=assessor, solution="knaeklar") for _ in range(3))
    for aid in (in_review, returned):
        done(client, aid, "review", reviewer)
    done(client, returned, "return", reviewer)
    _files(client, tokens, draft.json()["id"])
    return [str(draft.json()["id"]), str(submitted), str(in_review), str(returned)]


PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def _pending_milestone(client: TestClient[Any], slug: str) -> str:
    return next(str(m["id"]) for m in client.get(f"/api/approvals/{slug}").json()["milestones"]
                if m["status"] == "pending")


def _files(client: TestClient[Any], tokens: dict[str, str], draft: int) -> None:
    """Evidence files to be listed: on an answer of the draft, and handed in for a milestone."""
    assessor, vendor = ({"Authorization": f"Bearer {tokens[role]}"} for role in ("assessor", "vendor"))
    r = client.post(f"/api/assessments/{draft}/answers/BT1.3/files", headers=assessor,
                    files={"file": ("Risikovurdering.pdf", PDF + b" " * 1_200_000, "application/pdf")})
    assert r.status_code == 201, r.text
    r = client.post(f"/api/approvals/selfback/milestones/{_pending_milestone(client, 'selfback')}/evidence",
                    headers=vendor, data={"note": "Første dataudtræk"},
                    files={"file": ("Dataudtræk.pdf", PDF, "application/pdf")})
    assert r.status_code == 201, r.text


def _values(app: Litestar, assessment_ids: list[str]) -> dict[str, list[str]]:
    with app.state.session_factory() as session:
        approved = session.scalars(select(Solution.slug).join(ApprovalCase, ApprovalCase.solution_id == Solution.id)
                                   .order_by(Solution.slug)).all()
        number = session.scalar(select(ApprovalCase.register_number).where(ApprovalCase.register_number.is_not(None))
                                .order_by(ApprovalCase.register_number))
        project = session.scalar(select(Project).where(Project.solutions.any()).order_by(Project.id))
        need = session.scalar(select(Need).order_by(Need.id))
        vendor = session.scalar(select(Vendor.id).join(Solution).where(Solution.slug == "selfback"))
        assert project is not None and need is not None and number is not None
        others = [s for s in approved if s not in ("selfback", "sindro")][:2]
        return {"{slug:str}": ["selfback", "sindro", "knaeklar", *others],
                "{project:str}": [project.slug], "{need:str}": [need.slug], "{ref:str}": ["municipality:169"],
                "{key:str}": ["municipality:169"], "{code:str}": ["1084"], "{vendor_id:int}": [str(vendor)],
                "{number:str}": [number], "{assessment_id:int}": ["3", *assessment_ids],
                "{need_id:int}": [str(need.id)], "{project_id:int}": [str(project.id)],
                "{framework_id:str}/{version:str}": ["blaastempel-dk/1.0", "nice-esf/2022"],
                "{import_id:int}": ["1"], "{upload_id:int}": ["1"], "{file_id:int}": ["1"],
                "{programme:str}": ["kol-hjemmemonitorering", "kol-hospitaler-nord-midt"]}


def _paths(template: str, values: dict[str, list[str]]) -> list[str]:
    if template.startswith(("/projects/", "/needs/")):
        kind = "{project:str}" if template.startswith("/projects/") else "{need:str}"
        values = values | {"{slug:str}": values[kind]}
    paths = [template]
    for placeholder, options in values.items():
        if placeholder in template:
            paths = [p.replace(placeholder, option) for p in paths for option in options]
    assert all("{" not in p for p in paths), f"give {template} a value in _values()"
    return paths


def page_urls(app: Litestar, assessment_ids: list[str]) -> list[str]:
    values = _values(app, assessment_ids)
    urls = [p for template in get_routes(app) if not template.startswith(("/api", "/fhir", *NOT_WALKED))
            for p in _paths(template, values)]
    sorts = [f"{path}?sort={sort}" for path, form in list_forms().items() for sort in form.sorts]
    return urls + sorts + ["/search?q=genoptræning", "/search?q=KOL&type=project", "/search?q=xqzzy",
                           "/search?q=diabetes&approval_status=approved", "/benchmark?org=municipality:169",
                           "/benchmark?indicator=kol-hjemmemonitorering", "/solutions/liva/overview",
                           "/assessments/999999", "/solutions?treatment_area=kol&purpose=treatment",
                           "/account/searches/new?q=KOL&purpose=treatment"]


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Litestar]:
    """The demo data alone (other tests' hostile names, "a_b\\c", would read as raw codes)."""
    url = scratch_database(tmp_path_factory.mktemp("language"), "language")
    app = create_app(Settings(database_url=url, secret_key="language-secret-key-0123456789abcd",
                              files_dir=tmp_path_factory.mktemp("language-files")))
    yield app
    app.state.engine.dispose()
    if url.startswith("postgresql"):
        drop_postgres(url)


@pytest.fixture(scope="module")
def api_tokens(app: Litestar) -> dict[str, str]:
    with app.state.session_factory() as session, session.begin():
        return {role: create_token(session, user_by_email(session, email), "language")
                for role, email in DEMO_USERS.items()}


@pytest.fixture(scope="module")
def walked(app: Litestar, api_tokens: dict[str, str]) -> dict[tuple[str, str, str], tuple[int, str]]:
    with TestClient(app) as client:
        assessment_ids = _assessments(client, api_tokens)
    urls = page_urls(app, assessment_ids)
    seen: dict[tuple[str, str, str], tuple[int, str]] = {}
    for role in ROLES:
        for lang in ("da", "en"):
            with TestClient(app) as client:
                if role != ANON:
                    login(client, role)
                client.cookies.set("lang", lang)
                for url in urls:
                    response = client.get(url, follow_redirects=False)
                    if response.headers.get("content-type", "").startswith("text/html"):
                        seen[(role, lang, url)] = (response.status_code, response.text)
    return seen


def _report(found: list[tuple[str, ...]]) -> str:
    by_problem: dict[str, list[str]] = {}
    for where, problem in found:
        by_problem.setdefault(problem, []).append(where)
    return "\n".join(f"{problem}  [{len(w)}× e.g. {w[0]}]" for problem, w in sorted(by_problem.items()))


@pytest.mark.parametrize("lang", ["da", "en"])
def test_every_page_reads_right(walked: dict[tuple[str, str, str], tuple[int, str]], lang: str) -> None:
    assert sum(1 for (_, language, _) in walked if language == lang) > 200
    failed = sorted((f"{role} {url}", str(status)) for (role, language, url), (status, _) in walked.items()
                    if status >= 500)
    assert not failed
    found = [(f"{role} {url}", problem) for (role, language, url), (_, body) in walked.items() if language == lang
             for problem in problems(visible_text(body), lang)]
    assert not found, _report(found)


# ---- forms refused ------------------------------------------------------------------------------

BAD_ADOPTION = ("organisation,solution,status,effective_from,active_users\n"
                "municipality:999,liva,pilot,2025-01-01,10\n"
                "municipality:169,findes-ikke,in_operation,2025-01-01,10\n"
                "municipality:169,liva,brugt,01-02-2025,1e27\n")

BAD_KPIS = ("solution;organisation;kpi;measured_on;value\n"
            "selfback;municipality:169;nps;2026-10-20;7\n"
            "selfback;municipality:169;uptime;2027-02-01;150\n"
            "liva;;uptime;2026-10-20;99\n")


def _refusals(client: TestClient[Any]) -> dict[str, str]:
    """Pages that answer a refused form: an import with bad rows and one without a file, an
    extension past the rules, a project without a name, a report of an unknown solution."""
    def form(**fields: str) -> dict[str, str]:
        return {"_csrf_token": client.cookies.get("csrftoken", ""), **fields}

    too_late = (today() + timedelta(days=3 * 365)).isoformat()
    return {
        "import": client.post("/benchmark/import", data=form(),
                              files={"file": ("adoption.csv", BAD_ADOPTION.encode(), "text/csv")}).text,
        "import without a file": client.post("/benchmark/import", data=form(),
                                             files={"other": ("x.txt", b"x", "text/plain")}).text,
        "extension": client.post("/approvals/solutions/sindro", data=form(
            event="extend", on=today().isoformat(), valid_until=too_late, reason="mere tid")).text,
        "project": client.post("/projects/new", data=form(name="", stage="pilot")).text,
        "report": client.post("/reports/jobs", data=form(kind="assessment", solution="findes-ikke")).text,
        "unknown organisation": client.get("/benchmark/organisations/municipality:999").text,
        "KPI import": client.post("/kpis/import", data=form(),
                                  files={"file": ("kpis.csv", BAD_KPIS.encode(), "text/csv")}).text,
        "KPI form": client.post("/solutions/selfback/kpis/report", data=form(
            contract="SELFBACK-HTK-2025", kpi="uptime", measured_on="1.1.2024", value="mange")).text,
        "KPI value out of range": client.post("/solutions/selfback/kpis/report", data=form(
            contract="SELFBACK-HTK-2025", kpi="uptime", measured_on="1.6.2026", value="150")).text,
        "adoption form": client.post("/benchmark/report", data=form(
            organisation="municipality:169", solution_name="findes-ikke", status="brugt", effective_from="31.2.2026",
            active_users="mange", end_date="1.1.2020", start_date="1.2.2020")).text,
        "evidence file": client.post("/approvals/solutions/selfback/evidence", data=form(
            milestone_id=_pending_milestone(client, "selfback")),
            files={"file": ("faktura.pdf", b"MZ" + b"\x00" * 200, "application/pdf")}).text,
    }


@pytest.mark.parametrize("lang", ["da", "en"])
def test_refused_forms_read_right(app: Litestar, lang: str) -> None:
    with TestClient(app) as client:
        login(client, "admin")
        client.cookies.set("lang", lang)
        pages = _refusals(client)
    found = [(what, problem) for what, body in pages.items() for problem in problems(visible_text(body), lang)]
    assert not found, _report(found)
    if lang == "da":
        assert "der findes ingen kommune 999" in pages["unknown organisation"]
        assert "fil:" in visible_text(pages["import without a file"])  # the field by its Danish label
        assert "Fil: faktura.pdf er et program" in visible_text(pages["evidence file"])


# ---- PDFs --------------------------------------------------------------------------------------


def _pdf_text(pdf: bytes) -> str:
    done = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True)
    return done.stdout.decode()


@pytest.fixture(scope="module")
def pdf_texts(app: Litestar) -> Iterator[dict[tuple[str, str], str]]:
    with app.state.session_factory() as session:
        admin = principal_of(user_by_email(session, DEMO_USERS["admin"]))
    texts = {}
    requests = [reports.ReportRequest("national-benchmark", region="1084", period=2025), reports.ReportRequest("needs"),
                reports.ReportRequest("temporary-approvals", treatment_area="laenderygsmerter"),
                reports.ReportRequest("assessment", solution="selfback"),
                reports.ReportRequest("programme", programme="ryg-og-diabetes")]
    for req in requests:
        for lang in ("da", "en"):
            req_lang = dataclasses.replace(req, lang=lang)
            with app.state.session_factory() as session:
                context = reports.build(session, req_lang, principal=admin, frameworks=app.state.frameworks,
                                        search_backend=app.state.search_backend)
            texts[(req.kind, lang)] = _pdf_text(render.html_to_pdf(render.render_html(context)))
    yield texts


@pytest.mark.parametrize("lang", ["da", "en"])
def test_every_pdf_reads_right(pdf_texts: dict[tuple[str, str], str], lang: str) -> None:
    found = [(kind, problem) for (kind, language), text in pdf_texts.items() if language == lang
             for problem in problems(text, lang)]
    assert not found, _report(found)
