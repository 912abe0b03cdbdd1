"""Controlled vocabularies of the catalogue. Values are stored; labels are translated."""

from __future__ import annotations

from enum import StrEnum


class OrganisationKind(StrEnum):
    REGION = "region"
    MUNICIPALITY = "municipality"
    HOSPITAL = "hospital"
    GP_CLINIC = "gp_clinic"
    NATIONAL_BODY = "national_body"


class Purpose(StrEnum):
    PREVENTION = "prevention"
    DIAGNOSIS = "diagnosis"
    TREATMENT = "treatment"
    MONITORING = "monitoring"
    PATIENT_SUPPORT = "patient_support"
    WELLNESS = "wellness"
    INFRASTRUCTURE = "infrastructure"


class TargetUsers(StrEnum):
    CITIZEN = "citizen"
    CLINICIAN = "clinician"
    BOTH = "both"


class Origin(StrEnum):
    PUBLIC = "public"
    PRIVATE = "private"
    PUBLIC_PRIVATE = "public_private"


class RegulatoryClass(StrEnum):
    NONE = "none"
    CE_I = "ce_i"
    CE_IIA = "ce_iia"
    CE_IIB = "ce_iib"
    CE_III = "ce_iii"


class Regulation(StrEnum):
    MDR = "mdr"
    IVDR = "ivdr"


class Integration(StrEnum):
    FHIR = "fhir"
    MEDCOM = "medcom"
    NSP = "nsp"
    FUT = "fut"
    SUNDHED_DK = "sundhed_dk"
    MITID = "mitid"
    HL7V2 = "hl7v2"
    DICOM = "dicom"
    OPENEHR = "openehr"


class ProjectStage(StrEnum):
    FORSKNING = "forskning"
    UDVIKLING = "udvikling"
    PILOT = "pilot"
    IMPLEMENTERING = "implementering"
    UDBREDELSE = "udbredelse"


class Priority(StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class StudyDesign(StrEnum):
    RCT = "rct"
    COHORT = "cohort"
    CASE_CONTROL = "case_control"
    HEALTH_ECONOMIC = "health_economic"
    QUALITATIVE = "qualitative"
    PILOT = "pilot"
    SYSTEMATIC_REVIEW = "systematic_review"
    OTHER = "other"


class Platform(StrEnum):
    IOS = "ios"
    ANDROID = "android"
    WEB = "web"
    WINDOWS = "windows"
    MACOS = "macos"
    DEVICE = "device"


class LicenceModel(StrEnum):
    PER_CITIZEN = "per_citizen"
    SUBSCRIPTION = "subscription"
    PER_USER = "per_user"
    ONE_OFF = "one_off"
    FREE = "free"


class PriceUnit(StrEnum):
    PER_CITIZEN = "per_citizen"
    PER_CITIZEN_PER_YEAR = "per_citizen_per_year"
    PER_USER_PER_MONTH = "per_user_per_month"
    PER_YEAR = "per_year"
    ONE_OFF = "one_off"


class Payer(StrEnum):
    MUNICIPALITY = "municipality"
    REGION = "region"
    CITIZEN = "citizen"
    STATE = "state"
    OTHER = "other"


class DataLocation(StrEnum):
    DENMARK = "dk"
    EU_EEA = "eu_eea"
    OUTSIDE_EU = "outside_eu"
