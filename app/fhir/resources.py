"""Register records as FHIR R4 resources (plain dicts, JSON as FHIR writes it). Pure: the
caller loads the records and decides what the public may see.

Danish first: names, descriptions and code displays are the Danish ones. Codes of our own
vocabularies are the stored codes, in the code systems app.fhir.canonical names."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from app.approvals import lifecycle as lc
from app.approvals.models import ApprovalCase
from app.approvals.services import state_of
from app.catalogue.codes import icd10
from app.catalogue.models import Solution, Vendor
from app.fhir import canonical as c
from app.web.i18n import label

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


def _coding(system: str, code: str, display: str | None = None) -> dict[str, str]:
    return {"system": system, "code": code} | ({"display": display} if display else {})


def _coded(url: str, system: str, code: str, display: str | None = None) -> dict[str, Any]:
    return {"url": url, "valueCoding": _coding(system, code, display)}


def _price(solution: Solution) -> dict[str, Any]:
    parts: list[dict[str, Any]] = [{"url": "amount", "valueMoney": {"value": float(solution.price_dkk or 0),
                                                                    "currency": c.CURRENCY}}]
    if solution.price_unit:
        parts.append({"url": "unit", "valueCoding": _coding(c.PRICE_UNIT_SYSTEM, solution.price_unit,
                                                            label("da", "price_unit", solution.price_unit))})
    return {"url": c.PRICE_EXTENSION, "extension": parts}


def solution_extensions(solution: Solution) -> list[dict[str, Any]]:
    diagnoses = icd10()
    out = [_coded(c.TREATMENT_AREA_EXTENSION, c.TREATMENT_AREA_SYSTEM, a.code, a.name_da)
           for a in solution.treatment_areas]
    out += [_coded(c.INDICATION_EXTENSION, c.ICD10_SYSTEM, code,
                   diagnoses[code].title_da if code in diagnoses else None) for code in solution.indications or []]
    out += [_coded(c.PLATFORM_EXTENSION, c.PLATFORM_SYSTEM, p, label("da", "platform", p))
            for p in solution.platforms or []]
    out.append(_coded(c.REGULATORY_CLASS_EXTENSION, c.REGULATORY_CLASS_SYSTEM, solution.regulatory_class))
    if solution.licence_model:
        out.append(_coded(c.LICENCE_MODEL_EXTENSION, c.LICENCE_MODEL_SYSTEM, solution.licence_model,
                          label("da", "licence_model", solution.licence_model)))
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
        "type": {"coding": [_coding(c.PURPOSE_SYSTEM, solution.purpose)]},
    }
    if solution.languages:
        resource["languageCode"] = [{"coding": [_coding(c.LANGUAGE_SYSTEM, code)]} for code in solution.languages]
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
        "identifier": [{"system": c.REGISTER_NUMBER_SYSTEM, "value": case.register_number}],
        "orderable": False,
        "referencedItem": {"reference": f"DeviceDefinition/{case.solution_id}"},
        "status": "active" if lc.is_valid(state, today) else "retired",
        "additionalCharacteristic": [{"coding": [_coding(c.APPROVAL_STATUS_SYSTEM, status,
                                                         label("da", "approval", status))]}],
        "lastUpdated": instant(case.updated_at),
    }
    if case.treatment_areas:
        resource["classification"] = [{"coding": [_coding(c.TREATMENT_AREA_SYSTEM, code)]}
                                      for code in case.treatment_areas]
    period = {k: v.isoformat() for k, v in (("start", case.valid_from), ("end", case.valid_until)) if v}
    if period:
        resource["validityPeriod"] = period
    if case.valid_until:
        resource["validTo"] = case.valid_until.isoformat()
    return resource
