"""Our CodeSystems and ValueSets: valid FHIR R4, complete, Danish display with an English
designation, stable URLs, and every code the register's data uses defined (so the directory
never emits a code its CodeSystem lacks)."""

from __future__ import annotations

import csv

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.approvals import lifecycle
from app.approvals.models import ApprovalCase
from app.approvals.services import state_of, today
from app.catalogue.codes import icd10
from app.catalogue.enums import LicenceModel, Platform, PriceUnit, Purpose, RegulatoryClass
from app.catalogue.models import Solution
from app.fhir import canonical, terminology
from tests.fhir.r4 import validate

SYSTEMS = {c["url"]: c for c in terminology.code_systems()}


def _codes(url: str) -> set[str]:
    return {concept["code"] for concept in SYSTEMS[url]["concept"]}


@pytest.mark.parametrize("resource", [*terminology.code_systems(), *terminology.value_sets()],
                         ids=lambda r: f"{r['resourceType']}/{r['id']}")
def test_valid_r4_with_version_status_publisher_and_a_stable_url(resource: dict) -> None:
    validate(resource)
    assert resource["status"] == "active" and resource["version"] and resource["publisher"] == "Blåstempel"
    kind = resource["resourceType"]
    assert resource["url"] == f"{canonical.CANONICAL_BASE}/{kind}/{resource['id']}"


def test_each_vocabulary_is_complete() -> None:
    with terminology.TREATMENT_AREAS_FILE.open(encoding="utf-8") as fh:
        areas = {row["code"] for row in csv.DictReader(fh)}
    assert _codes(canonical.TREATMENT_AREA_SYSTEM) == areas
    assert _codes(canonical.APPROVAL_STATUS_SYSTEM) == set(lifecycle.STATUSES)
    assert _codes(canonical.LICENCE_MODEL_SYSTEM) == set(LicenceModel)
    assert _codes(canonical.PRICE_UNIT_SYSTEM) == set(PriceUnit)
    assert _codes(canonical.PLATFORM_SYSTEM) == set(Platform)
    assert _codes(canonical.PURPOSE_SYSTEM) == set(Purpose)
    assert _codes(canonical.REGULATORY_CLASS_SYSTEM) == set(RegulatoryClass)
    assert all(c["count"] == len(c["concept"]) and c["content"] == "complete" for c in SYSTEMS.values())


def test_display_is_danish_and_the_english_designation_is_there() -> None:
    # a missing translation would leave the msgid: "approval:revoked", or the bare code for
    # the vocabularies whose msgid is the code
    bare = (canonical.PURPOSE_SYSTEM, canonical.REGULATORY_CLASS_SYSTEM)
    for system in SYSTEMS.values():
        for concept in system["concept"]:
            display, (english,) = concept["display"], concept["designation"]
            assert english["language"] == "en" and english["value"], concept
            for text in (display, english["value"]):
                assert ":" not in text and (system["url"] not in bare or text != concept["code"]), concept
    assert terminology.coding(canonical.APPROVAL_STATUS_SYSTEM, "revoked")["display"] == "tilbagekaldt"
    assert terminology.coding(canonical.PURPOSE_SYSTEM, "prevention")["display"] == "Forebyggelse"


def test_value_sets_draw_only_on_defined_codes() -> None:
    for value_set in terminology.value_sets():
        for include in value_set["compose"]["include"]:
            known = icd10().keys() if include["system"] == canonical.ICD10_SYSTEM else _codes(include["system"])
            assert {c["code"] for c in include.get("concept", [])} <= set(known), value_set["id"]
    registered = next(v for v in terminology.value_sets() if v["url"] == canonical.value_set("godkendelsesstatus"))
    assert [c["code"] for c in registered["compose"]["include"][0]["concept"]] == [
        status for status in lifecycle.STATUSES if status != lifecycle.NONE]


def test_the_indication_value_set_holds_the_registers_icd10_codes_with_their_source() -> None:
    (value_set,) = [v for v in terminology.value_sets() if v["url"] == canonical.INDICATION_VALUE_SET]
    (include,) = value_set["compose"]["include"]
    assert include["system"] == "http://hl7.org/fhir/sid/icd-10"
    assert {c["code"] for c in include["concept"]} == set(icd10())
    assert "https://icd.who.int/browse10/2019/en" in value_set["description"]
    assert "data/reference/icd10.csv" in value_set["description"]


def test_coding_refuses_a_code_its_system_does_not_define() -> None:
    with pytest.raises(KeyError):
        terminology.coding(canonical.PLATFORM_SYSTEM, "amiga")
    with pytest.raises(KeyError):
        terminology.coding(canonical.ICD10_SYSTEM, "Z99.9")


def test_every_code_the_register_uses_is_defined(db: Session) -> None:
    """The demo register's solutions and approval cases: each coded value is in its CodeSystem."""
    used: list[tuple[str, str]] = []
    for s in db.scalars(select(Solution)):
        used += [(canonical.PURPOSE_SYSTEM, s.purpose), (canonical.REGULATORY_CLASS_SYSTEM, s.regulatory_class)]
        used += [(canonical.TREATMENT_AREA_SYSTEM, a.code) for a in s.treatment_areas]
        used += [(canonical.PLATFORM_SYSTEM, p) for p in s.platforms or []]
        used += [(canonical.ICD10_SYSTEM, code) for code in [*(s.indications or []), *(s.contraindications or [])]]
        used += [(system, code) for system, code in ((canonical.LICENCE_MODEL_SYSTEM, s.licence_model),
                                                     (canonical.PRICE_UNIT_SYSTEM, s.price_unit)) if code]
    for case in db.scalars(select(ApprovalCase)):
        used.append((canonical.APPROVAL_STATUS_SYSTEM, lifecycle.effective_status(state_of(case), today())))
        used += [(canonical.TREATMENT_AREA_SYSTEM, code) for code in case.treatment_areas or []]
    assert {system for system, _ in used} >= {canonical.PURPOSE_SYSTEM, canonical.PLATFORM_SYSTEM,
                                              canonical.ICD10_SYSTEM, canonical.PRICE_UNIT_SYSTEM}
    undefined = []
    for system, code in used:
        try:
            terminology.coding(system, code)
        except KeyError:
            undefined.append((system, code))
    assert not undefined
