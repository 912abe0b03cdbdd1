"""Nothing unpublished is visible to those who may not see it (issue 14).

On a scratch database an admin makes two unpublished solutions, links them from a
published project, reports their adoption and keeps one's approval in the register:
  own    unpublished, of the demo vendor user's vendor: staff and that vendor see it;
  other  a demo solution with a temporary approval and an assessment, renamed, its adoption
         reported and the benchmark computed, then unpublished (the cached figures must
         follow): only staff see it;
  shown  a published control, linked and adopted in the same way.
Then every GET route of the app (from its route table, so a new route is walked too; a
route whose path cannot be filled fails the test) is requested as anonymous and as each
role, with every query filter it declares or its list page's form reads (ListForm) filled
with values that find the unpublished records (their ids, slugs, vendors, owners,
treatment areas, purposes, classes...; a filter the walk has no value for fails the test),
plus CSV exports and search with each facet; every report's HTML (what WeasyPrint turns
into the PDF) is rendered for each role. An unpublished solution's name
(a token used nowhere else, never sent in a URL) must not appear for those who may not see
it, and must appear for those who may; the control must appear on the same pages, so the
walk is shown to read names. The benchmark's figures are public: no one sees an
unpublished solution there.
Writes: an org_reporter may neither link an unpublished solution nor report its adoption
(400 naming the field), and keeps the links it cannot see when it edits a project."""

from __future__ import annotations

import json
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlencode

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import select

from app.accounts.services import create_token, principal_of, user_by_email
from app.assessment.models import Assessment
from app.core.principal import ANONYMOUS_PRINCIPAL, Principal
from app.errors import DomainError
from app.reporting import render
from app.reporting import services as reports
from app.search.backend import FACETS
from app.web.forms import ListForm
from tests.helpers import DEMO_USERS, login
from tests.scratch import scratch_app

pytestmark = pytest.mark.slow  # make test-fast leaves it out

ANON = "anonymous"
ROLES = (ANON, "admin", "approver", "assessor", "procurement", "org_reporter", "vendor")
STAFF = frozenset({"admin", "approver", "assessor", "procurement"})
# Who may see each unpublished solution (the demo vendor user belongs to SelfBack's vendor).
MAY_SEE = {"own": STAFF | {"vendor"}, "other": STAFF}
NOT_WALKED = ("/static/", "/schema", "/lang/", "/login", "/health", "/api/me")
PUBLIC_FIGURES = ("/benchmark", "/api/benchmark")  # nobody sees an unpublished solution there


def _token(prefix: str) -> str:
    return prefix + uuid.uuid4().hex[:12]


@dataclass(frozen=True)
class Record:
    """A solution of the walk: its name token (in its name only) and its slug."""

    id: int
    slug: str
    name_token: str
    vendor_id: int


@dataclass(frozen=True)
class World:
    solutions: dict[str, Record]  # own, other, shown
    project_slug: str
    project_id: int
    need_slug: str
    need_id: int
    register_number: str
    assessment_id: int  # of "other"
    org_ref: str  # the org_reporter's municipality
    region_code: str
    region_id: int
    reporter_org_id: int
    hidden_values: dict[str, list[str]]  # the unpublished solutions' values of the list filters
    facet_values: dict[str, list[str]]  # values of each search facet, the unpublished ones' first


@pytest.fixture(scope="module")
def vis_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Litestar]:
    with scratch_app(tmp_path_factory.mktemp("visibility"), "visibility") as app:
        yield app


@pytest.fixture(scope="module")
def bearer(vis_app: Litestar) -> dict[str, dict[str, str]]:
    with vis_app.state.session_factory() as session, session.begin():
        return {role: {"Authorization": f"Bearer {create_token(session, user_by_email(session, email), 'vis')}"}
                for role, email in DEMO_USERS.items()}


def _ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def _solution_body(name: str, slug: str, vendor_id: int, area: str, published: bool) -> dict[str, Any]:
    return {"name": name, "slug": slug, "vendor_id": vendor_id, "short_description_da": f"Om {name}",
            "description_da": f"Beskrivelse af {name}", "purpose": "treatment", "treatment_areas": [area],
            "target_users": "citizen", "origin": "private", "country": "DK", "published": published}


def _report_adoption(client: TestClient[Any], admin: dict[str, str], slug: str) -> None:
    _ok(client.post("/api/benchmark/adoption", headers=admin, json={
        "organisation": "municipality:169", "solution": slug, "status": "in_operation",
        "effective_from": "2024-01-01", "active_users": 40}), 201)


def _new_solution(client: TestClient[Any], admin: dict[str, str], prefix: str, vendor_of: str,
                  area: str, published: bool) -> Record:
    """A solution of the same vendor as the demo solution `vendor_of`, adopted by the
    org_reporter's municipality."""
    token = _token(prefix)
    vendor_id = _ok(client.get(f"/api/solutions/{vendor_of}"))["vendor"]["id"]
    made = _ok(client.post("/api/solutions", headers=admin, json=_solution_body(
        f"{'Synlig' if published else 'Skjult'} {token}", f"loesning-{_token('s')}", vendor_id, area,
        published)), 201)
    _report_adoption(client, admin, made["slug"])
    return Record(id=made["id"], slug=made["slug"], name_token=token, vendor_id=vendor_id)


def _unpublish_approved(client: TestClient[Any], admin: dict[str, str]) -> Record:
    """The demo solution Sindro (a temporary approval, an assessment), renamed and adopted;
    unpublished after the benchmark figures were computed (and cached) with it."""
    sindro = _ok(client.get("/api/solutions/sindro"))
    token, slug = _token("other"), f"loesning-{_token('s')}"
    body = {k: v for k, v in sindro.items() if k not in ("id", "vendor", "treatment_areas")} | {
        "name": f"Skjult {token}", "slug": slug, "vendor_id": sindro["vendor"]["id"],
        "treatment_areas": [a["code"] for a in sindro["treatment_areas"]]}
    renamed = _ok(client.put("/api/solutions/sindro", headers=admin, json=body))
    _report_adoption(client, admin, slug)
    assert token in client.get("/api/benchmark/national").text
    _ok(client.put(f"/api/solutions/{slug}", headers=admin,
                   json=body | {"published": False, "version": renamed["version"]}))
    return Record(id=sindro["id"], slug=slug, name_token=token, vendor_id=sindro["vendor"]["id"])


def _make_world(app: Litestar, admin: dict[str, str]) -> World:
    with TestClient(app) as client:
        solutions = {"own": _new_solution(client, admin, "own", "selfback", "saar", published=False),
                     "shown": _new_solution(client, admin, "shown", "liva", "diabetes", published=True),
                     "other": _unpublish_approved(client, admin)}
        org = _ok(client.get("/api/organisations/municipality:169"))
        need = _ok(client.get("/api/needs", params={"limit": 1}))["items"][0]
        project = _ok(client.post("/api/projects", headers=admin, json={
            "name": f"Synligt projekt {_token('p')}", "owner_id": org["id"], "stage": "pilot",
            "description": "Et offentligt projekt", "need_ids": [need["id"]],
            "solution_ids": [r.id for r in solutions.values()]}), 201)
        register = _ok(client.get("/api/register", headers=admin, params={"limit": 200}))["items"]
        hidden = [_ok(client.get(f"/api/solutions/{solutions[key].slug}", headers=admin)) for key in ("own", "other")]
        app.state.search_indexer.drain()
        facets = _ok(client.get("/api/search", params={"limit": 1}))["facets"]
    values = {field: sorted({str(h[field]) for h in hidden})
              for field in ("purpose", "target_users", "origin", "regulatory_class")}
    values["treatment_area"] = sorted({a["code"] for h in hidden for a in h["treatment_areas"]})
    with app.state.session_factory() as session:
        assessment_id = session.scalar(select(Assessment.id).where(Assessment.solution_id == solutions["other"].id))
    assert assessment_id is not None
    return World(solutions=solutions, project_slug=project["slug"], project_id=project["id"],
                 need_slug=need["slug"], need_id=need["id"],
                 register_number=next(e["register_number"] for e in register
                                      if e["solution"]["id"] == solutions["other"].id),
                 assessment_id=assessment_id, org_ref="municipality:169", region_code=org["region"]["code"],
                 region_id=org["region"]["id"], reporter_org_id=org["id"], hidden_values=values,
                 facet_values={f: (values.get(f, []) + [c["value"] for c in facets[f]])[:2] or ["x"] for f in FACETS})


@pytest.fixture(scope="module")
def world(vis_app: Litestar, bearer: dict[str, dict[str, str]]) -> World:
    return _make_world(vis_app, bearer["admin"])


# ---- the walk ------------------------------------------------------------------------------


def list_forms() -> dict[str, ListForm[Any]]:
    """The filter forms of the list pages (ListForm, read from the query string), by path."""
    modules = [m for name, m in sys.modules.items() if name.startswith("app.") and name.endswith(".pages")]
    return {v.path: v for m in modules for v in vars(m).values() if isinstance(v, ListForm)}


def form_parameters(form: ListForm[Any]) -> set[str]:
    return set(form.fields) | ({"sort"} if form.sorts else set())


def get_routes(app: Litestar) -> dict[str, set[str]]:
    """Path template -> the parameters its GET handler declares or its list form reads."""
    forms = list_forms()
    routes: dict[str, set[str]] = {}
    for route in app.routes:
        for handler in getattr(route, "route_handlers", ()):
            if "GET" in handler.http_methods and not route.path.startswith(NOT_WALKED):
                form = forms.get(route.path)
                routes[route.path] = set(handler.parsed_fn_signature.parameters) | (
                    form_parameters(form) if form else set())
    return routes


def _solution_keys(w: World) -> list[str]:
    return [r.slug for r in w.solutions.values()]


def fill(template: str, w: World) -> list[str]:
    """Concrete paths for a route: solution routes once per solution; unfilled -> []."""
    s = w.solutions
    by_prefix = [(("/api/projects", "/projects"), [w.project_slug]), (("/api/needs", "/needs"), [w.need_slug]),
                 (("/api/organisations", "/organisations"), [w.org_ref])]
    keys = next((values for prefixes, values in by_prefix if template.startswith(prefixes)), _solution_keys(w))
    values = {"{slug:str}": keys, "{key:str}": keys, "{ref:str}": [w.org_ref], "{code:str}": [w.region_code],
              "{vendor_id:int}": [str(s["own"].vendor_id), str(s["other"].vendor_id)],
              "{number:str}": [w.register_number], "{assessment_id:int}": [str(w.assessment_id)],
              "{need_id:int}": [str(w.need_id)], "{project_id:int}": [str(w.project_id)],
              "{framework_id:str}/{version:str}": ["blaastempel-dk/1.0"], "{job_id:str}": ["0" * 32],
              "{import_id:int}": ["1"], "{upload_id:int}": ["1"], "{file_id:int}": ["1"],
              "{programme:str}": ["kol-hjemmemonitorering"],
              "{resource_id:str}": [str(r.id) for r in s.values()]}
    paths = [template]
    for placeholder, options in values.items():
        if placeholder in template:
            paths = [p.replace(placeholder, option) for p in paths for option in options]
    return [p for p in paths if "{" not in p]


def naming(w: World) -> dict[str, list[str]]:
    """Filter -> values that would find the unpublished records (or the lists they are on)."""
    s = w.solutions
    return {
        "solution_id": [str(s["own"].id), str(s["other"].id)],
        "solution": [s["own"].slug, s["other"].slug],
        "vendor_id": [str(s["own"].vendor_id), str(s["other"].vendor_id)],
        "published": ["false"],
        "q": ["Skjult"],  # the unpublished names start with it; their tokens never go in a URL
        "format": ["csv"],
        **w.hidden_values,  # purpose, target_users, origin, regulatory_class, treatment_area
        "country": ["DK"],
        "owner_id": [str(w.reporter_org_id)],  # owns the project that links them
        "organisation_id": [str(w.reporter_org_id)],
        "region_id": [str(w.region_id)],
        "kind": ["municipality"],
        "stage": ["pilot"],
        "priority": ["high"],
        "status": ["temporarily_approved", "approved"],
        "sort": ["newest", "title"],
        # the comparison: each unpublished solution beside the published control
        "solutions": [f"{s['own'].slug},{s['shown'].slug}", f"{s['other'].id},{s['shown'].id}"],
    }


def filters(params: set[str], w: World) -> list[dict[str, str]]:
    """Query strings naming the unpublished records, for the filters a route reads."""
    naming_values = naming(w)
    found = [{name: value} for name, options in naming_values.items() if name in params for value in options]
    if {"vendor_id", "published"} <= params:
        found += [{"vendor_id": vendor, "published": "false"} for vendor in naming_values["vendor_id"]]
    return found


def extra_urls(w: World) -> list[str]:
    """Reads that take their parameters from the query string without declaring them (search
    with each of its facets)."""
    facets = [f"/search?{urlencode({'q': q, facet: value})}" for facet, values in w.facet_values.items()
              for value in values for q in ("", "Skjult")]
    return ["/search?q=Skjult", "/search?q=Skjult&type=project", "/api/search?q=Skjult", *facets,
            "/benchmark?format=csv&table=heat", "/benchmark?format=csv&table=spread",
            f"/benchmark/organisations/{w.org_ref}?format=csv&table=solutions",
            f"/reports?solution={w.solutions['other'].slug}", *fhir_urls(w)]


def fhir_urls(w: World) -> list[str]:
    """FHIR searches naming the unpublished solutions by every search parameter."""
    hidden = [w.solutions["own"], w.solutions["other"]]
    params = [("name", "Skjult"), ("name:contains", "Skjult"), ("identifier", w.register_number),
              *((p, v) for r in hidden for p, v in (("identifier", r.slug), ("_id", str(r.id))))]
    return [f"/fhir/{kind}?{urlencode({p: v, '_include': 'DeviceDefinition:manufacturer'})}"
            if kind == "DeviceDefinition" else f"/fhir/{kind}?{urlencode({p: v})}"
            for kind in ("DeviceDefinition", "CatalogEntry") for p, v in params
            if not (kind == "CatalogEntry" and p.startswith("name"))]


def walk_urls(app: Litestar, w: World) -> list[str]:
    urls = []
    for template, params in get_routes(app).items():
        for path in fill(template, w):
            urls.append(path)
            urls.extend(f"{path}?{urlencode(q)}" for q in filters(params, w))
    return urls + extra_urls(w)


@dataclass(frozen=True)
class Seen:
    status: int
    body: str


@pytest.fixture(scope="module")
def walked(vis_app: Litestar, world: World, bearer: dict[str, dict[str, str]]) -> dict[tuple[str, str], Seen]:
    urls = walk_urls(vis_app, world)
    out: dict[tuple[str, str], Seen] = {}
    for role in ROLES:
        with TestClient(vis_app) as client:
            if role != ANON:
                login(client, role)
                client.headers.update(bearer[role])
            for url in urls:
                response = client.get(url, follow_redirects=False)
                out[(role, url)] = Seen(response.status_code, response.text)
    return out


def leaks(role: str, url: str, body: str, w: World) -> list[str]:
    """The unpublished solutions whose name (or slug, unless the URL names it) the body
    shows although this reader may not see them."""
    found = []
    for key, allowed in MAY_SEE.items():
        if role in allowed and not url.startswith(PUBLIC_FIGURES):
            continue
        record = w.solutions[key]
        if record.name_token in body or (record.slug in body and record.slug not in unquote(url)):
            found.append(key)
    return found


def test_the_walk_fills_every_filter_of_every_list_page(vis_app: Litestar, world: World) -> None:
    forms = list_forms()
    assert {"/solutions", "/projects", "/needs", "/vendors", "/organisations", "/register"} <= forms.keys()
    routes = get_routes(vis_app)
    assert forms.keys() <= routes.keys()
    unnamed = sorted({p for path in forms for p in routes[path] if p not in ("request", "db", "principal", "page")}
                     - naming(world).keys())
    assert not unnamed, f"give these filters values in naming(): {unnamed}"


def test_unpublished_solutions_are_shown_to_no_one_who_may_not_see_them(
        vis_app: Litestar, walked: dict[tuple[str, str], Seen], world: World) -> None:
    unfilled = sorted(t for t in get_routes(vis_app) if not fill(t, world))
    assert not unfilled, f"give these path parameters a value in fill(): {unfilled}"
    failed = sorted((role, url, seen.status) for (role, url), seen in walked.items() if seen.status >= 500)
    assert not failed
    found = sorted((role, url, key) for (role, url), seen in walked.items()
                   for key in leaks(role, url, seen.body, world))
    assert not found, f"{len(found)} leaks, e.g. {found[:10]}"


def test_those_who_may_see_an_unpublished_solution_do(walked: dict[tuple[str, str], Seen], world: World) -> None:
    s = world.solutions
    for key, allowed in MAY_SEE.items():
        for role in ROLES:
            pages = [f"/projects/{world.project_slug}", f"/api/projects/{world.project_slug}",
                     f"/solutions/{s[key].slug}", f"/api/solutions?vendor_id={s[key].vendor_id}&published=false",
                     f"/projects?solution_id={s[key].id}"]
            shown = [p for p in pages if s[key].name_token in walked[(role, p)].body]
            assert shown == (pages if role in allowed else []), (key, role)
    for role in STAFF:
        assert s["other"].name_token in walked[(role, "/register")].body
        assert s["other"].name_token in walked[(role, "/api/register?format=csv")].body
        assert walked[(role, f"/register/{world.register_number}")].status == 200
    assert walked[(ANON, f"/register/{world.register_number}")].status == 404
    assert walked[("vendor", f"/assessments/{world.assessment_id}")].status == 404
    assert s["other"].name_token in walked[("assessor", f"/assessments/{world.assessment_id}")].body
    # The published control, linked and adopted like them, is shown to everyone: the walk
    # reads solution names on these pages (the benchmark's included).
    pages = ["/benchmark", "/api/benchmark/national", "/api/benchmark/solutions", "/benchmark?format=csv&table=spread",
             f"/benchmark/organisations/{world.org_ref}", f"/api/benchmark/organisations/{world.org_ref}",
             f"/projects/{world.project_slug}", f"/api/projects/{world.project_slug}"]
    missing = [(role, p) for role in ROLES for p in pages if s["shown"].name_token not in walked[(role, p)].body]
    assert not missing


def test_a_filter_naming_an_unpublished_solution_finds_nothing(
        walked: dict[tuple[str, str], Seen], world: World) -> None:
    for key, allowed in MAY_SEE.items():
        solution_id = world.solutions[key].id
        for role in ROLES:
            projects = json.loads(walked[(role, f"/api/projects?solution_id={solution_id}")].body)
            slugs = [p["slug"] for p in projects["items"]]
            assert (world.project_slug in slugs) if role in allowed else slugs == []
            solutions = json.loads(walked[(role, f"/api/solutions/{world.solutions[key].slug}")].body)
            assert (solutions.get("id") == solution_id) == (role in allowed)


def test_search_documents_of_projects_tell_nothing_of_unpublished_solutions(
        vis_app: Litestar, world: World) -> None:
    vis_app.state.search_indexer.drain()
    name = world.project_slug.split("-")[-1]  # the project's own token
    with TestClient(vis_app) as client:
        def project_hits(**facets: str) -> list[str]:
            result = _ok(client.get("/api/search", params={"q": name, "type": "project", **facets}))
            return [h["slug"] for h in result["hits"]]

        assert project_hits() == [world.project_slug]
        assert project_hits(treatment_area="diabetes") == [world.project_slug]  # the published control's
        assert project_hits(treatment_area="saar") == []  # only the unpublished "own" is about wounds


# ---- reports -------------------------------------------------------------------------------


def _principal(app: Litestar, role: str) -> Principal:
    if role == ANON:
        return ANONYMOUS_PRINCIPAL
    with app.state.session_factory() as session:
        return principal_of(user_by_email(session, DEMO_USERS[role]))


def _report_html(app: Litestar, role: str, req: reports.ReportRequest) -> str | None:
    """The report's HTML as this role gets it, or None when the role may not have it."""
    with app.state.session_factory() as session:
        try:
            context = reports.build(session, req, principal=_principal(app, role),
                                    frameworks=app.state.frameworks, search_backend=app.state.search_backend)
        except DomainError:
            return None
        return render.render_html(context)


def test_report_contexts_show_only_what_the_reader_may_see(vis_app: Litestar, world: World) -> None:
    s = world.solutions
    requests = {"national-benchmark": reports.ReportRequest("national-benchmark"),
                "needs": reports.ReportRequest("needs"),
                "temporary-approvals": reports.ReportRequest("temporary-approvals"),
                "assessment": reports.ReportRequest("assessment", solution=s["other"].slug)}
    found: dict[tuple[str, str], str | None] = {
        (role, kind): _report_html(vis_app, role, req) for role in ROLES for kind, req in requests.items()}
    problems = []
    for (role, kind), html in found.items():
        if html is None:
            continue
        problems += [(role, kind, key) for key in leaks(role, "/benchmark" if kind == "national-benchmark"
                                                        else f"/reports/{kind}", html, world)]
    assert not problems
    for role in ROLES:
        assert s["shown"].name_token in (found[(role, "national-benchmark")] or "")
    for role in ("admin", "approver"):
        assert s["other"].name_token in (found[(role, "temporary-approvals")] or "")
    for role in STAFF:
        assert s["other"].name_token in (found[(role, "assessment")] or "")
    assert found[("vendor", "assessment")] is None


# ---- writes (run last: they change the project) ------------------------------------------


def _project_body(project: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return {"name": project["name"], "owner_id": project["owner"]["id"], "stage": project["stage"],
            "description": project["description"], "need_ids": [n["id"] for n in project["needs"]],
            "solution_ids": [s["id"] for s in project["solutions"]], "version": project["version"]} | changes


def test_an_org_reporter_may_not_link_an_unpublished_solution(
        vis_app: Litestar, world: World, bearer: dict[str, dict[str, str]]) -> None:
    s, reporter, admin = world.solutions, bearer["org_reporter"], bearer["admin"]
    with TestClient(vis_app) as client:
        name = f"Nyt projekt {_token('n')}"
        refused = client.post("/api/projects", headers=reporter, json={
            "name": name, "owner_id": world.reporter_org_id, "stage": "pilot", "solution_ids": [s["own"].id]})
        assert refused.status_code == 400, refused.text
        assert refused.json()["errors"] == {"solution_ids": f"unknown solution id: {s['own'].id}"}
        assert _ok(client.get("/api/projects", params={"q": name}))["total"] == 0
        # Editing the project it sees with only the published control: the links it cannot
        # see are kept; adding one of them is refused like an unknown id.
        seen = _ok(client.get(f"/api/projects/{world.project_slug}", headers=reporter))
        assert [x["id"] for x in seen["solutions"]] == [s["shown"].id]
        saved = _ok(client.put(f"/api/projects/{world.project_slug}", headers=reporter,
                               json=_project_body(seen, description="Opdateret af kommunen")))
        assert [x["id"] for x in saved["solutions"]] == [s["shown"].id]
        linked = {x["id"] for x in _ok(client.get(f"/api/projects/{world.project_slug}", headers=admin))["solutions"]}
        assert linked == {s["own"].id, s["other"].id, s["shown"].id}
        again = client.put(f"/api/projects/{world.project_slug}", headers=reporter,
                           json=_project_body(saved, solution_ids=[s["shown"].id, s["other"].id]))
        assert again.status_code == 400 and "solution_ids" in again.json()["errors"], again.text
        # The page says so next to the field, in Danish.
        login(client, "org_reporter")
        page = client.post("/projects/new", data={
            "_csrf_token": client.cookies.get("csrftoken", ""), "name": name, "owner_id": str(world.reporter_org_id),
            "stage": "pilot", "origin": "public", "solution_ids": str(s["other"].id)}, follow_redirects=False)
        assert page.status_code == 400
        assert f"ukendt id for løsning: {s['other'].id}" in page.text
        assert s["other"].name_token not in page.text
        assert _ok(client.get("/api/projects", params={"q": name}))["total"] == 0
        # Staff may see it, so they may link it.
        made = _ok(client.post("/api/projects", headers=bearer["procurement"], json={
            "name": name, "owner_id": world.reporter_org_id, "stage": "forskning",
            "solution_ids": [s["other"].id]}), 201)
        assert [x["id"] for x in made["solutions"]] == [s["other"].id]


def test_an_org_reporter_may_not_report_adoption_of_an_unpublished_solution(
        vis_app: Litestar, world: World, bearer: dict[str, dict[str, str]]) -> None:
    s = world.solutions
    with TestClient(vis_app) as client:
        before = _ok(client.get(f"/api/benchmark/organisations/{world.org_ref}", headers=bearer["admin"]))
        refused = client.post("/api/benchmark/adoption", headers=bearer["org_reporter"], json={
            "organisation": world.org_ref, "solution": s["own"].slug, "status": "pilot",
            "effective_from": "2025-02-01"})
        assert refused.status_code == 400, refused.text
        assert set(refused.json()["errors"]) == {"solution"}
        login(client, "org_reporter")
        csv = (f"organisation,solution,status,effective_from\n{world.org_ref},{s['shown'].slug},pilot,2025-02-01\n"
               f"{world.org_ref},{s['other'].slug},pilot,2025-02-01\n")
        page = client.post("/benchmark/import", data={"_csrf_token": client.cookies.get("csrftoken", "")},
                           files={"file": ("adoption.csv", csv.encode(), "text/csv")})
        assert page.status_code == 400
        assert "ukendt løsning" in page.text and s["other"].name_token not in page.text
        after = _ok(client.get(f"/api/benchmark/organisations/{world.org_ref}", headers=bearer["admin"]))
        assert after == before  # nothing of the file was written
