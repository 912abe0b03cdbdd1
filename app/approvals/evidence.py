"""Evidence files of an approval: files given with an application, and the evidence a
vendor hands in for a milestone of its own temporary approval (a file and/or a note,
recorded as a `submit_evidence` event by the lifecycle rules). Who may see them: approvers,
admins and the solution's own vendor."""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.approvals import lifecycle as lc
from app.approvals import notify
from app.approvals import services as svc
from app.approvals.models import ApprovalCase, ApprovalEvent
from app.catalogue import services as catalogue
from app.catalogue.models import Solution
from app.core import clock
from app.core.principal import Principal, require
from app.core.records import flush
from app.core.roles import Role
from app.errors import Conflict, Forbidden, NotFound, ValidationFailed
from app.files import services as files
from app.files.models import APPLICATION, MILESTONE, EvidenceFile
from app.messages import Message


def may_see_files(principal: Principal, solution: Solution) -> bool:
    return principal.can("approval.dashboard") or (
        principal.role == Role.VENDOR and principal.vendor_id == solution.vendor_id)


def _own_case(session: Session, principal: Principal, key: int | str, permission: str) -> tuple[Solution, ApprovalCase]:
    solution = catalogue.get_solution(session, principal, key)
    require(principal, permission)
    if principal.role == Role.VENDOR and principal.vendor_id != solution.vendor_id:
        raise Forbidden("a vendor may act only on its own solutions' approvals")
    case = svc.case_for(session, solution)
    if case is None:
        raise NotFound(Message("{solution} has no approval case", solution=solution.name))
    return solution, case


def submit_milestone_evidence(session: Session, principal: Principal, ctx: files.FileContext, key: int | str,
                              milestone_id: int, note: str | None, upload: files.Upload | None,
                              version: int | None = None) -> ApprovalEvent:
    """The vendor (or an approver for it) hands in evidence for a pending milestone: checked
    by rule M3/D7, the file kept, a `submit_evidence` event recorded and the approvers told."""
    solution, case = _own_case(session, principal, key, "approval.evidence")
    if version is not None and case.version != version:
        raise Conflict(Message("the approval of {solution} was changed by someone else (you read "
                               "version {version}, it is now version {current}); reload it",
                               solution=solution.name, version=version, current=case.version))
    index = _milestone_index(case, milestone_id)
    now = clock.today()
    note = (note or "").strip() or None
    event = lc.Event(kind=lc.SUBMIT_EVIDENCE, on=now, actor_id=principal.id, reason=note, milestone=index,
                     files=1 if upload else 0)
    before = svc.state_of(case)
    try:
        after = lc.apply_event(before, event, now)
    except lc.RuleViolation as violation:
        raise svc.ApprovalRefused(violation) from None
    milestone = case.milestones[index]
    stored = [files.store(session, ctx, principal, upload,
                          files.Subject(solution.id, MILESTONE, milestone.id))] if upload else []
    case.last_event_on = after.last_event_on
    recorded = ApprovalEvent(
        case=case, solution_id=solution.id, kind=lc.SUBMIT_EVIDENCE, on_date=now, actor_id=principal.id,
        actor_label=principal.audit_label, reason=note, treatment_areas=[], assessment_ids=[],
        details={"milestone": milestone.position, "files": [f.id for f in stored]},
        from_status=lc.effective_status(before, now), to_status=after.status,
        valid_from=after.valid_from, valid_until=after.valid_until)
    session.add(recorded)
    flush(session, "this approval was changed by someone else at the same time; reload it and try again")
    notify.evidence_submitted(session, solution, milestone, recorded)
    return recorded


def _milestone_index(case: ApprovalCase, milestone_id: int) -> int:
    for i, m in enumerate(case.milestones):
        if m.id == milestone_id:
            return i
    raise NotFound(Message("milestone {id} is not part of this evidence plan", id=milestone_id))


def add_application_file(session: Session, principal: Principal, ctx: files.FileContext, key: int | str,
                         upload: files.Upload | None) -> EvidenceFile:
    """A file given with the open application (its latest `apply` event)."""
    solution, case = _own_case(session, principal, key, "approval.apply")
    if upload is None:
        raise ValidationFailed({"file": Message("choose a file")})
    application = next((e for e in reversed(svc.events_of(session, case)) if e.kind == lc.APPLY), None)
    if case.status != lc.APPLIED or application is None:
        raise Conflict(Message("{solution} has no open application to add a file to", solution=solution.name))
    return files.store(session, ctx, principal, upload,
                       files.Subject(solution.id, APPLICATION, application.id))


def case_files(session: Session, principal: Principal, solution: Solution,
               case: ApprovalCase | None) -> dict[str, dict[int, list[EvidenceFile]]]:
    """The case's files for those who may see them (nothing for others), by what they are
    attached to: {"milestones": {milestone id: [files]}, "applications": {apply event id:
    [files]}, "events": {event id: [files]}} (an application's files, a hand-in's files)."""
    out: dict[str, dict[int, list[EvidenceFile]]] = {"milestones": {}, "applications": {}, "events": {}}
    if case is None or not may_see_files(principal, solution):
        return out
    events = svc.events_of(session, case)
    applications = [e.id for e in events if e.kind == lc.APPLY]
    by_id: dict[int, EvidenceFile] = {}
    for kind, group, ids in ((MILESTONE, "milestones", [m.id for m in case.milestones]),
                             (APPLICATION, "applications", applications)):
        for row in files.attached(session, kind, ids):
            out[group].setdefault(row.subject_id, []).append(row)
            by_id[row.id] = row
    out["events"] = {e.id: out["applications"].get(e.id, []) if e.kind == lc.APPLY
                     else [by_id[i] for i in e.details.get("files", []) if i in by_id]
                     for e in events if e.kind in (lc.APPLY, lc.SUBMIT_EVIDENCE)}
    return out


def case_file(session: Session, principal: Principal, key: int | str, file_id: int) -> EvidenceFile:
    """One file of the solution's approval, for approvers, admins and the solution's vendor."""
    if not principal.is_authenticated:
        require(principal, "approval.evidence")
    solution = catalogue.get_solution(session, principal, key)
    if not may_see_files(principal, solution):
        raise Forbidden("only approvers and the solution's own vendor may see its approval's files")
    row = session.get(EvidenceFile, file_id)
    if row is None or row.solution_id != solution.id or row.subject not in (APPLICATION, MILESTONE):
        raise NotFound(Message("file {id} does not exist", id=file_id))
    return row

