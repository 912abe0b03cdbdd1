"""Our own vocabularies as FHIR R4 CodeSystems, a ValueSet over each, and the ICD-10 value set
of the indications the register knows.

Each concept's display is the Danish label the pages show, with the English label as a
designation (language "en"); both come from the same catalogues (app/web/locale) and
reference files as the pages, so a code reads the same on a page and in the API.
`coding(system, code)` is how the directory writes a coded value: it refuses a code its
CodeSystem does not define, so the API never emits one.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any

from app.approvals import lifecycle
from app.catalogue.codes import icd10
from app.catalogue.enums import LicenceModel, Platform, PriceUnit, Purpose, RegulatoryClass
from app.fhir import canonical
from app.settings import PROJECT_ROOT
from app.web.i18n import translations

VERSION = "1.0.0"  # raised when a code is added, changed or withdrawn
DATE = "2026-12-04"
PUBLISHER = "Blåstempel"
TREATMENT_AREAS_FILE = PROJECT_ROOT / "data" / "reference" / "treatment_areas.csv"
ICD10_SOURCE = (
    "Koder og engelske titler: WHO, International Statistical Classification of Diseases and Related "
    "Health Problems, 10th revision (ICD-10), https://icd.who.int/browse10/2019/en. Danske titler skrevet "
    "til registret efter Sundhedsdatastyrelsens Klassifikation af sygdomme (SKS, gruppe D). "
    "Kilde: data/reference/icd10.csv og data/reference/SOURCES.md.")


@dataclass(frozen=True)
class Concept:
    code: str
    display_da: str
    display_en: str


@dataclass(frozen=True)
class Vocabulary:
    id: str  # the CodeSystem's and its ValueSet's id: the last part of their canonical URLs
    url: str
    name: str
    title: str
    description: str
    concepts: tuple[Concept, ...]
    value_set_codes: tuple[str, ...] | None = None  # the ValueSet's codes, when not all of them


def _label(language: str, msgid: str) -> str:
    return translations(language).gettext(msgid)


def _labelled(codes: Iterable[str], kind: str | None = None) -> tuple[Concept, ...]:
    """Concepts labelled by the catalogues' msgid "kind:code" (or the bare code)."""
    msgids = [(str(code), f"{kind}:{code}" if kind else str(code)) for code in codes]
    return tuple(Concept(code, _label("da", msgid), _label("en", msgid)) for code, msgid in msgids)


def _treatment_areas() -> tuple[Concept, ...]:
    with TREATMENT_AREAS_FILE.open(encoding="utf-8", newline="") as fh:
        return tuple(Concept(row["code"], row["name_da"], row["name_en"]) for row in csv.DictReader(fh))


def _id(url: str) -> str:
    return url.rsplit("/", 1)[1]


# A register entry keeps its number whatever follows, so it can carry any status but "none"
# (lifecycle.REGISTER_STATUSES are the ones the register can be filtered by).
REGISTER_ENTRY_STATUSES = tuple(status for status in lifecycle.STATUSES if status != lifecycle.NONE)


@cache
def vocabularies() -> tuple[Vocabulary, ...]:
    return (
        Vocabulary(_id(canonical.TREATMENT_AREA_SYSTEM), canonical.TREATMENT_AREA_SYSTEM,
                   "BlaastempelTreatmentArea", "Behandlingsområder",
                   "Registrets egne behandlingsområder (data/reference/treatment_areas.csv): en løsning hører "
                   "til et eller flere. En klassifikation defineret af Blåstempel, ikke en officiel kodeliste.",
                   _treatment_areas()),
        Vocabulary(_id(canonical.APPROVAL_STATUS_SYSTEM), canonical.APPROVAL_STATUS_SYSTEM,
                   "BlaastempelApprovalStatus", "Godkendelsesstatus",
                   "En løsnings status i blåstemplingen, beregnet på datoen. Værdisættet rummer de statusser, "
                   "en post i det offentlige register kan have: alle, når først et registernummer er givet "
                   "(også ansøgt, når en løsning søger igen efter afslag, tilbagekaldelse eller udløb).",
                   _labelled(lifecycle.STATUSES, "approval"), REGISTER_ENTRY_STATUSES),
        Vocabulary(_id(canonical.LICENCE_MODEL_SYSTEM), canonical.LICENCE_MODEL_SYSTEM,
                   "BlaastempelLicenceModel", "Forretningsmodel",
                   "Hvordan en løsning licenseres til køberen.", _labelled(LicenceModel, "licence_model")),
        Vocabulary(_id(canonical.PRICE_UNIT_SYSTEM), canonical.PRICE_UNIT_SYSTEM,
                   "BlaastempelPriceUnit", "Prisenhed",
                   "Hvad en løsnings pris gælder for (pr. borger, pr. bruger pr. måned, ...).",
                   _labelled(PriceUnit, "price_unit")),
        Vocabulary(_id(canonical.PLATFORM_SYSTEM), canonical.PLATFORM_SYSTEM,
                   "BlaastempelPlatform", "Platform",
                   "Hvor en løsning kører: styresystem, webbrowser eller eget udstyr.",
                   _labelled(Platform, "platform")),
        Vocabulary(_id(canonical.PURPOSE_SYSTEM), canonical.PURPOSE_SYSTEM,
                   "BlaastempelPurpose", "Formål", "En løsnings hovedformål i sundhedsvæsenet.", _labelled(Purpose)),
        Vocabulary(_id(canonical.REGULATORY_CLASS_SYSTEM), canonical.REGULATORY_CLASS_SYSTEM,
                   "BlaastempelRegulatoryClass", "Risikoklasse",
                   "En løsnings CE-mærkning og risikoklasse som medicinsk udstyr (MDR/IVDR), eller at den "
                   "ikke er CE-mærket.", _labelled(RegulatoryClass)),
    )


def _meta(kind: str, vocabulary_id: str, url: str, name: str, title: str, description: str) -> dict[str, Any]:
    return {"resourceType": kind, "id": vocabulary_id, "language": "da", "url": url, "version": VERSION,
            "name": name, "title": title, "status": "active", "experimental": False, "date": DATE,
            "publisher": PUBLISHER, "description": description}


def _concept(concept: Concept) -> dict[str, Any]:
    return {"code": concept.code, "display": concept.display_da,
            "designation": [{"language": "en", "value": concept.display_en}]}


def code_system(vocabulary: Vocabulary) -> dict[str, Any]:
    resource = _meta("CodeSystem", vocabulary.id, vocabulary.url, vocabulary.name, vocabulary.title,
                     vocabulary.description)
    if vocabulary.value_set_codes is None:
        resource["valueSet"] = canonical.value_set(vocabulary.id)
    return resource | {"caseSensitive": True, "content": "complete", "count": len(vocabulary.concepts),
                       "concept": [_concept(c) for c in vocabulary.concepts]}


def value_set(vocabulary: Vocabulary) -> dict[str, Any]:
    include: dict[str, Any] = {"system": vocabulary.url, "version": VERSION}
    if vocabulary.value_set_codes is not None:
        shown = {c.code: c for c in vocabulary.concepts}
        include["concept"] = [_concept(shown[code]) for code in vocabulary.value_set_codes]
    return _meta("ValueSet", vocabulary.id, canonical.value_set(vocabulary.id), vocabulary.name,
                 vocabulary.title, vocabulary.description) | {"compose": {"include": [include]}}


def indication_value_set() -> dict[str, Any]:
    concepts = [Concept(d.code, d.title_da, d.title_en) for d in icd10().values()]
    return _meta("ValueSet", _id(canonical.INDICATION_VALUE_SET), canonical.INDICATION_VALUE_SET,
                 "BlaastempelIndication", "Indikationer og kontraindikationer (ICD-10)",
                 "De ICD-10-koder, registret kender til en løsnings indikationer og kontraindikationer: "
                 "kategorier og nogle underkategorier, et udvalg af klassifikationen. " + ICD10_SOURCE) | {
        "copyright": "ICD-10: © World Health Organization.",
        "compose": {"include": [{"system": canonical.ICD10_SYSTEM, "concept": [_concept(c) for c in concepts]}]}}


@cache
def code_systems() -> tuple[dict[str, Any], ...]:
    return tuple(code_system(v) for v in vocabularies())


@cache
def value_sets() -> tuple[dict[str, Any], ...]:
    return (*(value_set(v) for v in vocabularies()), indication_value_set())


@cache
def _displays() -> dict[str, dict[str, str]]:
    """system -> code -> Danish display, for every system the directory codes with."""
    displays = {v.url: {c.code: c.display_da for c in v.concepts} for v in vocabularies()}
    return displays | {canonical.ICD10_SYSTEM: {d.code: d.title_da for d in icd10().values()}}


def coding(system: str, code: str) -> dict[str, str]:
    """A Coding with the Danish display; a code the system does not define raises KeyError."""
    return {"system": system, "code": code, "display": _displays()[system][code]}
