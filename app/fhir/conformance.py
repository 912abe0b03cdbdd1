"""What the FHIR directory serves: the search parameters of each resource type (the one list
the CapabilityStatement and the API's parameter parsing both read, so they cannot drift)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.fhir import canonical

HL7_SEARCH_PARAMETER = "http://hl7.org/fhir/SearchParameter"
INTERACTIONS = ("read", "search-type")
# Accepted by every search besides its search parameters (_cursor: the place in a next link).
RESULT_PARAMETERS = frozenset({"_count", "_cursor", "_format", "_include"})
STRING_MODIFIERS = frozenset({"contains", "exact"})  # of a string parameter (name)
JSON_FORMATS = frozenset({"json", "application/json", "application/fhir+json"})  # values of _format
# Formats FHIR defines that this server does not write: 406, not 400.
OTHER_FORMATS = frozenset({"xml", "text/xml", "application/xml", "application/fhir+xml", "ttl",
                           "application/fhir+turtle", "text/turtle", "html", "text/html"})


@dataclass(frozen=True)
class SearchParam:
    name: str
    type: str  # FHIR search parameter type: token, string, date, number, uri
    documentation: str
    definition: str | None = None  # the HL7 SearchParameter, when the parameter is a standard one


ID = SearchParam("_id", "token", "The resource id. Ids may change when the register is re-imported: "
                 "keep identifiers, not ids.", f"{HL7_SEARCH_PARAMETER}/Resource-id")
LAST_UPDATED = SearchParam(
    "_lastUpdated", "date", "When the resource last changed, with a prefix (ge, gt, le, lt, eq): "
    "a client syncs the register by asking for what changed since its last run and following the "
    "Bundle's next links to the end.", f"{HL7_SEARCH_PARAMETER}/Resource-lastUpdated")
# Listed in the CapabilityStatement for the resources that page (a result parameter, not a search one).
COUNT = SearchParam("_count", "number", "Resources per page, 0 to 200 (20 when left out); the Bundle's next "
                    "link gives the page after.")
CURSOR = SearchParam("_cursor", "string", "Where the previous page ended: written by the server into the Bundle's "
                     "next link; a client follows the link and never writes it.")
NAME_MODIFIERS = "; name:contains finds it anywhere (any case), name:exact only as written."
APPROVAL_STATUS = SearchParam(
    "status", "token", f"The approval status of the register entry, a code of {canonical.APPROVAL_STATUS_SYSTEM} "
    "(approved, temporarily_approved, revoked, expired, rejected).")
TREATMENT_AREA = SearchParam(
    "treatment-area", "token", f"A treatment area, a code of {canonical.TREATMENT_AREA_SYSTEM} (e.g. kol, diabetes).")


def _conformance(resource: str) -> tuple[SearchParam, ...]:
    return (ID,
            SearchParam("url", "uri", f"The {resource}'s canonical URL.", f"{HL7_SEARCH_PARAMETER}/conformance-url"),
            SearchParam("name", "string", f"The {resource}'s computer-friendly name: starts with, any case"
                        + NAME_MODIFIERS,
                        f"{HL7_SEARCH_PARAMETER}/conformance-name"),
            SearchParam("status", "token", "Publication status: draft, active or retired.",
                        f"{HL7_SEARCH_PARAMETER}/conformance-status"))


SEARCH_PARAMETERS: dict[str, tuple[SearchParam, ...]] = {
    "DeviceDefinition": (
        ID, LAST_UPDATED,
        SearchParam("identifier", "token", f"The register number ({canonical.REGISTER_NUMBER_SYSTEM}|BT-YYYY-NNNN) "
                    f"or the solution's slug ({canonical.SOLUTION_SLUG_SYSTEM}|slug); system| may be left out.",
                    f"{HL7_SEARCH_PARAMETER}/DeviceDefinition-identifier"),
        SearchParam("name", "string", "The solution's name (deviceName): starts with, any case" + NAME_MODIFIERS),
        APPROVAL_STATUS, TREATMENT_AREA),
    "Organization": (
        ID, LAST_UPDATED,
        SearchParam("identifier", "token", f"The vendor's CVR number ({canonical.CVR_SYSTEM}|12345678); "
                    "system| may be left out.",
                    f"{HL7_SEARCH_PARAMETER}/Organization-identifier"),
        SearchParam("name", "string", "The vendor's name: starts with, any case" + NAME_MODIFIERS,
                    f"{HL7_SEARCH_PARAMETER}/Organization-name")),
    "CatalogEntry": (
        ID, LAST_UPDATED,
        SearchParam("identifier", "token", f"The register number ({canonical.REGISTER_NUMBER_SYSTEM}|BT-YYYY-NNNN)."),
        APPROVAL_STATUS),
    "CodeSystem": _conformance("CodeSystem"),
    "ValueSet": _conformance("ValueSet"),
    "StructureDefinition": _conformance("StructureDefinition"),
}

INCLUDES: dict[str, frozenset[str]] = {"DeviceDefinition": frozenset({"DeviceDefinition:manufacturer"})}
PAGED = ("DeviceDefinition", "Organization", "CatalogEntry")  # searched with _count and next links

PROFILES: dict[str, str] = {"DeviceDefinition": canonical.SOLUTION_PROFILE,
                            "Organization": canonical.VENDOR_PROFILE,
                            "CatalogEntry": canonical.REGISTER_ENTRY_PROFILE}


def parameter_names(resource_type: str) -> frozenset[str]:
    """The names of the search parameters a search of this type accepts (beside RESULT_PARAMETERS)."""
    return frozenset(p.name for p in SEARCH_PARAMETERS[resource_type])


STATEMENT_URL = f"{canonical.CANONICAL_BASE}/CapabilityStatement/blaastempel"
STATEMENT_DATE = "2026-12-04"


def _search_param(param: SearchParam) -> dict[str, str]:
    entry = {"name": param.name, "type": param.type, "documentation": param.documentation}
    return entry | ({"definition": param.definition} if param.definition else {})


def _resource(resource_type: str) -> dict[str, Any]:
    params = [*SEARCH_PARAMETERS[resource_type], *((COUNT, CURSOR) if resource_type in PAGED else ())]
    resource: dict[str, Any] = {"type": resource_type}
    if resource_type in PROFILES:
        resource["profile"] = PROFILES[resource_type]
    resource |= {"interaction": [{"code": code} for code in INTERACTIONS], "readHistory": False,
                 "updateCreate": False}
    if resource_type in INCLUDES:
        resource["searchInclude"] = sorted(INCLUDES[resource_type])
    return resource | {"searchParam": [_search_param(p) for p in params]}


def capability_statement(base_url: str, software_version: str) -> dict[str, Any]:
    """What this server does, for GET /fhir/metadata: read and search, JSON only, no login."""
    return {
        "resourceType": "CapabilityStatement", "url": STATEMENT_URL, "version": software_version,
        "name": "BlaastempelDirectory", "title": "Blåstempel-registret som FHIR-katalog", "status": "active",
        "experimental": False, "date": STATEMENT_DATE, "publisher": "Blåstempel",
        "description": "The published part of the Blåstempel register (solutions, vendors and register "
                       "entries) and its own vocabularies and profiles, read-only. Only published data; no "
                       "login. Keep identifiers, not resource ids.",
        "kind": "instance",
        "software": {"name": "Blåstempel", "version": software_version},
        "implementation": {"description": "Blåstempel: Denmark's register of digital health solutions",
                           "url": f"{base_url.rstrip('/')}/fhir"},
        "fhirVersion": canonical.FHIR_VERSION, "format": ["json"],
        "rest": [{"mode": "server",
                  "documentation": "Read and search. Errors are OperationOutcome resources with the HTTP status.",
                  "security": {"cors": False, "description": "No authentication: the directory serves only "
                                                             "what the public register shows."},
                  "resource": [_resource(t) for t in SEARCH_PARAMETERS]}],
    }
