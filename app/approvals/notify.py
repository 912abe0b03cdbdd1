"""Mails of approval events, written in the event's transaction: an application to the
approvers, a decision to the vendor's users, an approval to the submitters of the needs
the solution matches."""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.approvals import lifecycle as lc
from app.approvals.models import ApprovalCase, ApprovalEvent, ApprovalMilestone
from app.audit.services import creators
from app.catalogue.models import Need, Solution, TreatmentArea, project_need, project_solution
from app.core.roles import Role
from app.notifications import recipients
from app.notifications.outbox import enqueue

#: events a vendor hears of: what an approver decided
VENDOR_HEARS = (lc.APPROVE, lc.APPROVE_TEMPORARILY, lc.REJECT, lc.EXTEND, lc.REVOKE)


def case_path(solution: Solution) -> str:
    return f"/approvals/solutions/{solution.slug}"


def recorded(session: Session, solution: Solution, case: ApprovalCase, event: ApprovalEvent) -> None:
    context: dict[str, Any]
    if event.kind == lc.APPLY:
        context = {"solution_name": solution.name, "vendor_name": solution.vendor.name,
                   "applied_on": event.on_date.isoformat(), "path": case_path(solution)}
        for user in recipients.approvers(session):
            enqueue(session, user, "application_received", context)
    if event.kind in VENDOR_HEARS:
        context = {"solution_name": solution.name, "decision": event.kind, "on": event.on_date.isoformat(),
                   "valid_until": event.valid_until.isoformat() if event.valid_until else None,
                   "reason": event.reason or "", "path": case_path(solution)}
        for user in recipients.vendor_users(session, solution.vendor_id):
            enqueue(session, user, "decision_recorded", context)
    if event.kind in (lc.APPROVE, lc.APPROVE_TEMPORARILY) and solution.published:
        _needs_matched(session, solution, case, event)


def evidence_submitted(session: Session, solution: Solution, milestone: ApprovalMilestone,
                       event: ApprovalEvent) -> None:
    """Evidence handed in for a milestone: the approvers are to judge whether it is met."""
    context = {"solution_name": solution.name, "milestone": milestone.title, "day": event.on_date.isoformat(),
               "path": case_path(solution)}
    for user in recipients.approvers(session):
        enqueue(session, user, "milestone_evidence", context)


def matching_needs(session: Session, case: ApprovalCase) -> list[Need]:
    """Needs in a treatment area the approval covers, or named by a project that uses the solution."""
    in_project = select(project_need.c.need_id).join(
        project_solution, project_solution.c.project_id == project_need.c.project_id).where(
        project_solution.c.solution_id == case.solution_id)
    area_ids = select(TreatmentArea.id).where(TreatmentArea.code.in_(case.treatment_areas or []))
    return list(session.scalars(select(Need).where(or_(Need.treatment_area_id.in_(area_ids),
                                                       Need.id.in_(in_project))).order_by(Need.id)))


def need_submitters(session: Session, needs: list[Need]) -> dict[int, list[User]]:
    """need id -> who submitted it: the user who created it (audit trail); for a need without
    one (seeded or imported), the org reporters of the organisation that has the need."""
    made_by = creators(session, "need", [n.id for n in needs])
    users = {u.id: u for u in session.scalars(select(User).where(User.id.in_(set(made_by.values()))))}
    reporters: dict[int, list[User]] = {}
    for user in recipients.with_role(session, Role.ORG_REPORTER):
        if user.organisation_id is not None:
            reporters.setdefault(user.organisation_id, []).append(user)
    return {n.id: [users[made_by[n.id]]] if made_by.get(n.id) in users else reporters.get(n.organisation_id, [])
            for n in needs}


def _needs_matched(session: Session, solution: Solution, case: ApprovalCase, event: ApprovalEvent) -> None:
    needs = matching_needs(session, case)
    submitters = need_submitters(session, needs)
    for need in needs:
        context = {"solution_name": solution.name, "need_title": need.title,
                   "approved_on": event.on_date.isoformat(),
                   "path": f"/solutions/{solution.slug}", "need_path": f"/needs/{need.slug}"}
        for user in submitters[need.id]:
            enqueue(session, user, "need_matched", context, dedup_key=f"need:{need.id}:solution:{solution.id}")
