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
