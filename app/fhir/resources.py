"""Register records as FHIR R4 resources (plain dicts, JSON as FHIR writes it). Pure: the
caller loads the records and decides what the public may see.

Danish first: names, descriptions and code displays are the Danish ones. Every coded value
is written by terminology.coding: the stored code, in a code system we serve (or ICD-10), with
its Danish display; a code the system does not define raises rather than reach a client."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from app.approvals import lifecycle as lc
from app.approvals.models import ApprovalCase
from app.approvals.services import state_of
from app.catalogue.models import Solution, Vendor
from app.fhir import canonical as c
from app.fhir.terminology import coding

Resource = dict[str, Any]


def instant(moment: datetime) -> str:
    """A FHIR instant in UTC ("2026-12-04T18:35:46.123456Z")."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def solution_updated(solution: Solution, case: ApprovalCase | None) -> datetime:
    """The newest change of anything a DeviceDefinition shows: the solution and, once it has
    a register number, its register case."""
    if case is not None and case.register_number and case.updated_at > solution.updated_at:
        return case.updated_at
    return solution.updated_at


def _coded(url: str, system: str, code: str) -> dict[str, Any]:
    return {"url": url, "valueCoding": coding(system, code)}


def _price(solution: Solution) -> dict[str, Any]:
    parts: list[dict[str, Any]] = [{"url": "amount", "valueMoney": {"value": float(solution.price_dkk or 0),
                                                                    "currency": c.CURRENCY}}]
    if solution.price_unit:
        parts.append({"url": "unit", "valueCoding": coding(c.PRICE_UNIT_SYSTEM, solution.price_unit)})
    return {"url": c.PRICE_EXTENSION, "extension": parts}


def solution_extensions(solution: Solution) -> list[dict[str, Any]]:
    out = [_coded(c.TREATMENT_AREA_EXTENSION, c.TREATMENT_AREA_SYSTEM, a.code) for a in solution.treatment_areas]
    out += [_coded(c.INDICATION_EXTENSION, c.ICD10_SYSTEM, code) for code in solution.indications or []]
    out += [_coded(c.CONTRAINDICATION_EXTENSION, c.ICD10_SYSTEM, code) for code in solution.contraindications or []]
    out += [_coded(c.PLATFORM_EXTENSION, c.PLATFORM_SYSTEM, p) for p in solution.platforms or []]
    out.append(_coded(c.REGULATORY_CLASS_EXTENSION, c.REGULATORY_CLASS_SYSTEM, solution.regulatory_class))
    if solution.licence_model:
        out.append(_coded(c.LICENCE_MODEL_EXTENSION, c.LICENCE_MODEL_SYSTEM, solution.licence_model))
    if solution.price_dkk is not None:
        out.append(_price(solution))
    return out


def device_definition(solution: Solution, case: ApprovalCase | None) -> Resource:
    """A published solution (profile BlaastempelSolution)."""
    identifiers = [{"system": c.SOLUTION_SLUG_SYSTEM, "value": solution.slug}]
    if case is not None and case.register_number:
        identifiers.append({"system": c.REGISTER_NUMBER_SYSTEM, "value": case.register_number})
    resource: Resource = {
        "resourceType": "DeviceDefinition",
        "id": str(solution.id),
        "meta": {"lastUpdated": instant(solution_updated(solution, case)), "profile": [c.SOLUTION_PROFILE]},
        "extension": solution_extensions(solution),
        "identifier": identifiers,
        "manufacturerReference": {"reference": f"Organization/{solution.vendor_id}"},
        "deviceName": [{"name": solution.name, "type": "user-friendly-name"}],
        "type": {"coding": [coding(c.PURPOSE_SYSTEM, solution.purpose)]},
    }
    if solution.languages:
        # BCP 47 language tags: a code system of its own, not one of ours, so no display.
        resource["languageCode"] = [{"coding": [{"system": c.LANGUAGE_SYSTEM, "code": code}]}
                                    for code in solution.languages]
    if solution.website:
        resource["onlineInformation"] = solution.website
    if solution.short_description_da:
        resource["note"] = [{"text": solution.short_description_da}]
    return resource


def organization(vendor: Vendor) -> Resource:
    """A vendor (profile BlaastempelVendor): the manufacturer of its solutions."""
    resource: Resource = {
        "resourceType": "Organization",
        "id": str(vendor.id),
        "meta": {"lastUpdated": instant(vendor.updated_at), "profile": [c.VENDOR_PROFILE]},
        "active": True,
        "name": vendor.name,
        "address": [{"country": vendor.country}],
    }
    if vendor.cvr:
        resource["identifier"] = [{"system": c.CVR_SYSTEM, "value": vendor.cvr}]
    if vendor.website:
        resource["telecom"] = [{"system": "url", "value": vendor.website}]
    return resource


def catalog_entry(case: ApprovalCase, today: date) -> Resource:
    """A register entry (profile BlaastempelRegisterEntry): the approval of a solution with
    its register number, status on `today` and period. Active while the approval is valid,
    retired once it is not (revoked, expired, rejected): the register keeps it as history."""
    state = state_of(case)
    status = lc.effective_status(state, today)
    resource: Resource = {
        "resourceType": "CatalogEntry",
        "id": str(case.id),
        "meta": {"lastUpdated": instant(case.updated_at), "profile": [c.REGISTER_ENTRY_PROFILE]},
        "extension": [{"url": c.REGISTER_ENTRY_SOLUTION_EXTENSION,
                       "valueReference": {"reference": f"DeviceDefinition/{case.solution_id}"}}],
        "identifier": [{"system": c.REGISTER_NUMBER_SYSTEM, "value": case.register_number}],
        "orderable": False,
        "referencedItem": {"identifier": {"system": c.SOLUTION_SLUG_SYSTEM, "value": case.solution.slug},
                           "display": case.solution.name},
        "status": "active" if lc.is_valid(state, today) else "retired",
        "additionalCharacteristic": [{"coding": [coding(c.APPROVAL_STATUS_SYSTEM, status)]}],
        "lastUpdated": instant(case.updated_at),
    }
    if case.treatment_areas:
        resource["classification"] = [{"coding": [coding(c.TREATMENT_AREA_SYSTEM, code)]}
                                      for code in case.treatment_areas]
    period = {k: v.isoformat() for k, v in (("start", case.valid_from), ("end", case.valid_until)) if v}
    if period:
        resource["validityPeriod"] = period
    if case.valid_until:
        resource["validTo"] = case.valid_until.isoformat()
    return resource
