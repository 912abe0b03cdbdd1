"""Importing a completed NHS DTAC form into an assessment: the answers become the
vendor's declared answers ("Importeret fra FILE"), pending an assessor's verification.

The form's version is read from the document and must be a DTAC version we have; the
answers go into a draft of that version (a new one, or the one the upload was made on).
All or nothing: a refused file changes nothing, and the caller's transaction holds the
answers and the import record together. An answer an assessor gave is kept, not
overwritten, and listed as kept; every answer that could not be mapped is listed.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.assessment import services as svc
from app.assessment.form_mapping import Mapping, map_form
from app.assessment.form_reader import FormReading, read_form
from app.assessment.loader import FrameworkRegistry
from app.assessment.models import Assessment, AssessmentImport
from app.assessment.schema import Framework
from app.assessment.schemas import AssessmentIn
from app.core.principal import Principal, require
from app.core.roles import Role
from app.errors import NotFound, ValidationFailed
from app.messages import Message

DTAC = "nhs-dtac"


def provenance(filename: str) -> str:
    return f"Importeret fra {filename}"


def may_import(session: Session, principal: Principal, assessment_id: int | None = None) -> Assessment | None:
    """Refuse (before the file is read) whoever may not import into the assessment, or start
    one when there is none yet; the assessment when there is one."""
    if assessment_id is None:
        require(principal, "assessment.write")
        return None
    assessment = svc.answer_access(session, principal, assessment_id)
    svc.require_editable(assessment)
    return assessment


def import_into(session: Session, principal: Principal, frameworks: FrameworkRegistry, assessment_id: int,
                filename: str, content: bytes) -> AssessmentImport:
    """Import a form into an editable DTAC assessment of the same version."""
    assessment = may_import(session, principal, assessment_id)
    assert assessment is not None
    reading = read_form(filename, content)
    fw = _framework(frameworks, reading)
    if (assessment.framework_id, assessment.framework_version) != (fw.id, fw.version):
        raise ValidationFailed({"file": Message(
            "{file}: the form is DTAC version {version}, but assessment #{id} is {framework} {framework_version}",
            file=reading.filename, version=reading.version, id=assessment.id, framework=assessment.framework_id,
            framework_version=assessment.framework_version)})
    return _import(session, principal, fw, assessment, reading)


def import_new(session: Session, principal: Principal, frameworks: FrameworkRegistry, solution_key: int | str,
               filename: str, content: bytes) -> AssessmentImport:
    """Start a DTAC assessment of the form's version for the solution and import the form."""
    may_import(session, principal)
    reading = read_form(filename, content)
    fw = _framework(frameworks, reading)
    assessment = svc.start_assessment(session, principal, frameworks, AssessmentIn(
        solution_id=solution_key, framework_id=fw.id, framework_version=fw.version))
    return _import(session, principal, fw, assessment, reading)


def imports_of(session: Session, principal: Principal, assessment_id: int) -> list[AssessmentImport]:
    assessment = svc.get_assessment(session, principal, assessment_id)
    return list(session.scalars(select(AssessmentImport).where(AssessmentImport.assessment_id == assessment.id)
                                .order_by(AssessmentImport.id.desc())))


def get_import(session: Session, principal: Principal, assessment_id: int, import_id: int) -> AssessmentImport:
    record = next((i for i in imports_of(session, principal, assessment_id) if i.id == import_id), None)
    if record is None:
        raise NotFound(Message("assessment #{id} has no import {import_id}", id=assessment_id, import_id=import_id))
    return record


def import_view(record: AssessmentImport) -> dict[str, object]:
    return {"id": record.id, "assessment_id": record.assessment_id, "filename": record.filename,
            "form_version": record.form_version, "imported": record.imported,
            "imported_by": {"id": record.imported_by.id, "name": record.imported_by.name}
            if record.imported_by else None,
            "created_at": record.created_at.isoformat() if record.created_at else None, **record.report}


def _framework(frameworks: FrameworkRegistry, reading: FormReading) -> Framework:
    try:
        return frameworks.get(DTAC, reading.version)
    except KeyError:
        versions = ", ".join(f.version for f in frameworks if f.id == DTAC) or "-"
        raise ValidationFailed({"file": Message(
            "{file}: the form is DTAC version {version}, which Blåstempel does not have (versions: {versions})",
            file=reading.filename, version=reading.version, versions=versions)}) from None


def _import(session: Session, principal: Principal, fw: Framework, assessment: Assessment,
            reading: FormReading) -> AssessmentImport:
    svc.need_tier(fw, assessment)
    mapping = map_form(fw, assessment.tier, reading.rows)
    vendor = principal.role == Role.VENDOR
    imported, kept = [], []
    for item in mapping.mapped:
        crit = fw.criterion(item.code)
        existing = assessment.answer(item.code)
        if (existing is not None and existing.source != "vendor") or (vendor and crit.audience != "vendor"):
            kept.append(item.code)
            continue
        svc.write_answer(session, principal, fw, assessment, crit, item.value, comment=item.comment,
                          evidence_url=item.evidence_url, version=existing.version if existing else None,
                          source="vendor", provenance=provenance(reading.filename))
        imported.append(item.code)
    record = AssessmentImport(assessment_id=assessment.id, filename=reading.filename[:255],
                              form_version=reading.version, imported_by_id=principal.id,
                              imported=len(imported), report=_report(mapping, imported, kept))
    session.add(record)
    svc.flush_answers(session)
    svc.recompute(session, fw, assessment)
    return record


def _report(mapping: Mapping, imported: list[str], kept: list[str]) -> dict[str, object]:
    return {"imported_codes": imported, "unmapped": [u.as_dict() for u in mapping.unmapped], "kept": kept,
            "blank": mapping.blank, "absent": mapping.absent}
