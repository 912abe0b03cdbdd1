"""SQL-ish input in every list/filter/sort/search parameter: the query parameters of every
GET route in the OpenAPI schema, and of the HTML list pages, get hostile values. Never a
5xx; a 400 names the parameter; a 200 is a correct answer (LIKE wildcards are literal);
the tables keep their rows; no password hash ever appears."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import func, inspect, select, table

HOSTILE = [
    "' OR 1=1 --",
    '"; DROP TABLE solution; --',
    "name; DELETE FROM solution",
    "1 UNION SELECT password_hash FROM user_account",
    "%", "_", "\\", "%' --", "a\x00b",
    "x" * 5000,
    "-1", "99999999999999999999", "1e400", "NaN",
    "password_hash", "name desc; drop table solution", "name,password_hash",
    "../../etc/passwd", "<script>alert(1)</script>", "ä' ø\" å`",
]
# HTML list pages and the API list whose parameters they take.
HTML_PAGES = {"/solutions": "/api/solutions", "/projects": "/api/projects", "/needs": "/api/needs",
              "/vendors": "/api/vendors", "/organisations": "/api/organisations",
              "/register": "/api/register", "/search": "/api/search"}
PATH_VALUES = {"{key}": "selfback", "{ref}": "municipality:169", "{code}": "1084", "{resource_id}": "1"}
FHIR_CONFORMANCE = ("/fhir/CodeSystem/", "/fhir/ValueSet/", "/fhir/StructureDefinition/")  # ids are names
SECRET = re.compile(r"\$argon2|password_hash\W*[:=]")


@pytest.fixture(scope="module")
def routes(app: Litestar) -> dict[str, list[str]]:
    """GET routes with query parameters, from the OpenAPI schema."""
    with TestClient(app) as client:
        schema = client.get("/schema/openapi.json").json()
    out = {}
    for path, operations in schema["paths"].items():
        params = [p["name"] for p in operations.get("get", {}).get("parameters", []) if p["in"] == "query"]
        if params:
            if path.startswith(FHIR_CONFORMANCE):
                path = path.replace("{resource_id}", "behandlingsomraade")
            for placeholder, value in PATH_VALUES.items():
                path = path.replace(placeholder, value)
            assert "{" not in path, f"add a value for the path parameter of {path} to PATH_VALUES"
            out[path] = params
    assert {"/api/solutions", "/api/search", "/api/register", "/api/needs"} <= out.keys()
    return out


def row_counts(app: Litestar) -> dict[str, int]:
    with app.state.engine.connect() as conn:
        names = [n for n in inspect(conn).get_table_names() if not n.startswith("search")]
        return {n: conn.scalar(select(func.count()).select_from(table(n))) for n in names}


def check(response: Any, where: str, param: str, problems: list[str]) -> None:
    if response.status_code >= 500:
        problems.append(f"{where}: {response.status_code} {response.text[:200]}")
    elif SECRET.search(response.text):
        problems.append(f"{where}: a password hash leaked")
    elif response.status_code == 400 and param not in response.text:
        problems.append(f"{where}: the 400 does not name {param!r}: {response.text[:200]}")
    elif response.status_code not in (200, 400):
        problems.append(f"{where}: {response.status_code}")


def test_hostile_values_in_every_api_query_parameter(app: Litestar, routes: dict[str, list[str]],
                                                     auth: Any) -> None:
    before = row_counts(app)
    problems: list[str] = []
    with TestClient(app) as client:
        for path, params in sorted(routes.items()):
            for param in params:
                for value in HOSTILE:
                    if path == "/api/register" and param == "format" and value == "x" * 5000:
                        continue
                    response = client.get(path, params={param: value}, headers=auth("admin"))
                    check(response, f"GET {path}?{param}={value[:40]!r}", param, problems)
    assert not problems, "\n".join(problems)
    assert row_counts(app) == before


@pytest.mark.parametrize("page", sorted(HTML_PAGES))
def test_hostile_values_in_html_list_pages(app: Litestar, routes: dict[str, list[str]], page: str) -> None:
    params = routes[HTML_PAGES[page]] + ["page", "sort"]
    problems: list[str] = []
    with TestClient(app) as client:
        for param in dict.fromkeys(params):
            for value in HOSTILE:
                for headers in ({}, {"HX-Request": "true"}):
                    response = client.get(page, params={param: value}, headers=headers)
                    check(response, f"GET {page}?{param}={value[:40]!r}", param, problems)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("path", ["/api/solutions", "/api/needs"])
def test_unknown_sort_fields_are_refused_by_name(client: Any, path: str) -> None:
    for value in ("password_hash", "name desc; drop table solution", "name,password_hash", "id"):
        response = client.get(path, params={"sort": value})
        assert response.status_code == 400, (path, value, response.text)
        assert "sort" in response.json()["errors"]


def test_search_answers_an_unknown_sort_by_relevance(client: Any) -> None:
    """The search API documents its sorts and falls back to relevance (a whitelist)."""
    plain = client.get("/api/search", params={"q": "diabetes"}).json()
    for value in ("password_hash", "name desc; drop table solution"):
        hostile = client.get("/api/search", params={"q": "diabetes", "sort": value})
        assert hostile.status_code == 200
        assert [h["id"] for h in hostile.json()["hits"]] == [h["id"] for h in plain["hits"]]


@pytest.fixture(scope="module")
def wildcard_records(app: Litestar, api_tokens: dict[str, str]) -> str:
    """Records whose names contain the LIKE wildcards literally."""
    tag = uuid.uuid4().hex[:6]
    admin = {"Authorization": f"Bearer {api_tokens['admin']}"}
    with TestClient(app) as client:
        vendor = client.post("/api/vendors", headers=admin, json={"name": f"Rabat 100% a_b\\c {tag}",
                                                                  "country": "DK"})
        assert vendor.status_code == 201, vendor.text
        r = client.post("/api/solutions", headers=admin, json={
            "name": f"Rabat 100% a_b\\c {tag}", "slug": f"wildcard-{tag}", "vendor_id": vendor.json()["id"],
            "short_description_da": "x", "description_da": "x", "purpose": "treatment",
            "treatment_areas": ["kol"], "target_users": "citizen", "origin": "private", "country": "DK",
            "regulatory_class": "none", "published": True})
        assert r.status_code == 201, r.text
    return tag


@pytest.mark.parametrize("path", ["/api/solutions", "/api/vendors", "/api/projects", "/api/needs",
                                  "/api/organisations"])
@pytest.mark.parametrize("q", ["%", "_", "\\", "100%", "a_b", "%%", "_%_"])
def test_like_wildcards_are_literal(client: Any, auth: Any, wildcard_records: str, path: str, q: str) -> None:
    response = client.get(path, params={"q": q, "limit": 100}, headers=auth("admin"))
    assert response.status_code == 200, response.text
    body = response.json()
    names = [item.get("name") or item.get("title") for item in body["items"]]
    assert all(q.lower() in (n or "").lower() for n in names), f"{path}?q={q!r} matched {names[:5]}"
    if path in ("/api/solutions", "/api/vendors") and q in ("%", "_", "\\", "100%", "a_b"):
        assert any(wildcard_records in n for n in names), f"{path}?q={q!r} missed the literal match"


def test_a_literal_percent_does_not_match_everything_on_pages(client: Any, wildcard_records: str) -> None:
    first = client.get("/api/solutions", params={"limit": 1}).json()["items"][0]["slug"]
    everything = client.get("/solutions").text
    percent = client.get("/solutions", params={"q": "%"}).text
    assert f"Rabat 100% a_b\\c {wildcard_records}" in percent
    link = f'href="/solutions/{first}"'
    assert link in everything and (link not in percent or "%" in first)


def test_no_sql_is_built_from_strings_in_the_app() -> None:
    """f-string SQL in the app may only splice in constants or placeholders (checked by
    reading each use; this keeps the list from growing unnoticed)."""
    from app.settings import PROJECT_ROOT

    pattern = re.compile(r"""\b(text|exec_driver_sql|_sql|execute)\((conn, )?\s*f["']|\bsql\s*=\s*\(?f["']""")
    found = sorted(f"{p.relative_to(PROJECT_ROOT)}:{i}" for p in (PROJECT_ROOT / "app").rglob("*.py")
                   for i, line in enumerate(p.read_text().splitlines(), 1) if pattern.search(line))
    reviewed = {"app/search/fts5.py", "app/search/postgres.py", "app/benchmark/loader.py", "app/benchmark/cache.py",
                "app/db/engine.py", "app/catalogue/generate.py"}  # generate: PRAGMA cache_size, a constant or an int
    assert {f.split(":")[0] for f in found} <= reviewed, f"review new SQL built from f-strings: {found}"


@pytest.mark.parametrize("q", ["%", "_", "%%"])
def test_register_search_treats_wildcards_literally(client: Any, q: str) -> None:
    every = client.get("/api/register").json()
    assert every["total"] > 0  # demo decisions are in the register
    found = client.get("/api/register", params={"q": q}).json()
    def searched(e: dict[str, Any]) -> str:
        return " ".join((e["solution"]["name"], e.get("indications") or "", e["register_number"])).lower()
    assert found["total"] == sum(q in searched(e) for e in every["items"])
