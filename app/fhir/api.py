"""The FHIR R4 directory under /fhir: read and search of the published register as
DeviceDefinition (solution), Organization (vendor) and CatalogEntry (register entry).

No login: every reader gets what the public register shows. Answers are
application/fhir+json; errors are OperationOutcomes with the HTTP status."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from litestar import Request, Response
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import QueryParameter
from litestar.types import ControllerRouterHandler
from sqlalchemy.orm import Session

from app.fhir import services
from app.fhir.outcome import FHIR_JSON, FhirError, operation_outcome
from app.fhir.params import Cursor, check_format, parse_search
from app.fhir.resources import instant
from app.web.routing import get

Resource = dict[str, Any]
Values = list[str] | None


def fhir_response(body: Resource, status: int = 200) -> Response[Resource]:
    return Response(body, status_code=status, media_type=f"{FHIR_JSON}; charset=utf-8")


def _answer(request: Request, work: Callable[[], Resource]) -> Response[Any]:
    try:
        check_format(request.query_params.getall("_format", []), request.headers.get("accept"))
        return fhir_response(work())
    except FhirError as error:
        return operation_outcome(error.status, error.code, error.diagnostics, expression=error.expression)


def _base(request: Request) -> str:
    return f"{request.app.state.settings.base_url}/fhir"


def _link(request: Request, resource: str, cursor: Cursor | None = None) -> str:
    """The search's URL (on BLAASTEMPEL_BASE_URL, never the Host header); with `cursor`, the
    same search from there on."""
    items = list(request.query_params.multi_items())
    if cursor is not None:
        items = [(k, v) for k, v in items if k != "_cursor"] + [("_cursor", cursor.text())]
    query = urlencode(items)
    return f"{_base(request)}/{resource}" + (f"?{query}" if query else "")


def _entry(base: str, resource: Resource, mode: str) -> Resource:
    return {"fullUrl": f"{base}/{resource['resourceType']}/{resource['id']}", "resource": resource,
            "search": {"mode": mode}}


def searchset(request: Request, resource: str, page: services.Page, started: datetime) -> Resource:
    """The Bundle of one page. meta.lastUpdated is when the search began: a syncing client
    keeps it for its next _lastUpdated (see the README's sync recipe)."""
    base = _base(request)
    links = [{"relation": "self", "url": _link(request, resource)}]
    if page.next_cursor is not None:
        links.append({"relation": "next", "url": _link(request, resource, page.next_cursor)})
    return {"resourceType": "Bundle", "meta": {"lastUpdated": instant(started)}, "type": "searchset",
            "total": page.total, "link": links,
            "entry": [_entry(base, r, "match") for r in page.resources]
            + [_entry(base, r, "include") for r in page.included]}


def _search(request: Request, db: Session, resource: str) -> Response[Resource]:
    def work() -> Resource:
        started = datetime.now(UTC)
        search = parse_search(resource, request.query_params.multi_items())
        return searchset(request, resource, services.SEARCHES[resource](db, search), started)
    return _answer(request, work)


def _read(request: Request, db: Session, resource: str, resource_id: str) -> Response[Resource]:
    def work() -> Resource:
        unknown = sorted(set(request.query_params) - {"_format"})
        if unknown:
            raise FhirError(400, "not-supported", f"{unknown[0]}: a read takes only _format", unknown[0])
        return services.READS[resource](db, resource_id)
    return _answer(request, work)


# The parameters below are declared for the OpenAPI schema; the search reads them (with their
# repeats and modifiers such as name:contains) from the query string, where an unknown one is refused.
Identifier = Annotated[Values, QueryParameter(description="system|value, |value or value; a comma means or")]
Name = Annotated[Values, QueryParameter(description="starts with (any case; name:contains, name:exact)")]
Status = Annotated[Values, QueryParameter(description="approval status: approved, temporarily_approved, "
                                                 "revoked, expired, rejected")]
Area = Annotated[Values, QueryParameter(name="treatment-area", description="treatment area code")]
Ids = Annotated[Values, QueryParameter(name="_id", description="resource ids; a comma means or")]
LastUpdated = Annotated[Values, QueryParameter(name="_lastUpdated", description="e.g. ge2026-12-04T10:00:00Z")]
Count = Annotated[str | None, QueryParameter(name="_count", description="entries per page, 0-200 (20)")]
Cursor_ = Annotated[str | None, QueryParameter(name="_cursor", description="from the Bundle's next link")]
Format = Annotated[str | None, QueryParameter(name="_format", description="json")]
Include = Annotated[Values, QueryParameter(name="_include", description="DeviceDefinition:manufacturer")]
TAGS = ["fhir"]
OUTCOMES = {status: ResponseSpec(Resource, description=f"OperationOutcome: {why}", media_type=FHIR_JSON)
            for status, why in ((400, "a parameter or value refused, named in the issue"),
                                (404, "no such published record"), (406, "a format other than JSON"))}


@get("/fhir/DeviceDefinition", tags=TAGS, media_type=FHIR_JSON, responses=OUTCOMES,
     summary="FHIR search: published solutions as DeviceDefinition (Bundle searchset)")
def search_device_definition(request: Request, db: Session, identifier: Identifier = None, name: Name = None,
                             status: Status = None, treatment_area: Area = None, ids: Ids = None,
                             last_updated: LastUpdated = None, count: Count = None, cursor: Cursor_ = None,
                             format_: Format = None, include: Include = None) -> Response[Resource]:
    return _search(request, db, "DeviceDefinition")


@get("/fhir/DeviceDefinition/{resource_id:str}", tags=TAGS, media_type=FHIR_JSON, responses=OUTCOMES,
     summary="FHIR read: a published solution")
def read_device_definition(request: Request, db: Session, resource_id: str,
                           format_: Format = None) -> Response[Resource]:
    return _read(request, db, "DeviceDefinition", resource_id)


@get("/fhir/Organization", tags=TAGS, media_type=FHIR_JSON, responses=OUTCOMES,
     summary="FHIR search: vendors as Organization (Bundle searchset)")
def search_organization(request: Request, db: Session, identifier: Identifier = None, name: Name = None,
                        ids: Ids = None, last_updated: LastUpdated = None, count: Count = None,
                        cursor: Cursor_ = None, format_: Format = None) -> Response[Resource]:
    return _search(request, db, "Organization")


@get("/fhir/Organization/{resource_id:str}", tags=TAGS, media_type=FHIR_JSON, responses=OUTCOMES,
     summary="FHIR read: a vendor")
def read_organization(request: Request, db: Session, resource_id: str, format_: Format = None) -> Response[Resource]:
    return _read(request, db, "Organization", resource_id)


@get("/fhir/CatalogEntry", tags=TAGS, media_type=FHIR_JSON, responses=OUTCOMES,
     summary="FHIR search: register entries (approvals) as CatalogEntry (Bundle searchset)")
def search_catalog_entry(request: Request, db: Session, identifier: Identifier = None, status: Status = None,
                         ids: Ids = None, last_updated: LastUpdated = None, count: Count = None,
                         cursor: Cursor_ = None, format_: Format = None) -> Response[Resource]:
    return _search(request, db, "CatalogEntry")


@get("/fhir/CatalogEntry/{resource_id:str}", tags=TAGS, media_type=FHIR_JSON, responses=OUTCOMES,
     summary="FHIR read: a register entry")
def read_catalog_entry(request: Request, db: Session, resource_id: str, format_: Format = None) -> Response[Resource]:
    return _read(request, db, "CatalogEntry", resource_id)


ROUTES: list[ControllerRouterHandler] = [
    search_device_definition, read_device_definition, search_organization, read_organization,
    search_catalog_entry, read_catalog_entry,
]
