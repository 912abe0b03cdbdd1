"""GET /fhir/metadata and the directory's own conformance resources: CodeSystem, ValueSet and
StructureDefinition, read by id or searched (a Bundle searchset). No login: all public."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from importlib import metadata
from typing import Annotated, Any

from litestar import Request, Response, Router, get
from litestar.openapi import ResponseSpec
from litestar.params import QueryParameter

from app.fhir import conformance, terminology
from app.fhir.outcome import EXCEPTION_HANDLERS, FHIR_JSON, FhirError
from app.fhir.params import check_format
from app.fhir.profiles import structure_definitions

Resource = dict[str, Any]

# The parameters as the OpenAPI schema shows them (so the fuzz and hostile-input tests reach
# them). The handlers read the raw query, where a parameter may repeat or carry a modifier.
Format = Annotated[str | None, QueryParameter(name="_format", description="json (the only format served)")]
Ids = Annotated[str | None, QueryParameter(name="_id", description="resource ids, comma-separated")]
Url = Annotated[str | None, QueryParameter(name="url", description="canonical URL, optionally url|version")]
Name = Annotated[str | None, QueryParameter(name="name", description="name, starts with (any case); "
                                                                "name:exact, name:contains")]
Status = Annotated[str | None, QueryParameter(name="status", description="draft, active or retired")]


def _outcome(description: str) -> ResponseSpec:
    return ResponseSpec(dict[str, Any], media_type=FHIR_JSON, description=f"OperationOutcome: {description}",
                        generate_examples=False)


SEARCH_ERRORS = {400: _outcome("a parameter is unknown or its value is not valid"),
                 406: _outcome("_format asks for a format other than JSON")}
READ_ERRORS = SEARCH_ERRORS | {404: _outcome("no resource has this id")}


def _resources(resource_type: str) -> tuple[Resource, ...]:
    if resource_type == "CodeSystem":
        return terminology.code_systems()
    if resource_type == "ValueSet":
        return terminology.value_sets()
    return structure_definitions()


def _base_url(request: Request) -> str:
    return f"{request.app.state.settings.base_url.rstrip('/')}/fhir"


def _fhir(resource: Resource) -> Response[Resource]:
    return Response(resource, media_type=FHIR_JSON)


def _string_match(modifier: str | None, wanted: str) -> Callable[[str], bool]:
    """FHIR string search: starts with, any case; :exact as written; :contains anywhere, any case."""
    if modifier == "exact":
        return lambda value: value == wanted
    folded = wanted.casefold()
    if modifier == "contains":
        return lambda value: folded in value.casefold()
    return lambda value: value.casefold().startswith(folded)


def _matcher(name: str, modifier: str | None, value: str) -> Callable[[Resource], bool]:
    """A resource test for one parameter; comma-separated values match any of them."""
    values = value.split(",")
    if name == "name":
        tests = [_string_match(modifier, v) for v in values]
        return lambda r: any(test(r.get("name", "")) for test in tests)
    if name == "url":  # canonical, optionally url|version
        return lambda r: any(v in (r["url"], f"{r['url']}|{r.get('version')}") for v in values)
    field = "id" if name == "_id" else name
    return lambda r: r.get(field) in values


def _criteria(resource_type: str, query: Iterable[tuple[str, str]]) -> list[Callable[[Resource], bool]]:
    """The query's tests (all must hold), or a FhirError naming the parameter at fault."""
    names = conformance.parameter_names(resource_type)
    tests = []
    for key, value in query:
        name, _, modifier = key.partition(":")
        if key == "_format":
            check_format([value], None)
            continue
        if name not in names:
            raise FhirError(400, "not-supported", f"{key}: not a search parameter of {resource_type} "
                            f"(known: {', '.join(sorted(names | {'_format'}))})", key)
        if modifier and not (name == "name" and modifier in conformance.STRING_MODIFIERS):
            raise FhirError(400, "not-supported", f"{key}: the modifier {modifier!r} is not supported", key)
        if not value:
            raise FhirError(400, "invalid", f"{key}: a value is needed", key)
        tests.append(_matcher(name, modifier or None, value))
    return tests


def _bundle(request: Request, resource_type: str, found: list[Resource]) -> Resource:
    base = _base_url(request)
    query = f"?{request.url.query}" if request.url.query else ""
    return {"resourceType": "Bundle", "type": "searchset", "total": len(found),
            "link": [{"relation": "self", "url": f"{base}/{resource_type}{query}"}],
            "entry": [{"fullUrl": f"{base}/{resource_type}/{r['id']}", "resource": r, "search": {"mode": "match"}}
                      for r in found]}


def _search(request: Request, resource_type: str) -> Response[Resource]:
    tests = _criteria(resource_type, request.query_params.multi_items())
    found = [r for r in _resources(resource_type) if all(test(r) for test in tests)]
    return _fhir(_bundle(request, resource_type, found))


def _read(request: Request, resource_type: str, resource_id: str) -> Response[Resource]:
    for key, value in request.query_params.multi_items():
        if key != "_format":
            raise FhirError(400, "not-supported", f"{key}: a read takes no parameters but _format", key)
        check_format([value], None)
    for resource in _resources(resource_type):
        if resource["id"] == resource_id:
            return _fhir(resource)
    raise FhirError(404, "not-found", f"{resource_type}/{resource_id} is not known")


@get("/metadata", sync_to_thread=False, media_type=FHIR_JSON, responses=SEARCH_ERRORS)
def capability_statement(request: Request, _format: Format = None) -> Response[Resource]:
    """The CapabilityStatement: what this FHIR server reads and searches."""
    for key, value in request.query_params.multi_items():
        if key not in ("_format", "mode"):
            raise FhirError(400, "not-supported", f"{key}: /metadata takes only _format and mode", key)
        if key == "_format":
            check_format([value], None)
    return _fhir(conformance.capability_statement(request.app.state.settings.base_url,
                                                  metadata.version("blaastempel")))


@get("/CodeSystem", sync_to_thread=False, media_type=FHIR_JSON, responses=SEARCH_ERRORS)
def search_code_systems(request: Request, _id: Ids = None, url: Url = None, name: Name = None,
                        status: Status = None, _format: Format = None) -> Response[Resource]:
    """Our own vocabularies (searched by _id, url, name, status)."""
    return _search(request, "CodeSystem")


@get("/CodeSystem/{resource_id:str}", sync_to_thread=False, media_type=FHIR_JSON, responses=READ_ERRORS)
def read_code_system(request: Request, resource_id: str, _format: Format = None) -> Response[Resource]:
    return _read(request, "CodeSystem", resource_id)


@get("/ValueSet", sync_to_thread=False, media_type=FHIR_JSON, responses=SEARCH_ERRORS)
def search_value_sets(request: Request, _id: Ids = None, url: Url = None, name: Name = None,
                      status: Status = None, _format: Format = None) -> Response[Resource]:
    """A value set over each vocabulary, and the ICD-10 indications (searched by _id, url, name, status)."""
    return _search(request, "ValueSet")


@get("/ValueSet/{resource_id:str}", sync_to_thread=False, media_type=FHIR_JSON, responses=READ_ERRORS)
def read_value_set(request: Request, resource_id: str, _format: Format = None) -> Response[Resource]:
    return _read(request, "ValueSet", resource_id)


@get("/StructureDefinition", sync_to_thread=False, media_type=FHIR_JSON, responses=SEARCH_ERRORS)
def search_structure_definitions(request: Request, _id: Ids = None, url: Url = None, name: Name = None,
                                 status: Status = None, _format: Format = None) -> Response[Resource]:
    """Our profiles and extensions (searched by _id, url, name, status)."""
    return _search(request, "StructureDefinition")


@get("/StructureDefinition/{resource_id:str}", sync_to_thread=False, media_type=FHIR_JSON, responses=READ_ERRORS)
def read_structure_definition(request: Request, resource_id: str, _format: Format = None) -> Response[Resource]:
    return _read(request, "StructureDefinition", resource_id)


ROUTER = Router(path="/fhir", exception_handlers=EXCEPTION_HANDLERS, tags=["FHIR"], route_handlers=[
    capability_statement, search_code_systems, read_code_system, search_value_sets, read_value_set,
    search_structure_definitions, read_structure_definition])
