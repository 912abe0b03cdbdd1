"""The route x role table: for every route of the app (method + path from app.routes)
and every role, may it act? The test walks the whole table against the real app (on a
scratch database, since allowed writes may succeed) and fails when a route has no entry.

allowed -> the answer is neither 401/403 nor a redirect to /login (400/404/409 are fine:
           the request got past the permission check);
refused -> 401/403, or for pages a redirect to /login.
Ownership (vendors and org_reporters never touch another organisation's records) is
tested explicitly below the table."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from litestar.testing import TestClient
from sqlalchemy import select

from app.catalogue.schemas import SolutionUpdate
from tests.helpers import DEMO_PASSWORD, DEMO_USERS
from tests.scratch import scratch_app

pytestmark = pytest.mark.slow  # make test-fast leaves it out

ANON = "anonymous"
ROLES = (ANON, "admin", "approver", "assessor", "procurement", "org_reporter", "vendor")
EVERYONE = frozenset(ROLES)
USERS = EVERYONE - {ANON}
STAFF = frozenset({"admin", "approver", "assessor", "procurement"})
ADMIN = frozenset({"admin"})
APPROVERS = frozenset({"admin", "approver"})
ASSESSORS = frozenset({"admin", "assessor"})
ANSWERERS = ASSESSORS | {"vendor"}          # assessors, and a vendor on its own solution
ASSESSMENT_READERS = STAFF | {"vendor"}     # staff, and a vendor on its own solution
CATALOGUE_WRITERS = frozenset({"admin", "procurement"})
SOLUTION_WRITERS = CATALOGUE_WRITERS | {"vendor"}
ORG_WRITERS = CATALOGUE_WRITERS | {"org_reporter"}
REPORTERS = frozenset({"admin", "org_reporter"})
APPLICANTS = frozenset({"admin", "approver", "procurement", "vendor"})
KPI_REPORTERS = frozenset({"admin", "org_reporter", "vendor"})
EVIDENCE = frozenset({"admin", "approver", "vendor"})  # approval files: approvers and the solution's vendor

# (method, path template as in app.routes) -> roles allowed. Paths are filled from the
# records below: the vendor user's own solution (selfback), the org_reporter's own
# project and need (Høje-Taastrup, municipality:169), an assessment of selfback.
POLICY: dict[tuple[str, str], frozenset[str]] = {
    # site, accounts, system
    ("GET", "/"): EVERYONE,
    ("GET", "/lang/{code:str}"): EVERYONE,
    ("GET", "/login"): EVERYONE,
    ("POST", "/login"): EVERYONE,
    ("POST", "/logout"): EVERYONE,
    ("GET", "/health"): EVERYONE,
    ("GET", "/health/live"): EVERYONE,
    ("GET", "/health/ready"): EVERYONE,
    ("GET", "/metrics"): EVERYONE,  # unless BLAASTEMPEL_METRICS_TOKEN is set (tests/test_operations.py)
    ("GET", "/api/me"): EVERYONE,
    ("GET", "/api/audit"): STAFF,
    ("GET", "/account/searches"): USERS,
    ("GET", "/account/searches/new"): USERS,
    ("POST", "/account/searches/new"): USERS,
    ("POST", "/account/searches/{search_id:int}/rename"): USERS,
    ("POST", "/account/searches/{search_id:int}/alerts"): USERS,
    ("POST", "/account/searches/{search_id:int}/delete"): USERS,
    ("GET", "/schema"): EVERYONE,
    ("GET", "/schema/openapi.json"): EVERYONE,
    ("GET", "/schema/swagger"): EVERYONE,
    ("GET", "/schema/oauth2-redirect.html"): EVERYONE,
    ("GET", "/schema/{path:str}"): EVERYONE,
    ("GET", "/static/{file_path:path}"): EVERYONE,
    ("GET", "/static/approvals/{file_path:path}"): EVERYONE,
    ("GET", "/static/benchmark/{file_path:path}"): EVERYONE,
    ("GET", "/static/search/{file_path:path}"): EVERYONE,
    ("GET", "/static/buyer/{file_path:path}"): EVERYONE,
    # catalogue API
    ("GET", "/api/organisations"): EVERYONE,
    ("GET", "/api/organisations/{key:str}"): EVERYONE,
    ("GET", "/api/treatment-areas"): EVERYONE,
    ("GET", "/api/vendors"): EVERYONE,
    ("POST", "/api/vendors"): CATALOGUE_WRITERS,
    ("GET", "/api/vendors/{vendor_id:int}"): EVERYONE,
    ("PUT", "/api/vendors/{vendor_id:int}"): SOLUTION_WRITERS,
    ("DELETE", "/api/vendors/{vendor_id:int}"): ADMIN,
    ("GET", "/api/solutions"): EVERYONE,
    ("POST", "/api/solutions"): SOLUTION_WRITERS,
    ("GET", "/api/solutions/{key:str}"): EVERYONE,
    ("PUT", "/api/solutions/{key:str}"): SOLUTION_WRITERS,
    ("DELETE", "/api/solutions/{key:str}"): ADMIN,
    ("GET", "/api/projects"): EVERYONE,
    ("POST", "/api/projects"): ORG_WRITERS,
    ("GET", "/api/projects/{key:str}"): EVERYONE,
    ("PUT", "/api/projects/{key:str}"): ORG_WRITERS,
    ("DELETE", "/api/projects/{key:str}"): ADMIN,
    ("GET", "/api/needs"): EVERYONE,
    ("POST", "/api/needs"): ORG_WRITERS,
    ("GET", "/api/needs/{key:str}"): EVERYONE,
    ("PUT", "/api/needs/{key:str}"): ORG_WRITERS,
    ("DELETE", "/api/needs/{key:str}"): ADMIN,
    ("POST", "/api/needs/{key:str}/endorsements"): ORG_WRITERS,
    # catalogue pages
    ("GET", "/organisations"): EVERYONE,
    ("GET", "/organisations/{key:str}"): EVERYONE,
    ("GET", "/vendors"): EVERYONE,
    ("GET", "/vendors/new"): CATALOGUE_WRITERS,
    ("POST", "/vendors/new"): CATALOGUE_WRITERS,
    ("GET", "/vendors/{vendor_id:int}"): EVERYONE,
    ("GET", "/vendors/{vendor_id:int}/edit"): SOLUTION_WRITERS,
    ("POST", "/vendors/{vendor_id:int}/edit"): SOLUTION_WRITERS,
    ("GET", "/solutions"): EVERYONE,
    ("GET", "/solutions/new"): SOLUTION_WRITERS,
    ("POST", "/solutions/new"): SOLUTION_WRITERS,
    ("GET", "/solutions/{slug:str}"): EVERYONE,
    ("GET", "/solutions/{slug:str}/edit"): SOLUTION_WRITERS,
    ("POST", "/solutions/{slug:str}/edit"): SOLUTION_WRITERS,
    ("GET", "/projects"): EVERYONE,
    ("GET", "/projects/new"): ORG_WRITERS,
    ("POST", "/projects/new"): ORG_WRITERS,
    ("GET", "/projects/{slug:str}"): EVERYONE,
    ("GET", "/projects/{slug:str}/edit"): ORG_WRITERS,
    ("POST", "/projects/{slug:str}/edit"): ORG_WRITERS,
    ("GET", "/needs"): EVERYONE,
    ("GET", "/needs/new"): ORG_WRITERS,
    ("POST", "/needs/new"): ORG_WRITERS,
    ("GET", "/needs/{slug:str}"): EVERYONE,
    ("GET", "/needs/{slug:str}/edit"): ORG_WRITERS,
    ("POST", "/needs/{slug:str}/edit"): ORG_WRITERS,
    ("POST", "/needs/{slug:str}/endorse"): ORG_WRITERS,
    # assessment
    ("GET", "/api/frameworks"): EVERYONE,
    ("GET", "/api/frameworks/{framework_id:str}/{version:str}"): EVERYONE,
    ("GET", "/frameworks"): EVERYONE,
    ("GET", "/frameworks/{framework_id:str}/{version:str}"): EVERYONE,
    ("POST", "/api/assessments"): ASSESSORS,
    ("GET", "/api/assessments/mine"): ASSESSMENT_READERS,
    ("GET", "/api/assessments/{assessment_id:int}"): ASSESSMENT_READERS,
    ("PUT", "/api/assessments/{assessment_id:int}/scope"): ASSESSORS,
    ("PUT", "/api/assessments/{assessment_id:int}/answers/{code:str}"): ANSWERERS,
    ("DELETE", "/api/assessments/{assessment_id:int}/answers/{code:str}"): ANSWERERS,
    ("POST", "/api/assessments/{assessment_id:int}/answers/{code:str}/verify"): ASSESSORS,
    ("POST", "/api/assessments/{assessment_id:int}/answers/{code:str}/confirm"): ASSESSORS,
    ("GET", "/api/assessments/{assessment_id:int}/prefill"): ASSESSMENT_READERS,
    ("POST", "/api/assessments/{assessment_id:int}/{action:str}"): ASSESSORS,
    ("POST", "/api/assessments/{assessment_id:int}/import"): ANSWERERS,
    ("GET", "/api/assessments/{assessment_id:int}/imports"): ASSESSMENT_READERS,
    ("POST", "/api/solutions/{key:str}/assessments/import"): ASSESSORS,
    ("GET", "/api/solutions/{key:str}/assessments"): ASSESSMENT_READERS,
    ("GET", "/solutions/{slug:str}/assessments"): ASSESSMENT_READERS,
    ("POST", "/solutions/{slug:str}/assessments"): ASSESSORS,
    ("GET", "/assessments/mine"): ASSESSMENT_READERS,
    ("GET", "/assessments/{assessment_id:int}"): ASSESSMENT_READERS,
    ("GET", "/assessments/{assessment_id:int}/result"): ASSESSMENT_READERS,
    ("GET", "/assessments/{assessment_id:int}/completion"): ASSESSMENT_READERS,
    ("POST", "/assessments/{assessment_id:int}/scope"): ASSESSORS,
    ("POST", "/assessments/{assessment_id:int}/answers/{code:str}"): ANSWERERS,
    ("POST", "/assessments/{assessment_id:int}/answers/{code:str}/clear"): ANSWERERS,
    ("POST", "/assessments/{assessment_id:int}/answers/{code:str}/confirm"): ASSESSORS,
    ("POST", "/assessments/{assessment_id:int}/answers/{code:str}/verify"): ASSESSORS,
    ("POST", "/assessments/{assessment_id:int}/{action:str}"): ASSESSORS,
    ("POST", "/solutions/{slug:str}/assessments/import"): ASSESSORS,
    ("POST", "/assessments/{assessment_id:int}/import"): ANSWERERS,
    ("GET", "/assessments/{assessment_id:int}/imports/{import_id:int}"): ASSESSMENT_READERS,
    ("GET", "/api/assessments/{assessment_id:int}/files"): ASSESSMENT_READERS,
    ("GET", "/api/assessments/{assessment_id:int}/files/{file_id:int}"): ASSESSMENT_READERS,
    ("POST", "/api/assessments/{assessment_id:int}/answers/{code:str}/files"): ANSWERERS,
    ("DELETE", "/api/assessments/{assessment_id:int}/answers/{code:str}/files/{file_id:int}"): ANSWERERS,
    ("GET", "/assessments/{assessment_id:int}/files/{file_id:int}"): ASSESSMENT_READERS,
    ("POST", "/assessments/{assessment_id:int}/files"): ANSWERERS,
    ("POST", "/assessments/{assessment_id:int}/answers/{code:str}/files/{file_id:int}/remove"): ANSWERERS,
    ("GET", "/api/framework-library"): ADMIN,
    ("POST", "/api/framework-library/uploads"): ADMIN,
    ("GET", "/api/framework-library/uploads/{upload_id:int}"): ADMIN,
    ("POST", "/api/framework-library/uploads/{upload_id:int}/publish"): ADMIN,
    ("POST", "/api/framework-library/uploads/{upload_id:int}/discard"): ADMIN,
    ("GET", "/admin/frameworks"): ADMIN,
    ("POST", "/admin/frameworks/uploads"): ADMIN,
    ("GET", "/admin/frameworks/uploads/{upload_id:int}"): ADMIN,
    ("POST", "/admin/frameworks/uploads/{upload_id:int}/publish"): ADMIN,
    ("POST", "/admin/frameworks/uploads/{upload_id:int}/discard"): ADMIN,
    # approvals and the public register
    ("GET", "/api/solutions/{key:str}/approval-status"): EVERYONE,
    ("GET", "/api/approvals/dashboard"): APPROVERS,
    ("GET", "/api/approvals/{key:str}"): EVERYONE,  # a published solution's case is public
    ("POST", "/api/approvals/{key:str}/events"): APPLICANTS,
    ("GET", "/api/register"): EVERYONE,
    ("GET", "/api/register/{number:str}"): EVERYONE,
    # the FHIR directory (published data only, whoever reads)
    ("GET", "/fhir/DeviceDefinition"): EVERYONE,
    ("GET", "/fhir/DeviceDefinition/{resource_id:str}"): EVERYONE,
    ("GET", "/fhir/Organization"): EVERYONE,
    ("GET", "/fhir/Organization/{resource_id:str}"): EVERYONE,
    ("GET", "/fhir/CatalogEntry"): EVERYONE,
    ("GET", "/fhir/CatalogEntry/{resource_id:str}"): EVERYONE,
    ("GET", "/register"): EVERYONE,
    ("GET", "/register/{number:str}"): EVERYONE,
    ("GET", "/approvals"): APPROVERS,
    ("GET", "/approvals/calendar.ics"): APPROVERS,
    ("GET", "/approvals/solutions/{slug:str}"): USERS,
    ("POST", "/approvals/solutions/{slug:str}"): APPLICANTS,
    ("GET", "/approvals/solutions/{slug:str}/badge"): EVERYONE,
    ("POST", "/api/approvals/{key:str}/milestones/{milestone_id:int}/evidence"): EVIDENCE,
    ("POST", "/api/approvals/{key:str}/application/files"): APPLICANTS,
    ("GET", "/api/approvals/{key:str}/files/{file_id:int}"): EVIDENCE,
    ("POST", "/approvals/solutions/{slug:str}/evidence"): EVIDENCE,
    ("POST", "/approvals/solutions/{slug:str}/application/files"): APPLICANTS,
    ("GET", "/approvals/solutions/{slug:str}/files/{file_id:int}"): EVIDENCE,
    # search
    ("GET", "/api/search"): EVERYONE,
    ("GET", "/search"): EVERYONE,
    ("GET", "/search/prior-art/need/{need_id:int}"): EVERYONE,
    ("GET", "/search/prior-art/project/{project_id:int}"): EVERYONE,
    # benchmark
    ("GET", "/api/benchmark/national"): EVERYONE,
    ("GET", "/api/benchmark/organisations/{ref:str}"): EVERYONE,
    ("GET", "/api/benchmark/regions/{code:str}"): EVERYONE,
    ("GET", "/api/benchmark/solutions"): EVERYONE,
    ("GET", "/api/benchmark/indicators"): EVERYONE,
    ("POST", "/api/benchmark/adoption"): REPORTERS,
    ("POST", "/api/benchmark/indicator-values"): REPORTERS,
    ("POST", "/api/benchmark/import"): REPORTERS,
    ("GET", "/benchmark"): EVERYONE,
    ("GET", "/benchmark/organisations/{ref:str}"): EVERYONE,
    ("GET", "/benchmark/regions/{code:str}"): EVERYONE,
    ("GET", "/benchmark/import"): REPORTERS,
    ("POST", "/benchmark/import"): REPORTERS,
    ("GET", "/benchmark/import/template"): REPORTERS,
    ("GET", "/benchmark/report"): REPORTERS,
    ("POST", "/benchmark/report"): REPORTERS,
    # reporting (new module; the kind decides the permission, the public "needs" report is open)
    ("GET", "/reports"): EVERYONE,
    ("GET", "/reports/solutions"): EVERYONE,
    ("GET", "/reports/jobs/{job_id:str}"): EVERYONE,
    ("GET", "/reports/jobs/{job_id:str}/download"): EVERYONE,
    ("POST", "/api/reports"): USERS,
    ("POST", "/reports/jobs"): EVERYONE,
    ("GET", "/api/reports/{job_id:str}"): EVERYONE,
    # buyers: a solution's overview, the comparison, where a solution is in use
    ("GET", "/solutions/{slug:str}/overview"): EVERYONE,
    ("GET", "/compare"): EVERYONE,
    ("GET", "/api/compare"): EVERYONE,
    ("GET", "/api/solutions/{key:str}/adoption"): EVERYONE,
    # contract KPIs: a vendor on its own solution's contracts, an org_reporter on its own organisation's
    ("GET", "/api/contract-kpis"): EVERYONE,
    ("GET", "/api/solutions/{key:str}/kpis"): EVERYONE,
    ("POST", "/api/solutions/{key:str}/contracts"): CATALOGUE_WRITERS,
    ("POST", "/api/solutions/{key:str}/kpi-values"): KPI_REPORTERS,
    ("POST", "/api/kpi-values/import"): KPI_REPORTERS,
    ("GET", "/solutions/{slug:str}/kpis/report"): KPI_REPORTERS,
    ("POST", "/solutions/{slug:str}/kpis/report"): KPI_REPORTERS,
    ("GET", "/kpis/import"): KPI_REPORTERS,
    ("POST", "/kpis/import"): KPI_REPORTERS,
    # the user's own page and notification choices
    ("GET", "/account"): USERS,
    ("GET", "/account/notifications"): USERS,
    ("POST", "/account/notifications"): USERS,
    # spread programmes: public progress, written by admins
    ("GET", "/api/programmes"): EVERYONE,
    ("GET", "/api/programmes/candidates"): EVERYONE,
    ("GET", "/api/programmes/{key:str}"): EVERYONE,
    ("POST", "/api/programmes"): ADMIN,
    ("PUT", "/api/programmes/{key:str}"): ADMIN,
    ("GET", "/programmes"): EVERYONE,
    ("GET", "/programmes/{programme:str}"): EVERYONE,
    ("GET", "/programmes/organisations/{ref:str}"): EVERYONE,
    ("GET", "/programmes/organisations/{ref:str}/panel"): EVERYONE,
    ("GET", "/static/programmes/{file_path:path}"): EVERYONE,
    # the FHIR directory's conformance resources: public
    ("GET", "/fhir/metadata"): EVERYONE,
    ("GET", "/fhir/CodeSystem"): EVERYONE,
    ("GET", "/fhir/CodeSystem/{resource_id:str}"): EVERYONE,
    ("GET", "/fhir/ValueSet"): EVERYONE,
    ("GET", "/fhir/ValueSet/{resource_id:str}"): EVERYONE,
    ("GET", "/fhir/StructureDefinition"): EVERYONE,
    ("GET", "/fhir/StructureDefinition/{resource_id:str}"): EVERYONE,
}


def app_routes(app: Any) -> set[tuple[str, str]]:
    return {(method, route.path) for route in app.routes for method in getattr(route, "methods", ())
            if method not in ("HEAD", "OPTIONS")}


@pytest.fixture(scope="module")
def perm_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    with scratch_app(tmp_path_factory.mktemp("perm"), "perm") as app:
        yield app


@pytest.fixture(scope="module")
def tokens(perm_app: Any) -> dict[str, str]:
    from app.accounts.services import create_token, user_by_email

    with perm_app.state.session_factory() as session, session.begin():
        return {role: create_token(session, user_by_email(session, email), "perm")
                for role, email in DEMO_USERS.items()}


@pytest.fixture(scope="module")
def records(perm_app: Any, tokens: dict[str, str]) -> dict[str, Any]:
    """Path values: the vendor user's and the org_reporter's own records, and others'."""
    from app.catalogue.models import Need, Project, Solution, Vendor

    with perm_app.state.session_factory() as s:
        def sol(slug: str) -> Any:
            return s.scalar(select(Solution).where(Solution.slug == slug))
        own, other = sol("selfback"), sol("liva")
        need = s.scalar(select(Need).where(Need.slug == "laenderygsmerter-egenbehandling"))
        other_need = s.scalar(select(Need).where(Need.slug == "type2-diabetes-livsstil"))
        project = s.scalar(select(Project).where(Project.slug == "selfback-hoeje-taastrup"))
        other_project = s.scalar(select(Project).where(Project.slug == "liva-diabetesforloeb"))
        vendor = s.get(Vendor, own.vendor_id)
        values = {"own_solution": own, "other_solution": other, "need": need, "other_need": other_need,
                  "project": project, "other_project": other_project, "vendor": vendor}
    with TestClient(perm_app) as client:
        admin = {"Authorization": f"Bearer {tokens['admin']}"}
        fw = client.get("/api/frameworks").json()[0]
        made = {}
        for key, solution in (("assessment", own), ("other_assessment", other)):
            r = client.post("/api/assessments", headers=admin, json={
                "solution_id": solution.id, "framework_id": fw["id"], "framework_version": fw["version"]})
            assert r.status_code == 201, r.text
            made[key] = r.json()
        register = client.get("/api/register").json()["items"]
        definition = client.get(f"/api/frameworks/{fw['id']}/{fw['version']}").json()
    values.update(made)
    values["code"] = _first_criterion(definition) or "x"
    values["register_number"] = register[0]["register_number"] if register else "BT-2025-0001"
    return values


def _first_criterion(node: Any) -> str | None:
    """The first criterion code in a framework definition (a dict under a "criteria" list)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if (key == "criteria" and isinstance(value, list) and value and isinstance(value[0], dict)
                    and "code" in value[0]):
                return value[0]["code"]
            found = _first_criterion(value)
            if found:
                return found
    elif isinstance(node, list):
        for item in node:
            found = _first_criterion(item)
            if found:
                return found
    return None


def fill(path: str, r: dict[str, Any]) -> str:
    a = r["assessment"]
    values = {
        "{code:str}": r["code"], "{key:str}": r["own_solution"].slug, "{slug:str}": r["own_solution"].slug,
        "{vendor_id:int}": str(r["vendor"].id), "{assessment_id:int}": str(a["id"]),
        "{action:str}": "submit", "{framework_id:str}": "nice-esf", "{version:str}": "2022",
        "{number:str}": r["register_number"], "{ref:str}": "municipality:169", "{need_id:int}": str(r["need"].id),
        "{project_id:int}": str(r["project"].id), "{job_id:str}": "0" * 32, "{path:str}": "openapi.yaml",
        "{file_path:path}": "app.css", "{import_id:int}": "1",
        "{upload_id:int}": "1", "{search_id:int}": "1", "{file_id:int}": "1", "{milestone_id:int}": "1",
        "{resource_id:str}": str(r["own_solution"].id),
    }
    if path.startswith("/fhir/Organization"):
        values["{resource_id:str}"] = str(r["vendor"].id)
    if path.startswith(("/api/needs", "/needs")):
        values["{key:str}"] = values["{slug:str}"] = r["need"].slug
    if path.startswith(("/api/projects", "/projects")):
        values["{key:str}"] = values["{slug:str}"] = r["project"].slug
    if path.startswith("/api/organisations") or path.startswith("/organisations"):
        values["{key:str}"] = "municipality:169"
    if path == "/lang/{code:str}":
        values["{code:str}"] = "en"
    if path.startswith(("/api/benchmark/regions", "/benchmark/regions")):
        values["{code:str}"] = "1084"
    if path.startswith("/static/approvals"):
        values["{file_path:path}"] = "approvals.css"
    if path.startswith("/static/benchmark"):
        values["{file_path:path}"] = "benchmark.css"
    if path.startswith("/static/search"):
        values["{file_path:path}"] = "search.css"
    if path.startswith("/static/buyer"):
        values["{file_path:path}"] = "buyer.css"
    if path.startswith("/static/programmes"):
        values["{file_path:path}"] = "programmes.css"
    if path.startswith("/api/programmes"):
        values["{key:str}"] = "kol-hjemmemonitorering"
    values["{programme:str}"] = "kol-hjemmemonitorering"
    for placeholder, value in values.items():
        path = path.replace(placeholder, value)
    return path


def client_for(app: Any, role: str, tokens: dict[str, str]) -> TestClient[Any]:
    client = TestClient(app)  # not entered: the app's lifespan is run once by the caller
    client.get("/login")
    if role != ANON:
        r = client.post("/login", data={"email": DEMO_USERS[role], "password": DEMO_PASSWORD,
                                        "_csrf_token": client.cookies.get("csrftoken", "")},
                        follow_redirects=False)
        assert r.status_code in (302, 303), r.text
        client.headers["Authorization"] = f"Bearer {tokens[role]}"  # used under /api only
    return client


def request(client: TestClient[Any], method: str, path: str) -> Any:
    if method == "GET":
        return client.get(path, follow_redirects=False)
    if path.startswith("/api/"):
        if method == "DELETE":
            return client.delete(path.rsplit("/", 1)[0] + "/999999999" if "/answers/" not in path else path)
        return client.request(method, path, json={})
    # A page form: CSRF token included, empty fields (the permission check comes first).
    return client.post(path, data={"_csrf_token": client.cookies.get("csrftoken", "")},
                       follow_redirects=False)


# Assessment pages and API answer 404 to a role that may not see the assessment at all
# (its existence is not revealed), so there 404 counts as refused.
HIDDEN_PREFIXES = ("/api/assessments/", "/assessments/")


def refused(response: Any, path: str = "", soft: bool = False) -> bool:
    if response.status_code in (401, 403):
        return True
    if soft and response.status_code == 404 and path.startswith(HIDDEN_PREFIXES):
        return True
    return response.status_code in (302, 303) and response.headers.get("location", "").startswith("/login")


def test_every_route_is_in_the_table(perm_app: Any) -> None:
    missing = sorted(app_routes(perm_app) - POLICY.keys())
    stale = sorted(POLICY.keys() - app_routes(perm_app))
    assert not missing, f"routes without a permission entry in tests/test_permissions.py: {missing}"
    assert not stale, f"table entries for routes that no longer exist: {stale}"


def test_the_table_against_the_app(perm_app: Any, tokens: dict[str, str], records: dict[str, Any]) -> None:
    wrong: list[str] = []
    with TestClient(perm_app):
        clients = {role: client_for(perm_app, role, tokens) for role in ROLES}
        for (method, template), allowed in sorted(POLICY.items()):
            if (method, template) == ("POST", "/logout"):
                continue  # would end the session the rest of the walk relies on; open by design
            path = fill(template, records)
            for role in ROLES:
                response = request(clients[role], method, path)
                if response.status_code >= 500:
                    wrong.append(f"{method} {path} as {role}: {response.status_code}")
                elif (role in allowed and refused(response, path)) or (
                        role not in allowed and not refused(response, path, soft=True)):
                    wrong.append(f"{method} {path} as {role}: expected "
                                 f"{'allowed' if role in allowed else 'refused'}, got {response.status_code} "
                                 f"{response.headers.get('location', '')}")
    assert not wrong, "\n".join(wrong)


def _as_update(solution: dict[str, Any]) -> dict[str, Any]:
    """The body of a PUT that changes nothing, from the solution as the API shows it."""
    body = {key: solution[key] for key in SolutionUpdate.model_fields if key in solution}
    return body | {"vendor_id": solution["vendor"]["id"],
                   "treatment_areas": [area["code"] for area in solution["treatment_areas"]]}


def test_vendor_and_org_reporter_never_touch_other_organisations(
        perm_app: Any, tokens: dict[str, str], records: dict[str, Any]) -> None:
    other_sol, other_project, other_need = (records["other_solution"], records["other_project"],
                                            records["other_need"])
    with TestClient(perm_app):
        vendor, reporter = client_for(perm_app, "vendor", tokens), client_for(perm_app, "org_reporter", tokens)
        # edit forms of another vendor's solution / another organisation's project and need
        assert vendor.get(f"/solutions/{other_sol.slug}/edit").status_code == 403
        assert reporter.get(f"/projects/{other_project.slug}/edit").status_code == 403
        assert reporter.get(f"/needs/{other_need.slug}/edit").status_code == 403
        # another vendor's assessment, through the API and the pages
        other = records["other_assessment"]["id"]
        for path in (f"/api/assessments/{other}", f"/assessments/{other}", f"/api/assessments/{other}/prefill"):
            assert vendor.get(path).status_code in (403, 404), path
        assert vendor.put(f"/api/assessments/{other}/answers/{records['code']}",
                          json={"value": "yes"}).status_code in (400, 403, 404)
        # API updates of others' records, with the version they read
        sol = vendor.get(f"/api/solutions/{other_sol.slug}").json()
        r = vendor.put(f"/api/solutions/{other_sol.slug}", json=_as_update(sol))
        assert r.status_code == 403, r.text  # a valid update, refused for whose solution it is
        # adoption reported for another organisation
        r = reporter.post("/api/benchmark/adoption", json={
            "organisation": "municipality:751", "solution": "liva", "status": "pilot",
            "effective_from": "2025-01-01"})
        assert r.status_code == 400 and "municipality:751" in r.json()["errors"]["organisation"], r.text


def test_assessment_forms_answer_403_to_a_role_without_the_permission(
        perm_app: Any, tokens: dict[str, str], records: dict[str, Any]) -> None:
    """Formerly known gaps: an empty answer or verify form from a role that may not answer
    or verify got a redirect or a 400; now a clear 403, and anonymous users go to log in."""
    a, code = records["assessment"]["id"], records["code"]
    with TestClient(perm_app):
        for role in ("approver", "procurement"):
            client = client_for(perm_app, role, tokens)
            for path in (f"/assessments/{a}/answers/{code}", f"/assessments/{a}/answers/{code}/verify"):
                for headers in ({}, {"HX-Request": "true"}):
                    r = client.post(path, data={"_csrf_token": client.cookies.get("csrftoken", ""),
                                                "decision": "accepted"}, headers=headers,
                                    follow_redirects=False)
                    assert r.status_code == 403, (role, path, r.status_code)
                    assert "Din rolle må ikke ændre denne vurdering." in r.text
        anonymous = client_for(perm_app, ANON, tokens)
        r = anonymous.post(f"/assessments/{a}/answers/{code}",
                           data={"_csrf_token": anonymous.cookies.get("csrftoken", "")}, follow_redirects=False)
        assert r.status_code in (302, 303) and r.headers["location"].startswith("/login")
