"""Our StructureDefinitions: valid R4, constraints (differentials) on the right base, every
element a real element of the base type in the base's order, and every profile, extension and
value set they name one we publish."""

from __future__ import annotations

import pytest

from app.fhir import canonical, conformance, terminology
from app.fhir.profiles import PROFILES_DIR, structure_definitions
from tests.fhir.r4 import path_fields, reference_errors, validate

DEFINITIONS = structure_definitions()
BY_URL = {d["url"]: d for d in DEFINITIONS}
VALUE_SETS = {v["url"] for v in terminology.value_sets()}
EXTENSIONS = {getattr(canonical, name) for name in dir(canonical) if name.endswith("_EXTENSION")}


@pytest.mark.parametrize("definition", DEFINITIONS, ids=lambda d: d["id"])
def test_valid_r4_constraint_with_a_stable_url(definition: dict) -> None:
    validate(definition)
    assert (PROFILES_DIR / f"{definition['id']}.json").exists()
    assert definition["url"] == canonical.profile(definition["id"])
    assert definition["fhirVersion"] == "4.0.1" and definition["derivation"] == "constraint"
    assert definition["baseDefinition"] == f"http://hl7.org/fhir/StructureDefinition/{definition['type']}"
    assert definition["status"] == "active" and definition["publisher"] == "Blåstempel"
    elements = definition["differential"]["element"]
    assert elements[0]["path"] == definition["type"] and len({e["id"] for e in elements}) == len(elements)


def test_the_profiles_and_extensions_are_the_ones_the_names_promise() -> None:
    assert set(BY_URL) == {*conformance.PROFILES.values(), *EXTENSIONS}
    for resource_type, url in conformance.PROFILES.items():
        assert BY_URL[url]["type"] == resource_type and BY_URL[url]["kind"] == "resource"
    for url in EXTENSIONS:
        assert BY_URL[url]["type"] == "Extension" and BY_URL[url]["context"]


@pytest.mark.parametrize("definition", DEFINITIONS, ids=lambda d: d["id"])
def test_every_element_exists_on_the_base_type_in_its_order(definition: dict) -> None:
    last: dict[str, int] = {}  # parent path -> position of the last child seen
    for element in definition["differential"]["element"][1:]:
        steps = path_fields(element["path"])
        missing = [path for path, (_, fields) in zip(element["path"].split(".")[1:], steps, strict=False)
                   if not fields]
        assert len(steps) == element["path"].count(".") and not missing, f"{element['id']}: no such element"
        model, fields = steps[-1]
        position = list(model.elements_sequence()).index(fields[0])
        parent = element["id"].rsplit(".", 1)[0]
        assert position >= last.get(parent, -1), f"{element['id']} is out of the base's order"
        last[parent] = position


def test_every_profile_value_set_and_target_they_name_is_ours() -> None:
    for definition in DEFINITIONS:
        for element in definition["differential"]["element"]:
            for type_ in element.get("type", []):
                assert set(type_.get("profile", [])) <= EXTENSIONS, element["id"]
                assert set(type_.get("targetProfile", [])) <= set(conformance.PROFILES.values()), element["id"]
            if "binding" in element:
                assert element["binding"]["valueSet"] in VALUE_SETS, element["id"]


def test_a_reference_r4_does_not_allow_is_caught() -> None:
    """The check the register entry's solution extension exists for: R4's CatalogEntry.referencedItem
    may not point at a DeviceDefinition."""
    entry = {"resourceType": "CatalogEntry", "orderable": False, "referencedItem": {"reference": "DeviceDefinition/1"}}
    assert reference_errors(entry) == [
        "CatalogEntry.referencedItem: DeviceDefinition is not one of Medication, Device, Organization, "
        "Practitioner, PractitionerRole, HealthcareService, ActivityDefinition, PlanDefinition, "
        "SpecimenDefinition, ObservationDefinition, Binary"]
    entry["referencedItem"] = {"identifier": {"system": canonical.SOLUTION_SLUG_SYSTEM, "value": "selfback"}}
    entry["extension"] = [{"url": canonical.REGISTER_ENTRY_SOLUTION_EXTENSION,
                           "valueReference": {"reference": "DeviceDefinition/1"}}]
    validate(entry)
    assert reference_errors(entry) == []
