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

# ---- the read/search API's resources (appended) ------------------------------------------
# CVR as HL7 Denmark's DK Core writes it: its CVRIdentifier fixes this system and its
# NamingSystem cvr names it (https://build.fhir.org/ig/hl7dk/dk-core/NamingSystem-cvr.html).
CVR_SYSTEM: Final = "http://cvr.dk"
LANGUAGE_SYSTEM: Final = "urn:ietf:bcp:47"
CURRENCY: Final = "DKK"
# Extensions of the solution profile (DeviceDefinition has no element for these in R4).
TREATMENT_AREA_EXTENSION: Final = profile("behandlingsomraade")    # valueCoding, 0..*
INDICATION_EXTENSION: Final = profile("indikation")                # valueCoding (ICD-10), 0..*
PLATFORM_EXTENSION: Final = profile("platform")                    # valueCoding, 0..*
REGULATORY_CLASS_EXTENSION: Final = profile("risikoklasse")        # valueCoding, 0..1
LICENCE_MODEL_EXTENSION: Final = profile("forretningsmodel")       # valueCoding, 0..1
PRICE_EXTENSION: Final = profile("pris")  # complex: "amount" valueMoney, "unit" valueCoding; 0..1

# ---- the profiles, terminology and register entry (appended) -----------------------------
CONTRAINDICATION_EXTENSION: Final = profile("kontraindikation")    # valueCoding (ICD-10), 0..*
# R4's CatalogEntry.referencedItem may not point at a DeviceDefinition (its targets are
# Medication, Device, Organization, ...; DiGA met the same limit and added
# HealthAppCatalogEntryHealthAppLink): the register entry names its solution there by
# identifier (the slug) and links the DeviceDefinition with this extension. The approval
# status is CatalogEntry.additionalCharacteristic; CatalogEntry.status is publication status.
REGISTER_ENTRY_SOLUTION_EXTENSION: Final = profile("loesning")     # valueReference(DeviceDefinition), 1..1
INDICATION_VALUE_SET: Final = value_set("indikation")  # the ICD-10 codes the register knows
