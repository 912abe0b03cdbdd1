"""GET /fhir/metadata and the conformance resources: valid R4, the statement made from the same
search parameter list the API parses, reads and searches as Bundles, no login, and every
refusal an OperationOutcome with the right HTTP status."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import TestClient

from app.fhir import canonical, conformance, terminology
from app.fhir.profiles import structure_definitions
from tests.fhir.r4 import validate

FHIR_JSON = "application/fhir+json"


def _fhir(response: Any, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(FHIR_JSON)
    body = response.json()
    validate(body)
    return body


def _outcome(response: Any, status: int, code: str) -> dict[str, Any]:
    body = _fhir(response, status)
    assert body["resourceType"] == "OperationOutcome"
    (issue,) = body["issue"]
    assert issue["severity"] == "error" and issue["code"] == code and issue["diagnostics"]
    return issue


# A valid value of each declared parameter (a status: the register's or a publication status).
SAMPLES = {"_id": "1", "_lastUpdated": "ge2020-01-01", "identifier": "BT-2026-0001", "name": "a",
           "treatment-area": "kol", "url": canonical.TREATMENT_AREA_SYSTEM, "_count": "5", "_cursor": "1-1"}


def test_the_api_accepts_what_the_statement_declares_and_nothing_else(client: TestClient) -> None:
    (rest,) = _fhir(client.get("/fhir/metadata"))["rest"]
    for resource in rest["resource"]:
        kind = resource["type"]
        status = "approved" if kind in conformance.PAGED else "active"
        for param in resource["searchParam"]:
            values = [SAMPLES.get(param["name"], status)]
            names = [param["name"], *(f"name:{m}" for m in conformance.STRING_MODIFIERS if param["name"] == "name")]
            for name in names:
                _fhir(client.get(f"/fhir/{kind}", params={name: values[0], "_format": "json"}))
        for include in resource.get("searchInclude", []):
            _fhir(client.get(f"/fhir/{kind}", params={"_include": include}))
        declared = {p["name"] for p in resource["searchParam"]}
        for name in sorted({"_sort", "_summary", "_elements", "_revinclude", "_has", "type", "family",
                            "publisher", "manufacturer", "_include", "treatment-area", "identifier", "url",
                            "status:not", "name:text", "_count"} - declared):
            value = "Organization:partof" if name == "_include" else "x"
            assert client.get(f"/fhir/{kind}", params={name: value}).status_code == 400, (kind, name)


def test_the_capability_statement(client: TestClient) -> None:
    statement = _fhir(client.get("/fhir/metadata"))
    assert statement["resourceType"] == "CapabilityStatement"
    assert statement["kind"] == "instance" and statement["fhirVersion"] == "4.0.1" and statement["format"] == ["json"]
    assert statement["implementation"]["url"] == "http://127.0.0.1:8000/fhir"  # BLAASTEMPEL_BASE_URL, not Host
    assert statement["software"]["name"] == "Blåstempel"
    (rest,) = statement["rest"]
    assert rest["mode"] == "server"
    resources = {r["type"]: r for r in rest["resource"]}
    assert list(resources) == ["DeviceDefinition", "Organization", "CatalogEntry", "CodeSystem", "ValueSet",
                               "StructureDefinition"]
    for resource_type, resource in resources.items():
        assert [i["code"] for i in resource["interaction"]] == ["read", "search-type"]
        names = {p["name"] for p in resource["searchParam"]}
        paged = {"_count", "_cursor"} if resource_type in conformance.PAGED else set()
        assert names == conformance.parameter_names(resource_type) | paged
        assert resource.get("profile") == conformance.PROFILES.get(resource_type)
    assert resources["DeviceDefinition"]["searchInclude"] == ["DeviceDefinition:manufacturer"]
    assert {"identifier", "name", "status", "treatment-area", "_lastUpdated", "_id"} <= {
        p["name"] for p in resources["DeviceDefinition"]["searchParam"]}
    assert _fhir(client.get("/fhir/metadata", params={"_format": "json"})) == statement


@pytest.mark.parametrize(("resource_type", "resources"), [
    ("CodeSystem", terminology.code_systems()), ("ValueSet", terminology.value_sets()),
    ("StructureDefinition", structure_definitions())])
def test_read_and_search_every_conformance_resource(client: TestClient, resource_type: str,
                                                    resources: tuple[dict, ...]) -> None:
    bundle = _fhir(client.get(f"/fhir/{resource_type}"))
    assert bundle["type"] == "searchset" and bundle["total"] == len(resources) == len(bundle["entry"])
    assert bundle["link"] == [{"relation": "self", "url": f"http://127.0.0.1:8000/fhir/{resource_type}"}]
    for entry, resource in zip(bundle["entry"], resources, strict=True):
        assert entry["resource"] == resource
        assert entry["fullUrl"] == f"http://127.0.0.1:8000/fhir/{resource_type}/{resource['id']}"
        assert _fhir(client.get(f"/fhir/{resource_type}/{resource['id']}")) == resource


def _found(client: TestClient, path: str, **params: str) -> list[str]:
    return [e["resource"]["id"] for e in _fhir(client.get(path, params=params))["entry"]]


def test_search_by_url_name_status_and_id(client: TestClient) -> None:
    path = "/fhir/StructureDefinition"
    assert _found(client, path, url=canonical.SOLUTION_PROFILE) == ["BlaastempelSolution"]
    assert _found(client, path, url=f"{canonical.SOLUTION_PROFILE}|1.0.0") == ["BlaastempelSolution"]
    assert _found(client, path, url=f"{canonical.SOLUTION_PROFILE}|0.9") == []
    assert _found(client, path, name="blaastempelv") == ["BlaastempelVendor"]  # starts with, any case
    assert _found(client, path, **{"name:exact": "blaastempelvendor"}) == []
    assert _found(client, path, **{"name:contains": "REGISTERENTRY"}) == [
        "BlaastempelRegisterEntry", "loesning"]
    assert _found(client, "/fhir/CodeSystem", _id="platform,formaal") == ["platform", "formaal"]
    assert len(_found(client, "/fhir/ValueSet", status="active")) == len(terminology.value_sets())
    assert _found(client, "/fhir/ValueSet", status="retired") == []
    assert _found(client, "/fhir/ValueSet", url=canonical.INDICATION_VALUE_SET, _format="application/fhir+json") == [
        "indikation"]


def test_no_login_is_needed(app: Any) -> None:
    with TestClient(app) as anonymous:
        assert anonymous.get("/fhir/ValueSet/godkendelsesstatus").status_code == 200
        assert anonymous.get("/fhir/metadata").status_code == 200


def test_an_unknown_id_is_404(client: TestClient) -> None:
    issue = _outcome(client.get("/fhir/CodeSystem/findes-ikke"), 404, "not-found")
    assert "CodeSystem/findes-ikke" in issue["diagnostics"]
    _outcome(client.get("/fhir/StructureDefinition/BlaastempelSolution.json"), 404, "not-found")
    _outcome(client.get("/fhir/ValueSet/%27%20OR%201=1--"), 404, "not-found")


@pytest.mark.parametrize(("path", "params", "status", "code"), [
    ("/fhir/CodeSystem", {"title": "x"}, 400, "not-supported"),
    ("/fhir/CodeSystem", {"_count": "5"}, 400, "not-supported"),
    ("/fhir/ValueSet", {"url:below": "https://fhir.blaastempel.dk"}, 400, "not-supported"),
    ("/fhir/ValueSet", {"name": ""}, 400, "invalid"),
    ("/fhir/StructureDefinition", {"_format": "xml"}, 406, "not-supported"),
    ("/fhir/StructureDefinition/BlaastempelSolution", {"_format": "application/fhir+xml"}, 406, "not-supported"),
    ("/fhir/StructureDefinition/BlaastempelSolution", {"_elements": "url"}, 400, "not-supported"),
    ("/fhir/metadata", {"_summary": "true"}, 400, "not-supported"),
    ("/fhir/metadata", {"_format": "text/turtle"}, 406, "not-supported"),
    ("/fhir/metadata", {"_format": "' OR 1=1 --"}, 400, "invalid"),
])
def test_bad_parameters_are_an_operation_outcome(client: TestClient, path: str, params: dict[str, str],
                                                 status: int, code: str) -> None:
    """Each names the parameter at fault, in diagnostics and as the issue's expression."""
    (parameter,) = params
    issue = _outcome(client.get(path, params=params), status, code)
    assert issue["expression"] == [parameter] and parameter in issue["diagnostics"]


def test_a_write_is_refused_as_an_operation_outcome(client: TestClient) -> None:
    _outcome(client.post("/fhir/CodeSystem", json={"resourceType": "CodeSystem"}), 405, "not-supported")


def test_a_path_no_route_serves_is_an_operation_outcome(client: TestClient) -> None:
    _outcome(client.get("/fhir/Patient"), 404, "not-found")
    assert client.get("/api/nowhere").json()["status_code"] == 404  # the rest of the app is as before


def test_a_failure_is_a_500_operation_outcome(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken() -> tuple[dict, ...]:
        raise RuntimeError("broken")

    monkeypatch.setattr(terminology, "code_systems", broken)
    issue = _outcome(client.get("/fhir/CodeSystem"), 500, "exception")
    assert "broken" not in issue["diagnostics"]  # no internals to the caller
