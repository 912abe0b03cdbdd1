"""What the FHIR directory serves: the search parameters of each resource type (the one list
the CapabilityStatement and the API's parameter parsing both read, so they cannot drift)."""

from __future__ import annotations

from dataclasses import dataclass

from app.fhir import canonical

HL7_SEARCH_PARAMETER = "http://hl7.org/fhir/SearchParameter"
INTERACTIONS = ("read", "search-type")
# Accepted by every search besides its search parameters (_cursor: the place in a next link).
RESULT_PARAMETERS = frozenset({"_count", "_cursor", "_format", "_include"})
JSON_FORMATS = frozenset({"json", "application/json", "application/fhir+json"})  # values of _format


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
COUNT = SearchParam("_count", "number", "Resources per page; the Bundle's next link gives the page after.")
APPROVAL_STATUS = SearchParam(
    "status", "token", f"The approval status of the register entry, a code of {canonical.APPROVAL_STATUS_SYSTEM} "
    "(approved, temporarily_approved, revoked, expired, rejected).")
TREATMENT_AREA = SearchParam(
    "treatment-area", "token", f"A treatment area, a code of {canonical.TREATMENT_AREA_SYSTEM} (e.g. kol, diabetes).")


def _conformance(resource: str) -> tuple[SearchParam, ...]:
    return (ID,
            SearchParam("url", "uri", f"The {resource}'s canonical URL.", f"{HL7_SEARCH_PARAMETER}/conformance-url"),
            SearchParam("name", "string", f"The {resource}'s computer-friendly name (starts with, any case).",
                        f"{HL7_SEARCH_PARAMETER}/conformance-name"),
            SearchParam("status", "token", "Publication status: draft, active or retired.",
                        f"{HL7_SEARCH_PARAMETER}/conformance-status"))


SEARCH_PARAMETERS: dict[str, tuple[SearchParam, ...]] = {
    "DeviceDefinition": (
        ID, LAST_UPDATED,
        SearchParam("identifier", "token", f"The register number ({canonical.REGISTER_NUMBER_SYSTEM}|BT-YYYY-NNNN) "
                    f"or the solution's slug ({canonical.SOLUTION_SLUG_SYSTEM}|slug); system| may be left out.",
                    f"{HL7_SEARCH_PARAMETER}/DeviceDefinition-identifier"),
        SearchParam("name", "string", "The solution's name (deviceName): starts with, any case."),
        APPROVAL_STATUS, TREATMENT_AREA),
    "Organization": (
        ID, LAST_UPDATED,
        SearchParam("identifier", "token", f"The vendor's slug ({canonical.VENDOR_SLUG_SYSTEM}|slug).",
                    f"{HL7_SEARCH_PARAMETER}/Organization-identifier"),
        SearchParam("name", "string", "The vendor's name: starts with, any case.",
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
