"""Stable names of the FHIR directory (issue 21): canonical URLs of our profiles,
extensions, code systems and value sets, and the identifier systems clients keep.

These are names, not addresses a deployment serves under: they stay the same whatever
host runs Blåstempel, so a client that stored them never has to change them. Resource ids
are not stable (a re-import may renumber them); identifiers are.
"""

from __future__ import annotations

from typing import Final

FHIR_VERSION: Final = "4.0.1"
CANONICAL_BASE: Final = "https://fhir.blaastempel.dk"

IDENTIFIER_BASE: Final = f"{CANONICAL_BASE}/Identifier"
REGISTER_NUMBER_SYSTEM: Final = f"{IDENTIFIER_BASE}/registernummer"  # BT-YYYY-NNNN
SOLUTION_SLUG_SYSTEM: Final = f"{IDENTIFIER_BASE}/loesning"
VENDOR_SLUG_SYSTEM: Final = f"{IDENTIFIER_BASE}/leverandoer"
ICD10_SYSTEM: Final = "http://hl7.org/fhir/sid/icd-10"


def profile(name: str) -> str:
    return f"{CANONICAL_BASE}/StructureDefinition/{name}"


def code_system(name: str) -> str:
    return f"{CANONICAL_BASE}/CodeSystem/{name}"


def value_set(name: str) -> str:
    return f"{CANONICAL_BASE}/ValueSet/{name}"


def search_parameter(name: str) -> str:
    return f"{CANONICAL_BASE}/SearchParameter/{name}"


SOLUTION_PROFILE: Final = profile("BlaastempelSolution")        # DeviceDefinition
VENDOR_PROFILE: Final = profile("BlaastempelVendor")            # Organization
REGISTER_ENTRY_PROFILE: Final = profile("BlaastempelRegisterEntry")  # CatalogEntry

TREATMENT_AREA_SYSTEM: Final = code_system("behandlingsomraade")
APPROVAL_STATUS_SYSTEM: Final = code_system("godkendelsesstatus")
LICENCE_MODEL_SYSTEM: Final = code_system("forretningsmodel")
PRICE_UNIT_SYSTEM: Final = code_system("prisenhed")
PLATFORM_SYSTEM: Final = code_system("platform")
PURPOSE_SYSTEM: Final = code_system("formaal")
REGULATORY_CLASS_SYSTEM: Final = code_system("risikoklasse")

# Extensions (StructureDefinitions of kind complex-type, type Extension).
PRICE_EXTENSION: Final = profile("price")                  # DeviceDefinition: Money + price unit
LICENCE_MODEL_EXTENSION: Final = profile("licence-model")  # DeviceDefinition: Coding
APPROVAL_STATUS_EXTENSION: Final = profile("approval-status")  # CatalogEntry: Coding
# R4 CatalogEntry.referencedItem may not point at a DeviceDefinition (DiGA met the same
# limit with HealthAppCatalogEntryHealthAppLink): the entry links its solution with this.
REGISTER_ENTRY_SOLUTION_EXTENSION: Final = profile("register-entry-solution")

# DeviceDefinition.property.type: which of the solution's coded facts a property holds.
SOLUTION_PROPERTY_SYSTEM: Final = code_system("egenskab")
PROPERTY_TREATMENT_AREA: Final = "behandlingsomraade"  # valueCode from TREATMENT_AREA_SYSTEM
PROPERTY_PLATFORM: Final = "platform"                  # valueCode from PLATFORM_SYSTEM
PROPERTY_INDICATION: Final = "indikation"              # valueCode from ICD10_SYSTEM
PROPERTY_CONTRAINDICATION: Final = "kontraindikation"  # valueCode from ICD10_SYSTEM

INDICATION_VALUE_SET: Final = value_set("indikation")  # the ICD-10 codes the register knows
