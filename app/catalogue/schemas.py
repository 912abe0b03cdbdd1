"""Input and output shapes of the catalogue, shared by the JSON API and the HTML forms."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from pydantic import (
    AnyHttpUrl,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
)

from app.catalogue.codes import valid_cvr
from app.catalogue.enums import (
    DataLocation,
    Integration,
    LicenceModel,
    Origin,
    Payer,
    Platform,
    PriceUnit,
    Priority,
    ProjectStage,
    Purpose,
    Regulation,
    RegulatoryClass,
    StudyDesign,
    TargetUsers,
)
from app.core import clock

Text200 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=400)]
OptionalShortText = Annotated[str | None, StringConstraints(strip_whitespace=True, max_length=400)]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=20_000)]
CountryCode = Annotated[
    str,
    BeforeValidator(lambda v: v.strip().upper() if isinstance(v, str) else v),
    StringConstraints(pattern=r"^[A-Z]{2}$"),
]
Slug = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$",
                                        max_length=120)]


def _empty_to_none(value: Any) -> Any:
    return None if isinstance(value, str) and not value.strip() else value


# A DOI as printed or as a link: "10.1001/jamainternmed.2021.4097", "https://doi.org/10.…".
_DOI = re.compile(r"^10\.\d{4,9}/\S+$")
_DOI_PREFIX = re.compile(r"^(https?://(dx\.)?doi\.org/|doi:\s*)", re.IGNORECASE)
# Trial registers: ClinicalTrials.gov, ISRCTN, DRKS, ANZCTR and EudraCT/CTIS numbers.
_REGISTRY_ID = re.compile(
    r"^(NCT\d{8}|ISRCTN\d{8}|DRKS\d{8}|ACTRN\d{14}|(EUCTR)?\d{4}-\d{6}-\d{2}(-\d{2})?)$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
_PHONE = re.compile(r"^\+?[0-9][0-9 ()-]{5,24}$")
FIRST_STUDY_YEAR = 1950


class InputModel(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class VendorIn(InputModel):
    name: Text200
    country: CountryCode
    cvr: Annotated[str | None, StringConstraints(pattern=r"^\d{8}$")] = None
    website: AnyHttpUrl | None = None

    _blank = field_validator("cvr", "website", mode="before")(_empty_to_none)

    @field_validator("cvr")
    @classmethod
    def _cvr_only_for_danish(cls, cvr: str | None, info: ValidationInfo) -> str | None:
        if cvr and info.data.get("country") != "DK":
            raise ValueError("a CVR number is only given for Danish vendors (country DK)")
        if cvr and not valid_cvr(cvr):
            raise ValueError("not a valid CVR number (the modulus 11 check fails)")
        return cvr


OptionalText = Annotated[str | None, StringConstraints(strip_whitespace=True, max_length=2000)]


class StudyIn(InputModel):
    """One study of the solution's effect, as published or registered."""

    design: StudyDesign
    participants: int | None = Field(None, ge=1, le=100_000_000, description="number of participants")
    population: OptionalText = None
    outcome_measures: OptionalText = None
    main_result: OptionalText = None
    country: CountryCode | None = None
    year: int | None = Field(None, description=f"year of publication, {FIRST_STUDY_YEAR} or later")
    doi: Annotated[str | None, StringConstraints(max_length=200)] = Field(
        None, description="e.g. 10.1001/jamainternmed.2021.4097 (a doi.org link is accepted)")
    url: AnyHttpUrl | None = None
    registry_id: Annotated[str | None, StringConstraints(max_length=40)] = Field(
        None, description="trial registration, e.g. NCT01234567 or ISRCTN12345678")

    _blank = field_validator("participants", "population", "outcome_measures", "main_result",
                             "country", "year", "doi", "url", "registry_id", mode="before")(_empty_to_none)

    @field_validator("year")
    @classmethod
    def _year_in_range(cls, year: int | None) -> int | None:
        if year is not None and not FIRST_STUDY_YEAR <= year <= clock.today().year + 1:
            raise ValueError("the year must be from 1950 to next year")
        return year

    @field_validator("doi")
    @classmethod
    def _doi_format(cls, doi: str | None) -> str | None:
        if doi is None:
            return None
        doi = _DOI_PREFIX.sub("", doi.strip())
        if not _DOI.match(doi):
            raise ValueError("not a DOI: it starts with 10. and a slash follows the prefix, e.g. 10.1000/xyz123")
        return doi

    @field_validator("registry_id")
    @classmethod
    def _registry_format(cls, registry_id: str | None) -> str | None:
        if registry_id is None:
            return None
        registry_id = registry_id.strip().upper().replace(" ", "")
        if not _REGISTRY_ID.match(registry_id):
            raise ValueError("not a trial registration number, e.g. NCT01234567 or ISRCTN12345678")
        return registry_id


class SolutionIn(InputModel):
    name: Text200
    slug: Slug | None = Field(None, description="URL name; made from the name when left out")
    vendor_id: int = Field(gt=0)
    short_description_da: ShortText
    short_description_en: OptionalShortText = None
    description_da: LongText = ""
    description_en: LongText | None = None
    purpose: Purpose
    treatment_areas: list[str] = Field(default_factory=list, description="treatment area codes")
    target_users: TargetUsers
    origin: Origin
    country: CountryCode
    regulatory_class: RegulatoryClass = RegulatoryClass.NONE
    regulation: Regulation | None = Field(None, validate_default=True)
    has_dpia: bool = False
    has_dpa: bool = False
    integrations: list[Integration] = Field(default_factory=list)
    trl: int | None = Field(None, ge=1, le=9, description="technology readiness level 1-9")
    capacity_fte_per_100k: float | None = Field(
        None, ge=0, le=10_000, description="estimated full-time equivalents freed per 100,000 citizens")
    website: AnyHttpUrl | None = None
    published: bool = True
    studies: list[StudyIn] = Field(default_factory=list, max_length=50)
    indications: list[str] = Field(default_factory=list, max_length=50,
                                   description="ICD-10 codes (or SKS D codes), e.g. M54.5")
    contraindications: list[str] = Field(default_factory=list, max_length=50, description="ICD-10 codes")
    platforms: list[Platform] = Field(default_factory=list)
    languages: list[str] = Field(default_factory=list, max_length=50, description="ISO 639-1 codes, e.g. da")
    licence_model: LicenceModel | None = None
    price_dkk: Decimal | None = Field(None, ge=0, le=1_000_000_000, decimal_places=2,
                                      description="price in DKK, at most two decimals")
    price_unit: PriceUnit | None = None
    payer: Payer | None = None
    free_for_municipalities: bool | None = None
    contact_name: Annotated[str | None, StringConstraints(strip_whitespace=True, max_length=200)] = None
    contact_email: Annotated[str | None, StringConstraints(max_length=254)] = None
    contact_phone: Annotated[str | None, StringConstraints(max_length=40)] = None
    data_location: DataLocation | None = None

    _blank = field_validator("slug", "short_description_en", "description_en", "regulation",
                             "trl", "capacity_fte_per_100k", "website", "licence_model", "price_dkk",
                             "price_unit", "payer", "free_for_municipalities", "contact_name",
                             "contact_email", "contact_phone", "data_location", mode="before")(_empty_to_none)

    @field_validator("contact_email")
    @classmethod
    def _email_format(cls, email: str | None) -> str | None:
        if email is not None and not _EMAIL.match(email.strip()):
            raise ValueError("not an e-mail address")
        return email.strip() if email else None

    @field_validator("contact_phone")
    @classmethod
    def _phone_format(cls, phone: str | None) -> str | None:
        if phone is not None and not _PHONE.match(phone.strip()):
            raise ValueError("not a phone number: digits, spaces and a leading +")
        return phone.strip() if phone else None

    @field_validator("regulation", mode="after")
    @classmethod
    def _regulation_matches_class(cls, regulation: Regulation | None,
                                  info: ValidationInfo) -> Regulation | None:
        ce_class = info.data.get("regulatory_class", RegulatoryClass.NONE)
        if ce_class != RegulatoryClass.NONE and regulation is None:
            raise ValueError("a CE-marked solution must name MDR or IVDR")
        if ce_class == RegulatoryClass.NONE and regulation is not None:
            raise ValueError("must be empty when the solution has no CE class")
        return regulation


class ProjectIn(InputModel):
    name: Text200
    slug: Slug | None = None
    description: LongText = ""
    owner_id: int = Field(gt=0)
    partner_ids: list[int] = Field(default_factory=list)
    stage: ProjectStage
    origin: Origin = Origin.PUBLIC
    start_date: date | None = None
    end_date: date | None = None
    budget_dkk: int | None = Field(None, ge=0, le=100_000_000_000)
    funding_source: Annotated[str | None, StringConstraints(max_length=300)] = None
    solution_ids: list[int] = Field(default_factory=list)
    need_ids: list[int] = Field(default_factory=list)
    results: LongText | None = None

    _blank = field_validator("slug", "start_date", "end_date", "budget_dkk", "funding_source",
                             "results", mode="before")(_empty_to_none)

    @field_validator("end_date", mode="after")
    @classmethod
    def _dates_in_order(cls, end: date | None, info: ValidationInfo) -> date | None:
        start = info.data.get("start_date")
        if start and end and end < start:
            raise ValueError("the end date is before the start date")
        return end


class NeedIn(InputModel):
    title: Text200
    slug: Slug | None = None
    description: LongText = ""
    treatment_area: str | None = Field(None, description="treatment area code")
    organisation_id: int = Field(gt=0)
    capacity_problem: LongText = ""
    affected_patients: int | None = Field(None, ge=0, le=10_000_000)
    priority: Priority = Priority.MEDIUM

    _blank = field_validator("slug", "treatment_area", "affected_patients", mode="before")(
        _empty_to_none)


class EndorsementIn(InputModel):
    organisation_id: int | None = Field(None, gt=0)
    comment: Annotated[str | None, StringConstraints(max_length=2000)] = None


class VersionedUpdate(InputModel):
    version: int = Field(ge=1, description="the version you read; a stale version is refused")


class VendorUpdate(VendorIn, VersionedUpdate):
    pass


class SolutionUpdate(SolutionIn, VersionedUpdate):
    pass


class ProjectUpdate(ProjectIn, VersionedUpdate):
    pass


class NeedUpdate(NeedIn, VersionedUpdate):
    pass


# ---- outputs -------------------------------------------------------------------------


class OutputModel(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class OrganisationRef(OutputModel):
    id: int
    kind: str
    code: str
    name: str


class OrganisationOut(OrganisationRef):
    name_en: str | None
    region: OrganisationRef | None
    population: int | None
    population_year: int | None
    subkind: str | None
    url: str | None
    valid_from: date | None
    valid_to: date | None
    source: str | None


class TreatmentAreaOut(OutputModel):
    code: str
    name_da: str
    name_en: str


class VendorOut(OutputModel):
    id: int
    name: str
    country: str
    cvr: str | None
    website: str | None
    version: int


class VendorRef(OutputModel):
    id: int
    name: str
    country: str
    cvr: str | None


class StudyOut(OutputModel):
    design: str
    participants: int | None
    population: str | None
    outcome_measures: str | None
    main_result: str | None
    country: str | None
    year: int | None
    doi: str | None
    url: str | None
    registry_id: str | None


class SolutionOut(OutputModel):
    id: int
    slug: str
    name: str
    vendor: VendorRef
    short_description_da: str
    short_description_en: str | None
    description_da: str
    description_en: str | None
    purpose: str
    treatment_areas: list[TreatmentAreaOut]
    target_users: str
    origin: str
    country: str
    regulatory_class: str
    regulation: str | None
    has_dpia: bool
    has_dpa: bool
    integrations: list[str]
    trl: int | None
    capacity_fte_per_100k: float | None
    website: str | None
    published: bool
    studies: list[StudyOut]
    indications: list[str]
    contraindications: list[str]
    platforms: list[str]
    languages: list[str]
    licence_model: str | None
    price_dkk: Decimal | None
    price_unit: str | None
    payer: str | None
    free_for_municipalities: bool | None
    contact_name: str | None
    contact_email: str | None
    contact_phone: str | None
    data_location: str | None
    version: int


class SolutionRef(OutputModel):
    id: int
    slug: str
    name: str


class NeedRef(OutputModel):
    id: int
    slug: str
    title: str


class ProjectOut(OutputModel):
    id: int
    slug: str
    name: str
    description: str
    owner: OrganisationRef
    partners: list[OrganisationRef]
    stage: str
    origin: str
    start_date: date | None
    end_date: date | None
    budget_dkk: int | None
    funding_source: str | None
    solutions: list[SolutionRef]
    needs: list[NeedRef]
    results: str | None
    version: int


class EndorsementOut(OutputModel):
    organisation: OrganisationRef
    comment: str | None


class NeedOut(OutputModel):
    id: int
    slug: str
    title: str
    description: str
    treatment_area: TreatmentAreaOut | None
    organisation: OrganisationRef
    capacity_problem: str
    affected_patients: int | None
    priority: str
    endorsement_count: int
    endorsements: list[EndorsementOut]
    version: int
