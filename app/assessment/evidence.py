"""Files attached to an assessment's answers. A file belongs to the assessment and the
criterion, not to one version of the answer: it stays listed when the answer changes or
is cleared. Attaching follows the rules of answering (an assessor, or the vendor on its
own solution's vendor criteria, while the assessment is editable); taking a file off is
audited and keeps the row and the bytes. Who may see them: whoever may see the assessment."""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.assessment import services as svc
from app.assessment.loader import FrameworkRegistry
from app.assessment.models import Assessment
from app.core.principal import Principal
from app.core.roles import Role
from app.errors import Forbidden, NotFound, ValidationFailed
from app.files import services as files
from app.files.models import ANSWER, EvidenceFile
from app.messages import Message

# Who may attach to an answer: an assessor, or a vendor (on its own solution's vendor criteria).
ANSWERING = ("assessment.write", "assessment.vendor_answer")


def _writable(session: Session, principal: Principal, frameworks: FrameworkRegistry, assessment_id: int,
              code: str) -> Assessment:
    assessment = svc.answer_access(session, principal, assessment_id)
    svc.require_editable(assessment)
    crit = svc._criterion(svc.framework_of(frameworks, assessment), code)
    if principal.role == Role.VENDOR and crit.audience != "vendor":
        raise Forbidden(Message("{code} is for the assessor; a vendor may only answer criteria whose "
                                "audience is vendor", code=code))
    return assessment


def attach(session: Session, principal: Principal, frameworks: FrameworkRegistry, ctx: files.FileContext,
           assessment_id: int, code: str, upload: files.Upload | None) -> EvidenceFile:
    """Attach a file to criterion `code`'s answer; the uploader counts as a writer (four eyes)."""
    assessment = _writable(session, principal, frameworks, assessment_id, code)
    if upload is None:
        raise ValidationFailed({"file": Message("choose a file")})
    row = files.store(session, ctx, principal, upload,
                      files.Subject(assessment.solution_id, ANSWER, assessment.id, code))
    svc._note_writer(session, assessment.id, principal.id)
    return row


def detach(session: Session, principal: Principal, frameworks: FrameworkRegistry, assessment_id: int,
           code: str, file_id: int) -> EvidenceFile:
    """Take a file off the answer; a vendor only a file it attached itself."""
    assessment = _writable(session, principal, frameworks, assessment_id, code)
    row = session.get(EvidenceFile, file_id)
    if row is None or row.subject != ANSWER or row.subject_id != assessment.id or row.criterion_code != code:
        raise NotFound(Message("file {id} does not exist", id=file_id))
    if principal.role == Role.VENDOR and row.uploaded_by_id != principal.id:
        raise Forbidden(Message("a vendor may remove only files it attached itself"))
    files.remove(principal, row)
    svc._note_writer(session, assessment.id, principal.id)
    svc.flush_answers(session)
    return row


def answer_files(session: Session, principal: Principal, assessment_id: int,
                 code: str | None = None) -> dict[str, list[EvidenceFile]]:
    """{criterion code: files, removed ones too}, for whoever may see the assessment."""
    assessment = svc.get_assessment(session, principal, assessment_id)
    out: dict[str, list[EvidenceFile]] = {}
    for row in files.attached(session, ANSWER, [assessment.id], code):
        out.setdefault(row.criterion_code or "", []).append(row)
    return out


def answer_file(session: Session, principal: Principal, assessment_id: int, file_id: int) -> EvidenceFile:
    assessment = svc.get_assessment(session, principal, assessment_id)
    row = session.get(EvidenceFile, file_id)
    if row is None or row.subject != ANSWER or row.subject_id != assessment.id:
        raise NotFound(Message("file {id} does not exist", id=file_id))
    return row
