"""Hostile user text is shown as text everywhere: written through the real API into every
user-editable text field that appears on a page, it never comes back as markup in HTML
(the escaped form appears instead), `{{7*7}}` is never evaluated, JSON returns it verbatim
(not double-escaped), and search snippets escape it with only our own <mark> raw."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import select

from app.catalogue.models import Organisation, Solution, Vendor
from app.core import clock
from tests.approvals.helpers import completed_assessment
from tests.helpers import login

MARK = "xssprobe" + uuid.uuid4().hex[:8]
PAYLOAD = f"{MARK} <script>alert(1)</script> \"><img src=x onerror=alert(1)> {{{{7*7}}}} </textarea> 'x&y"
# Pieces that must never appear raw in HTML, and the escaped form that must appear.
RAW = ("<script>alert(1)", "<img src=x", "</textarea> '", PAYLOAD)
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
TEMPLATE_EXPR = "{{7*7}}"


def text(prefix: str) -> str:
    return f"{prefix} {PAYLOAD}"


@dataclass
class World:
    vendor_id: int = 0
    solution: str = ""
    solution_id: int = 0
    project: str = ""
    need: str = ""
    need_id: int = 0
    assessment_id: int = 0
    register_number: str = ""
    json_checks: list[tuple[str, str]] = field(default_factory=list)


def _ok(response: Any) -> Any:
    assert response.status_code in (200, 201), f"{response.request.url}: {response.status_code} {response.text}"
    return response.json()


@pytest.fixture(scope="module")
def world(app: Litestar, api_tokens: dict[str, str]) -> World:
    w = World()
    admin = {"Authorization": f"Bearer {api_tokens['admin']}"}
    approver = {"Authorization": f"Bearer {api_tokens['approver']}"}
    suffix = uuid.uuid4().hex[:8]
    with TestClient(app) as c, app.state.session_factory() as db:
        municipality = db.scalar(select(Organisation).where(Organisation.kind == "municipality",
                                                            Organisation.code == "169"))
        vendor = _ok(c.post("/api/vendors", headers=admin, json={"name": text("Leverandør"), "country": "DK"}))
        w.vendor_id = vendor["id"]
        sol = _ok(c.post("/api/solutions", headers=admin, json={
            "name": text("Løsning"), "slug": f"xss-solution-{suffix}", "vendor_id": w.vendor_id,
            "short_description_da": text("Kort"), "description_da": text("Lang beskrivelse"),
            "short_description_en": text("Short"), "description_en": text("Long description"),
            "purpose": "treatment", "treatment_areas": ["kol"], "target_users": "citizen", "origin": "private",
            "country": "DK", "regulatory_class": "ce_i", "regulation": "mdr", "published": True,
            "contact_name": text("Kontakt"), "studies": [{
                "design": "rct", "population": text("Population"), "outcome_measures": text("Effektmål"),
                "main_result": text("Resultat")}]}))
        w.solution, w.solution_id = sol["slug"], sol["id"]
        need = _ok(c.post("/api/needs", headers=admin, json={
            "title": text("Behov"), "slug": f"xss-need-{suffix}", "description": text("Beskrivelse"),
            "treatment_area": "kol", "organisation_id": municipality.id, "capacity_problem": text("Kapacitet"),
            "priority": "high"}))
        w.need, w.need_id = need["slug"], need["id"]
        _ok(c.post(f"/api/needs/{w.need}/endorsements", headers=admin,
                   json={"organisation_id": municipality.id, "comment": text("Tilslutning")}))
        project = _ok(c.post("/api/projects", headers=admin, json={
            "name": text("Projekt"), "slug": f"xss-project-{suffix}", "description": text("Projektbeskrivelse"),
            "owner_id": municipality.id, "stage": "pilot", "origin": "public", "funding_source": text("Fond"),
            "results": text("Resultater"), "solution_ids": [w.solution_id], "need_ids": [w.need_id]}))
        w.project = project["slug"]
        # an assessment with a hostile answer comment
        fw = c.get("/api/frameworks").json()[0]
        a = _ok(c.post("/api/assessments", headers=admin, json={
            "solution_id": w.solution_id, "framework_id": fw["id"], "framework_version": fw["version"]}))
        w.assessment_id = a["id"]
        definition = c.get(f"/api/frameworks/{fw['id']}/{fw['version']}").json()
        for code, answer_type in _criteria(definition):
            value = {"yes_no": "yes", "yes_no_na": "yes", "text": text("Svar")}.get(answer_type)
            if value is None:
                continue
            r = c.put(f"/api/assessments/{w.assessment_id}/answers/{code}", headers=admin,
                      json={"value": value, "comment": text("Kommentar")})
            if r.status_code == 200:
                break
        else:
            pytest.fail("no criterion could be answered")
        # a temporary approval with hostile reason, conditions, indications and milestone
        solution = db.scalar(select(Solution).where(Solution.slug == w.solution))
        completed = completed_assessment(db, solution, days_ago=20)
        on = clock.today() - timedelta(days=10)
        _ok(c.post(f"/api/approvals/{w.solution}/events", headers=approver,
                   json={"event": "apply", "on": (on - timedelta(days=5)).isoformat()}))
        decision = _ok(c.post(f"/api/approvals/{w.solution}/events", headers=approver, json={
            "event": "approve_temporarily", "on": on.isoformat(), "reason": text("Begrundelse"),
            "conditions": text("Betingelser"), "indications": text("Indikationer"), "treatment_areas": ["kol"],
            "assessment_ids": [completed],
            "milestones": [{"title": text("Milepæl"), "due": (on + timedelta(days=90)).isoformat()}]}))
        w.register_number = decision["register_number"]
        # adoption of the hostile solution (benchmark pages and SVG charts show its name)
        _ok(c.post("/api/benchmark/adoption", headers=admin, json={
            "organisation": "municipality:169", "solution": w.solution, "status": "in_operation",
            "effective_from": (clock.today() - timedelta(days=30)).isoformat()}))
        db.scalar(select(Vendor.id))  # keep the session used
    return w


def _criteria(node: Any) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    if isinstance(node, dict):
        if "code" in node and "answer_type" in node:
            found.append((node["code"], node["answer_type"]))
        for value in node.values():
            found += _criteria(value)
    elif isinstance(node, list):
        for item in node:
            found += _criteria(item)
    return found


def assert_escaped(body: str, where: str, full: bool = True, shown: bool = True) -> None:
    for raw in RAW:
        assert raw not in body, f"{where}: unescaped {raw!r}"
    if not shown and MARK not in body:
        return
    assert MARK in body, f"{where}: the hostile text is not shown at all"
    if full:
        assert ESCAPED in body, f"{where}: the escaped form is missing"
        assert TEMPLATE_EXPR in body, f"{where}: {{{{7*7}}}} was evaluated or lost"
    assert not re.search(rf"{MARK}[^<]*\b49\b", body), f"{where}: {{{{7*7}}}} rendered as 49"


PUBLIC_PAGES = [
    "/solutions", "/solutions?q={mark}", "/solutions/{solution}", "/vendors", "/vendors?q={mark}",
    "/vendors/{vendor_id}", "/projects", "/projects?q={mark}", "/projects/{project}", "/needs",
    "/needs?q={mark}", "/needs/{need}", "/search?q={mark}", "/search?q={mark}&type=need",
    "/search/prior-art/need/{need_id}", "/register", "/register?q={mark}", "/register/{register_number}",
    "/benchmark/organisations/municipality:169",
]
STAFF_PAGES = [  # as admin (session)
    "/solutions/{solution}/edit", "/vendors/{vendor_id}/edit", "/projects/{project}/edit", "/needs/{need}/edit",
    "/assessments/{assessment_id}", "/assessments/{assessment_id}/result", "/solutions/{solution}/assessments",
    "/approvals/solutions/{solution}", "/approvals",
]
# Pages that show the text shortened, or only some fields (no full payload to find).
PARTIAL = {"/search?q={mark}", "/search?q={mark}&type=need", "/search/prior-art/need/{need_id}",
           "/benchmark/organisations/municipality:169", "/approvals", "/solutions/{solution}/assessments",
           "/assessments/{assessment_id}/result"}
# Pages that may not list our records at all: the dashboard lists only near deadlines, and
# the unfiltered first page of a list depends on what else the run created (the ?q= pages
# always show them).
MAYBE_SHOWN = {"/approvals", "/solutions", "/vendors", "/projects", "/needs", "/register"}


def _fill(template: str, w: World) -> str:
    return template.format(mark=MARK, solution=w.solution, vendor_id=w.vendor_id, project=w.project,
                           need=w.need, need_id=w.need_id, assessment_id=w.assessment_id,
                           register_number=w.register_number)


@pytest.mark.parametrize("template", PUBLIC_PAGES)
def test_public_pages_escape_hostile_text(client: Any, world: World, template: str) -> None:
    response = client.get(_fill(template, world))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/html")
    assert_escaped(response.text, template, full=template not in PARTIAL, shown=template not in MAYBE_SHOWN)


@pytest.mark.parametrize("template", STAFF_PAGES)
def test_staff_pages_escape_hostile_text(client: Any, world: World, template: str) -> None:
    login(client, "admin")
    response = client.get(_fill(template, world))
    assert response.status_code == 200, response.text
    assert_escaped(response.text, template, full=template not in PARTIAL, shown=template not in MAYBE_SHOWN)


def test_htmx_fragments_escape_hostile_text(client: Any, world: World) -> None:
    for path in (f"/solutions?q={MARK}", f"/search?q={MARK}", f"/needs?q={MARK}"):
        response = client.get(path, headers={"HX-Request": "true"})
        assert response.status_code == 200
        assert_escaped(response.text, f"{path} (htmx)", full=not path.startswith("/search"))


def test_search_marks_are_the_only_raw_html(client: Any, world: World) -> None:
    body = client.get("/api/search", params={"q": MARK}).json()
    hits = [h for g in (body.get("groups") or [body]) for h in g.get("hits", [])] if "hits" not in body \
        else body["hits"]
    assert hits, body
    for hit in hits:
        for key in ("title", "snippet"):
            html = hit.get(key) or ""
            for raw in RAW:
                assert raw not in html, f"{key}: {html}"
            assert not re.sub(r"</?mark>", "", html).count("<"), f"{key} has tags besides <mark>: {html}"
    titles = " ".join(h["title"] for h in hits)
    assert f"<mark>{MARK}</mark>" in titles and "&lt;script&gt;" in titles


def test_json_returns_hostile_text_verbatim(client: Any, world: World, auth: Any) -> None:
    assert client.get(f"/api/solutions/{world.solution}").json()["name"] == text("Løsning")
    assert client.get(f"/api/vendors/{world.vendor_id}").json()["name"] == text("Leverandør")
    assert client.get(f"/api/projects/{world.project}").json()["funding_source"] == text("Fond")
    need = client.get(f"/api/needs/{world.need}").json()
    assert need["title"] == text("Behov") and need["capacity_problem"] == text("Kapacitet")
    answers = client.get(f"/api/assessments/{world.assessment_id}", headers=auth("admin")).json()["answers"]
    assert text("Kommentar") in [a["comment"] for a in answers]
    case = client.get(f"/api/approvals/{world.solution}").json()
    assert case["indications"] == text("Indikationer")
    assert text("Begrundelse") in [h.get("reason") for h in case["history"]]
    register = client.get("/api/register", params={"q": MARK}).json()["items"]
    assert [r["register_number"] for r in register] == [world.register_number]


def test_register_csv_is_text_not_html(client: Any, world: World) -> None:
    response = client.get("/api/register", params={"format": "csv", "q": MARK})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "nosniff" in response.headers["x-content-type-options"]
    assert text("Løsning") in response.text.replace('""', '"')  # the solution's name, CSV-quoted


@pytest.mark.parametrize("kind", ["assessment", "temporary-approvals", "needs"])
def test_pdf_report_html_escapes_hostile_text(app: Litestar, world: World, kind: str) -> None:
    from app.accounts.services import principal_of, user_by_email
    from app.reporting import services as reports
    from app.reporting.render import render_html

    with app.state.session_factory() as db:
        admin = principal_of(user_by_email(db, "admin@demo.blaastempel.dk"))
        request = reports.ReportRequest(kind=kind, solution=world.solution if kind == "assessment" else None)
        context = reports.build(db, request, principal=admin, frameworks=app.state.frameworks,
                                search_backend=app.state.search_backend)
        html = render_html(context)
    for raw in RAW:
        assert raw not in html, f"{kind} report: unescaped {raw!r}"
    assert MARK in html and ESCAPED in html


def test_engine_highlights_escape_user_text_and_only_add_mark() -> None:
    """PostgreSQL's ts_headline and Meilisearch mark with sentinels; a NUL (our placeholder)
    in the user's text must not become a tag."""
    from app.search.text import MARK_END, MARK_START, marked_to_html

    assert marked_to_html(f"a <b>{MARK_START}x&y{MARK_END}\x00s\x00e") == "a &lt;b&gt;<mark>x&amp;y</mark>se"
