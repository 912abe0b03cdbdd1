"""Approval services: record events (the lifecycle module decides, we store), read a
solution's approval status on any date, the public register, the dashboard figures and
the daily expiry job.

Services take a Session and a Principal; they flush but never commit. Every change goes
through the ORM, so the audit hook records it too; the approval_event table is the
readable history (who, when, why, what was given, the status left behind).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.approvals import lifecycle as lc
from app.approvals import notify
from app.approvals.models import ApprovalCase, ApprovalEvent, ApprovalMilestone
from app.approvals.schemas import EventIn
from app.assessment import services as assessments
from app.assessment.models import Assessment
from app.benchmark import services as benchmark
from app.catalogue import services as catalogue
from app.catalogue.models import Organisation, Solution, TreatmentArea
from app.core.clock import danish_day, today
from app.core.pagination import PageRequest
from app.core.principal import Principal, require
from app.core.records import assign, flush
from app.core.roles import Role, allowed
from app.errors import Conflict, Forbidden, NotFound, ValidationFailed
from app.messages import Message, message_of
from app.settings import DEFAULT_DECISION_MONTHS, DEFAULT_YEARLY_MINIMUM
from app.web.i18n import label

REGISTER_PREFIX = "BT"
SYSTEM_LABEL = "system (daily expiry job)"


class ApprovalRefused(ValidationFailed):
    """A lifecycle rule refused the event: 409 for the state of the approval, 400 for
    dates or texts that make no sense. ``errors`` names the field and the rule."""

    def __init__(self, violation: lc.RuleViolation) -> None:
        message = message_of(violation)
        super().__init__({violation.field or "event": message, "rule": violation.rule})
        self.args = (message,)
        self.violation = violation
        self.status_code = 400 if violation.is_input_error else 409


# ---- look-ups ----------------------------------------------------------------------------


def case_for(session: Session, solution: Solution) -> ApprovalCase | None:
    return session.scalar(select(ApprovalCase).where(ApprovalCase.solution_id == solution.id))


def get_solution_and_case(session: Session, principal: Principal,
                          key: int | str) -> tuple[Solution, ApprovalCase | None]:
    solution = catalogue.get_solution(session, principal, key)
    return solution, case_for(session, solution)


def state_of(case: ApprovalCase | None) -> lc.ApprovalState:
    if case is None:
        return lc.ApprovalState()
    return lc.ApprovalState(
        status=case.status, last_event_on=case.last_event_on, applied_on=case.applied_on,
        decided_on=case.decided_on, valid_from=case.valid_from, valid_until=case.valid_until,
        evidence_due=case.evidence_due, temporary_count=case.temporary_count,
        extension_count=case.extension_count, first_approved_on=case.first_approved_on,
        temporary_outcome=case.temporary_outcome,
        milestones=tuple(lc.Milestone(title=m.title, due=m.due_date, status=m.status,
                                      evidence_url=m.evidence_url, done_on=m.done_on)
                         for m in case.milestones),
        treatment_areas=tuple(case.treatment_areas or ()), indications=case.indications,
        conditions=case.conditions, basis=case.basis or lc.BASIS_NONE, basis_reference=case.basis_reference,
        decision_due=case.decision_due)


def events_of(session: Session, case: ApprovalCase | None) -> list[ApprovalEvent]:
    if case is None:
        return []
    return list(session.scalars(select(ApprovalEvent).where(ApprovalEvent.case_id == case.id)
                                .order_by(ApprovalEvent.id)))


# ---- recording events --------------------------------------------------------------------


def _assessment_facts(session: Session, solution: Solution, ids: list[int]) -> tuple[lc.AssessmentFact, ...]:
    facts = []
    for assessment_id in dict.fromkeys(ids):
        a = session.get(Assessment, assessment_id)
        if a is None or a.solution_id != solution.id:
            raise ValidationFailed({"assessment_ids": Message("assessment #{id} is not an assessment of "
                                                              "{solution}", id=assessment_id,
                                                              solution=solution.name)})
        completed_on = danish_day(a.completed_at) if a.completed_at else None
        facts.append(lc.AssessmentFact(id=a.id, status=a.status,
                                       contributors=assessments.contributors(session, a),
                                       completed_on=completed_on))
    return tuple(facts)


def _check_areas(session: Session, codes: list[str]) -> tuple[str, ...]:
    codes = list(dict.fromkeys(c.strip() for c in codes if c.strip()))
    known = set(session.scalars(select(TreatmentArea.code).where(TreatmentArea.code.in_(codes))))
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise ValidationFailed({"treatment_areas": Message("unknown treatment area: {codes}",
                                                           codes=", ".join(unknown))})
    return tuple(sorted(codes))


def _milestone_index(case: ApprovalCase | None, milestone_id: int | None) -> int | None:
    if milestone_id is None or case is None:
        return None
    for i, m in enumerate(case.milestones):
        if m.id == milestone_id:
            return i
    raise ValidationFailed({"milestone_id": Message("milestone {id} is not part of this evidence plan",
                                                    id=milestone_id)})


def _require_for(principal: Principal, kind: str, solution: Solution) -> None:
    if kind == lc.APPLY:
        require(principal, "approval.apply")
    elif kind == lc.COMPLETE_MILESTONE:
        require(principal, "approval.evidence")
    else:
        require(principal, "approval.decide")
    if principal.role == Role.VENDOR and principal.vendor_id != solution.vendor_id:
        raise Forbidden("a vendor may act only on its own solutions' approvals")


def next_register_number(session: Session, year: int) -> str:
    prefix = f"{REGISTER_PREFIX}-{year}-"
    taken = session.scalars(select(ApprovalCase.register_number)
                            .where(ApprovalCase.register_number.like(f"{prefix}%")))
    highest = max((int(n.removeprefix(prefix)) for n in taken if n), default=0)
    return f"{prefix}{highest + 1:04d}"


def _store(case: ApprovalCase, state: lc.ApprovalState) -> None:
    values = {
        "status": state.status, "applied_on": state.applied_on, "decided_on": state.decided_on,
        "first_approved_on": state.first_approved_on, "valid_from": state.valid_from,
        "valid_until": state.valid_until, "evidence_due": state.evidence_due,
        "temporary_count": state.temporary_count, "extension_count": state.extension_count,
        "temporary_outcome": state.temporary_outcome, "last_event_on": state.last_event_on,
        "treatment_areas": list(state.treatment_areas), "indications": state.indications,
        "conditions": state.conditions, "basis": state.basis, "basis_reference": state.basis_reference,
        "decision_due": state.decision_due,
    }
    assign(case, values)
    for i, m in enumerate(state.milestones):
        fields = {"position": i + 1, "title": m.title, "due_date": m.due, "status": m.status,
                  "evidence_url": m.evidence_url, "done_on": m.done_on}
        if i < len(case.milestones):
            assign(case.milestones[i], fields)
        else:
            case.milestones.append(ApprovalMilestone(**fields))


def record_event(session: Session, principal: Principal, key: int | str, data: EventIn,
                 on_day: date | None = None, actor_label: str | None = None,
                 decision_months: int = DEFAULT_DECISION_MONTHS) -> ApprovalCase:
    """Check the event against the rules and record it. `on_day` is "today" (tests, CLI);
    an application without a basis abroad is due `decision_months` after it is received."""
    now = on_day or today()
    system = actor_label is not None and not principal.is_authenticated
    solution = session.get(Solution, int(key)) if system else catalogue.get_solution(session, principal, key)
    if solution is None:
        raise NotFound(Message("solution {key} does not exist", key=key))
    if not system:
        _require_for(principal, data.event, solution)
    case = case_for(session, solution)
    if data.version is not None and case is not None and case.version != data.version:
        raise Conflict(Message("the approval of {solution} was changed by someone else (you read "
                               "version {version}, it is now version {current}); reload it",
                               solution=solution.name, version=data.version, current=case.version))
    assessments = _assessment_facts(session, solution, data.assessment_ids) \
        if data.event in lc.DECISIONS else ()
    event = lc.Event(
        kind=data.event, on=data.on or now, actor_id=principal.id, reason=data.reason,
        conditions=data.conditions, indications=data.indications,
        treatment_areas=_check_areas(session, data.treatment_areas), assessments=assessments,
        valid_from=data.valid_from, valid_until=data.valid_until, evidence_due=data.evidence_due,
        milestones=tuple(lc.MilestonePlan(m.title, m.due) for m in data.milestones),
        milestone=_milestone_index(case, data.milestone_id), evidence_url=data.evidence_url,
        basis=data.basis, basis_reference=data.basis_reference)
    before = state_of(case)
    try:
        after = lc.apply_event(before, event, now, decision_months=decision_months)
    except lc.RuleViolation as violation:
        raise ApprovalRefused(violation) from None
    if case is None:
        case = ApprovalCase(solution_id=solution.id, status=lc.NONE, treatment_areas=[])
        session.add(case)
    _store(case, after)
    if after.status in lc.VALID_STATUSES and case.register_number is None:
        case.register_number = next_register_number(session, event.on.year)
    details: dict[str, Any] = {}
    if data.milestones:
        details["milestones"] = [{"title": m.title, "due": m.due.isoformat()} for m in data.milestones]
    if event.milestone is not None:
        details["milestone"] = event.milestone + 1
    if data.evidence_url:
        details["evidence_url"] = data.evidence_url
    for name in ("valid_from", "valid_until", "evidence_due"):
        if getattr(data, name) is not None:
            details[f"requested_{name}"] = getattr(data, name).isoformat()
    if after.evidence_due:
        details["evidence_due"] = after.evidence_due.isoformat()
    if event.kind == lc.APPLY:
        details |= {"basis": after.basis, "basis_reference": after.basis_reference,
                    "decision_due": _iso(after.decision_due)}
    recorded = ApprovalEvent(
        case=case, solution_id=solution.id, kind=event.kind, on_date=event.on, actor_id=principal.id,
        actor_label=actor_label or principal.audit_label, reason=(data.reason or "").strip() or None,
        conditions=event.conditions, indications=event.indications,
        treatment_areas=list(event.treatment_areas), assessment_ids=[a.id for a in assessments],
        details=details, from_status=lc.effective_status(before, event.on), to_status=after.status,
        valid_from=after.valid_from, valid_until=after.valid_until)
    session.add(recorded)
    flush(session, "this approval was changed by someone else at the same time; reload it and try again")
    notify.recorded(session, solution, case, recorded)
    return case


def expire_due(session: Session, on_day: date | None = None) -> list[ApprovalCase]:
    """Record the expiry of every temporary approval past its end date (idempotent)."""
    now = on_day or today()
    due = list(session.scalars(select(ApprovalCase).where(
        ApprovalCase.status == lc.TEMPORARY, ApprovalCase.valid_until < now).order_by(ApprovalCase.id)))
    system = Principal(id=None, email="", name="system", role="system")
    for case in due:
        assert case.valid_until is not None
        expired_on = max(case.valid_until + timedelta(days=1), case.last_event_on or case.valid_until)
        record_event(session, system, case.solution_id,
                     EventIn(event="expire", on=min(expired_on, now),
                             reason="the temporary approval reached its end date"),
                     on_day=now, actor_label=SYSTEM_LABEL)
    return due


# ---- reading -----------------------------------------------------------------------------


def snapshots(events: list[ApprovalEvent]) -> list[lc.Snapshot]:
    return [lc.Snapshot(on=e.on_date, status=e.to_status, valid_from=e.valid_from,
                        valid_until=e.valid_until) for e in events]


def status_at(session: Session, principal: Principal, key: int | str,
              at: date | None = None) -> dict[str, Any]:
    """The approval status of a solution on any date (default: today)."""
    when = at or today()
    solution, case = get_solution_and_case(session, principal, key)
    status, valid_from, valid_until = lc.status_on(snapshots(events_of(session, case)), when)
    return {
        "solution": {"id": solution.id, "slug": solution.slug, "name": solution.name},
        "at": when.isoformat(),
        "status": status,
        "valid": status in lc.VALID_STATUSES and (valid_from is None or valid_from <= when),
        "valid_from": valid_from.isoformat() if valid_from else None,
        "valid_until": valid_until.isoformat() if valid_until else None,
        "register_number": case.register_number if case and case.register_number and
        case.first_approved_on and case.first_approved_on <= when else None,
    }


def evidence_summary(case: ApprovalCase, on: date | None = None) -> dict[str, Any]:
    milestones = case.milestones
    shown = [lc.milestone_shown(m.status, m.due_date, on or today()) for m in milestones]
    return {
        "milestones": len(milestones),
        "met": sum(1 for m in milestones if m.status == lc.MET),
        "missed": sum(1 for m in milestones if m.status == lc.MISSED),
        "pending": sum(1 for m in milestones if m.status == lc.PENDING),
        "overdue": shown.count(lc.OVERDUE),
        "evidence_due": case.evidence_due.isoformat() if case.evidence_due else None,
    }


def milestone_views(case: ApprovalCase | None, on: date) -> list[dict[str, Any]]:
    """The evidence plan as the public reads it: each milestone with its status on the day
    ("overdue" for a pending one past its due date)."""
    return [{"number": m.position, "title": m.title, "due": m.due_date.isoformat(),
             "status": lc.milestone_shown(m.status, m.due_date, on), "done_on": _iso(m.done_on)}
            for m in (case.milestones if case else [])]


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def event_view(e: ApprovalEvent, public: bool = False) -> dict[str, Any]:
    view = {
        "event": e.kind, "on": e.on_date.isoformat(), "from_status": e.from_status,
        "to_status": e.to_status, "reason": e.reason, "conditions": e.conditions,
        "indications": e.indications, "treatment_areas": e.treatment_areas,
        "assessment_ids": e.assessment_ids, "valid_from": _iso(e.valid_from),
        "valid_until": _iso(e.valid_until), "details": e.details,
        "recorded_at": e.created_at.isoformat() if e.created_at else None,
    }
    if not public:
        view["actor"] = {"id": e.actor_id, "label": e.actor_label}
    elif e.kind == lc.SUBMIT_EVIDENCE:  # the vendor's note and files are for the approvers
        view |= {"reason": None, "details": {"milestone": e.details.get("milestone")}}
    return view


def case_view(session: Session, principal: Principal, solution: Solution, case: ApprovalCase | None,
              now: date | None = None) -> dict[str, Any]:
    when = now or today()
    state = state_of(case)
    staff = principal.can("approval.dashboard")
    return {
        "solution": {"id": solution.id, "slug": solution.slug, "name": solution.name},
        "register_number": case.register_number if case else None,
        "status": lc.effective_status(state, when),
        "recorded_status": state.status,
        "valid": lc.is_valid(state, when),
        "applied_on": _iso(state.applied_on), "decided_on": _iso(state.decided_on),
        "first_approved_on": _iso(state.first_approved_on),
        "valid_from": _iso(state.valid_from), "valid_until": _iso(state.valid_until),
        "evidence_due": _iso(state.evidence_due), "extended": state.extension_count > 0,
        "had_temporary_approval": state.temporary_count > 0,
        "temporary_outcome": state.temporary_outcome,
        "treatment_areas": list(state.treatment_areas), "indications": state.indications,
        "conditions": state.conditions,
        "basis": basis_view(state.basis, state.basis_reference),
        "decision_due": _iso(state.decision_due) if state.status == lc.APPLIED else None,
        "milestones": [{"id": m.id, "number": m.position, "title": m.title, "due": m.due_date.isoformat(),
                        "status": m.status, "overdue": lc.milestone_shown(m.status, m.due_date, when) == lc.OVERDUE,
                        "evidence_url": m.evidence_url, "done_on": _iso(m.done_on)}
                       for m in (case.milestones if case else [])],
        "history": [event_view(e, public=not staff) for e in events_of(session, case)],
        "allowed_events": lc.allowed_events(state, when),
        "version": case.version if case else None,
    }


def public_statuses(session: Session, solution_ids: list[int], now: date | None = None) -> dict[int, dict[str, Any]]:
    """Each solution's approval as the public reads it today: the status, the register
    number (once approved), the period, and the evidence plan with each milestone's status
    ("overdue" for a pending one past its due date)."""
    when = now or today()
    cases = {c.solution_id: c for c in session.scalars(select(ApprovalCase).where(
        ApprovalCase.solution_id.in_(solution_ids)))} if solution_ids else {}
    out = {}
    for sid in solution_ids:
        case = cases.get(sid)
        state = state_of(case)
        out[sid] = {
            "status": lc.effective_status(state, when), "valid": lc.is_valid(state, when),
            "register_number": case.register_number if case and case.first_approved_on else None,
            "valid_from": _iso(state.valid_from), "valid_until": _iso(state.valid_until),
            "evidence_due": _iso(state.evidence_due), "extended": state.extension_count > 0,
            "milestones": milestone_views(case, when),
        }
    return out


def completed_assessments(session: Session, solution: Solution) -> list[Assessment]:
    return list(session.scalars(select(Assessment).where(
        Assessment.solution_id == solution.id, Assessment.status == "completed")
        .order_by(Assessment.id.desc())))


# ---- the public register ---------------------------------------------------------------------


@dataclass(frozen=True)
class RegisterFilter:
    status: str | None = None
    treatment_area: str | None = None
    purpose: str | None = None
    regulatory_class: str | None = None
    q: str | None = None


def register_filter(status: str | None, treatment_area: str | None, purpose: str | None,
                    regulatory_class: str | None, q: str | None) -> RegisterFilter:
    if status and status not in lc.REGISTER_STATUSES:
        raise ValidationFailed({"status": "must be one of " + ", ".join(lc.REGISTER_STATUSES)})
    return RegisterFilter(status=status or None, treatment_area=treatment_area or None,
                          purpose=purpose or None, regulatory_class=regulatory_class or None,
                          q=(q or "").strip() or None)


def _status_condition(status: str, now: date) -> Any:
    current = or_(ApprovalCase.valid_until.is_(None), ApprovalCase.valid_until >= now)
    if status == lc.EXPIRED:
        return or_(ApprovalCase.status == lc.EXPIRED,
                   and_(ApprovalCase.status.in_(lc.VALID_STATUSES), ApprovalCase.valid_until < now))
    if status in lc.VALID_STATUSES:
        return and_(ApprovalCase.status == status, current)
    return ApprovalCase.status == status


def register_cases(session: Session, principal: Principal, flt: RegisterFilter, page: PageRequest | None,
                   now: date | None = None) -> tuple[list[ApprovalCase], int]:
    """Every solution that has ever been approved (it has a register number) and that the
    principal may see, current approvals first, then history (revoked, expired, ended), by
    register number."""
    when = now or today()
    stmt = (select(ApprovalCase).join(Solution, Solution.id == ApprovalCase.solution_id)
            .where(ApprovalCase.register_number.is_not(None), catalogue.solution_visible(principal)))
    if flt.status in lc.REGISTER_STATUSES:
        stmt = stmt.where(_status_condition(flt.status, when))
    if flt.purpose:
        stmt = stmt.where(Solution.purpose == flt.purpose)
    if flt.regulatory_class:
        stmt = stmt.where(Solution.regulatory_class == flt.regulatory_class)
    if flt.q:
        q = flt.q.strip()  # % and _ are literal characters here, not wildcards
        stmt = stmt.where(or_(Solution.name.icontains(q, autoescape=True),
                              ApprovalCase.indications.icontains(q, autoescape=True),
                              ApprovalCase.register_number.icontains(q, autoescape=True)))
    cases = list(session.scalars(stmt).unique())
    if flt.treatment_area:  # the areas covered live in a JSON list: filter here (the register is small)
        cases = [c for c in cases if flt.treatment_area in (c.treatment_areas or [])]

    def order(c: ApprovalCase) -> tuple[int, str]:
        return (0 if lc.is_valid(state_of(c), when) else 1, c.register_number or "")

    cases.sort(key=order)
    if page is None:
        return cases, len(cases)
    return cases[page.offset:page.offset + page.limit], len(cases)


def organisations_using(session: Session, solution_ids: list[int]) -> dict[int, list[Organisation]]:
    """Where each solution is in use, by the benchmark's one definition of "in use"
    (benchmark.services.adoption_of): the organisations, by name."""
    adoption = benchmark.adoption_of(session, solution_ids)
    ids = {o["id"] for a in adoption.values() for o in a["organisations"] if o["in_use"]}
    orgs = {o.id: o for o in session.scalars(select(Organisation).where(Organisation.id.in_(ids)))} if ids else {}
    return {sid: sorted((orgs[o["id"]] for o in a["organisations"] if o["in_use"]), key=lambda o: o.name)
            for sid, a in adoption.items()}


def register_entry(case: ApprovalCase, areas: dict[str, TreatmentArea], orgs: list[Organisation],
                   now: date) -> dict[str, Any]:
    state = state_of(case)
    solution = case.solution
    return {
        "register_number": case.register_number,
        "solution": {"id": solution.id, "slug": solution.slug, "name": solution.name,
                     "vendor": solution.vendor.name, "purpose": solution.purpose,
                     "regulatory_class": solution.regulatory_class},
        "status": lc.effective_status(state, now),
        "valid": lc.is_valid(state, now),
        "first_approved_on": _iso(case.first_approved_on),
        "decided_on": _iso(case.decided_on),
        "valid_from": _iso(case.valid_from),
        "valid_until": _iso(case.valid_until),
        "extended": case.extension_count > 0,
        "treatment_areas": [{"code": c, "name_da": areas[c].name_da if c in areas else c,
                             "name_en": areas[c].name_en if c in areas else c}
                            for c in case.treatment_areas or []],
        "indications": case.indications,
        "conditions": case.conditions,
        "basis": basis_view(case.basis, case.basis_reference),
        "evidence": evidence_summary(case, now) if case.temporary_count else None,
        "milestones": milestone_views(case, now),
        "in_use_by": [{"id": o.id, "kind": o.kind, "name": o.name} for o in orgs],
    }


def basis_view(basis: str | None, reference: str | None) -> dict[str, Any]:
    """An application's basis with its Danish and English names (the register is read in Danish)."""
    code = basis or lc.BASIS_NONE
    return {"code": code, "name_da": label("da", "basis", code), "name_en": label("en", "basis", code),
            "reference": reference}


def register(session: Session, principal: Principal, flt: RegisterFilter, page: PageRequest | None,
             now: date | None = None) -> tuple[list[dict[str, Any]], int]:
    when = now or today()
    cases, total = register_cases(session, principal, flt, page, when)
    areas = {t.code: t for t in session.scalars(select(TreatmentArea))}
    using = organisations_using(session, [c.solution_id for c in cases])
    return [register_entry(c, areas, using.get(c.solution_id, []), when) for c in cases], total


def register_case(session: Session, principal: Principal, number: str) -> ApprovalCase:
    case = session.scalar(select(ApprovalCase).join(Solution, Solution.id == ApprovalCase.solution_id)
                          .where(ApprovalCase.register_number == number, catalogue.solution_visible(principal)))
    if case is None:
        raise NotFound(Message("register number {number} does not exist", number=number))
    return case


REGISTER_CSV_COLUMNS = ("register_number", "solution", "vendor", "status", "valid_from", "valid_until",
                        "first_approved_on", "extended", "treatment_areas", "indications", "conditions",
                        "purpose", "regulatory_class", "evidence_milestones_met", "evidence_milestones",
                        "evidence_due", "in_use_by", "basis", "basis_reference", "url")


def register_csv_rows(entries: list[dict[str, Any]], base_url: str) -> list[dict[str, Any]]:
    rows = []
    for e in entries:
        ev = e["evidence"] or {}
        rows.append({
            "register_number": e["register_number"], "solution": e["solution"]["name"],
            "vendor": e["solution"]["vendor"], "status": e["status"], "valid_from": e["valid_from"] or "",
            "valid_until": e["valid_until"] or "", "first_approved_on": e["first_approved_on"] or "",
            "extended": "yes" if e["extended"] else "no",
            "treatment_areas": "; ".join(a["code"] for a in e["treatment_areas"]),
            "indications": e["indications"] or "", "conditions": e["conditions"] or "",
            "purpose": e["solution"]["purpose"], "regulatory_class": e["solution"]["regulatory_class"],
            "evidence_milestones_met": ev.get("met", ""), "evidence_milestones": ev.get("milestones", ""),
            "evidence_due": ev.get("evidence_due") or "",
            "in_use_by": "; ".join(o["name"] for o in e["in_use_by"]),
            "basis": e["basis"]["name_da"], "basis_reference": e["basis"]["reference"] or "",
            "url": f"{base_url}/register/{e['register_number']}",
        })
    return rows


# ---- the dashboard ---------------------------------------------------------------------------

WINDOWS = (30, 60, 90)


def dashboard(session: Session, principal: Principal, now: date | None = None,
              case_ids: Collection[int] | None = None,
              yearly_minimum: int = DEFAULT_YEARLY_MINIMUM) -> dict[str, Any]:
    """The dashboard's figures, of every case or of `case_ids` only (a filtered report)."""
    require(principal, "approval.dashboard")
    when = now or today()
    cases = [c for c in session.scalars(select(ApprovalCase).order_by(ApprovalCase.id))
             if case_ids is None or c.id in case_ids]
    temporary = [c for c in cases if c.temporary_count]
    by_status: dict[str, int] = {k: 0 for k in ("active", "extended", "became_permanent", "expired",
                                                "rejected", "revoked")}
    deadlines: list[dict[str, Any]] = []
    overdue: list[dict[str, Any]] = []
    for c in temporary:
        state = state_of(c)
        status = lc.effective_status(state, when)
        if status == lc.TEMPORARY:
            by_status["extended" if c.extension_count else "active"] += 1
            for kind, day in (("evidence_due", c.evidence_due), ("ends", c.valid_until)):
                if day is not None and when <= day <= when + timedelta(days=WINDOWS[-1]):
                    days = (day - when).days
                    window = next(w for w in WINDOWS if days <= w)
                    deadlines.append({"case": c, "kind": kind, "date": day, "days": days, "window": window})
            for m in c.milestones:
                if m.status == lc.PENDING and m.due_date < when:
                    overdue.append({"case": c, "milestone": m, "days": (when - m.due_date).days})
        else:
            outcome = c.temporary_outcome or (lc.EXPIRED if status == lc.EXPIRED else None)
            key = {lc.APPROVED: "became_permanent", lc.EXPIRED: "expired", lc.REJECTED: "rejected",
                   lc.REVOKED: "revoked"}.get(outcome or "")
            if key:
                by_status[key] += 1
    ended = sum(by_status[k] for k in ("became_permanent", "expired", "rejected", "revoked"))
    decisions = _application_decisions(session, case_ids)
    deadlines.sort(key=lambda d: (d["date"], d["case"].id))
    overdue.sort(key=lambda o: (o["milestone"].due_date, o["case"].id))
    return {
        "today": when,
        "by_status": by_status,
        "temporary_total": len(temporary),
        "deadlines": deadlines,
        "deadline_counts": {w: sum(1 for d in deadlines if d["days"] <= w) for w in WINDOWS},
        "overdue": overdue,
        "ended": ended,
        "share_permanent": (by_status["became_permanent"] / ended) if ended else None,
        "median_days_to_decision": lc.median_days((applied, decided) for _, applied, decided in decisions),
        "approved_total": sum(1 for c in cases if lc.effective_status(state_of(c), when) == lc.APPROVED),
        "open_applications": [c for c in cases if c.status == lc.APPLIED],
        "decision_deadlines": _decision_deadlines(cases, when),
    } | _case_handling(decisions, when.year, yearly_minimum)


def _decision_deadlines(cases: list[ApprovalCase], when: date) -> list[dict[str, Any]]:
    """Open applications past their due date or due within lifecycle.DUE_SOON_DAYS, soonest first."""
    out = []
    for c in cases:
        shown = lc.due_state(c.decision_due, when) if c.status == lc.APPLIED else None
        if shown is not None:
            assert c.decision_due is not None
            out.append({"case": c, "due": c.decision_due, "days": (c.decision_due - when).days, "state": shown})
    return sorted(out, key=lambda d: (d["due"], d["case"].id))


def _case_handling(decisions: list[tuple[int, date, date]], year: int, minimum: int) -> dict[str, Any]:
    """Case time (days from receipt to decision) of the applications decided in `year`, and
    the technologies decided that year against the yearly minimum."""
    middle, p90 = lc.case_time(((applied, decided) for _, applied, decided in decisions), year)
    decided = {case_id for case_id, _, on in decisions if on.year == year}
    return {"year": year, "case_days_median": middle, "case_days_p90": p90, "decided_this_year": len(decided),
            "yearly_minimum": minimum}


def _application_decisions(session: Session,
                           case_ids: Collection[int] | None = None) -> list[tuple[int, date, date]]:
    """(case, application date, decision date) for every decided application (of `case_ids`)."""
    pairs: list[tuple[int, date, date]] = []
    open_since: dict[int, date] = {}
    rows = session.execute(select(ApprovalEvent.case_id, ApprovalEvent.kind, ApprovalEvent.on_date)
                           .order_by(ApprovalEvent.id))
    for case_id, kind, on in rows:
        if case_ids is not None and case_id not in case_ids:
            continue
        if kind == lc.APPLY:
            open_since[case_id] = on
        elif kind in lc.DECISIONS and case_id in open_since:
            pairs.append((case_id, open_since.pop(case_id), on))
    return pairs


def dashboard_json(data: dict[str, Any]) -> dict[str, Any]:
    def ref(c: ApprovalCase) -> dict[str, Any]:
        return {"slug": c.solution.slug, "name": c.solution.name, "register_number": c.register_number}

    return {
        "today": data["today"].isoformat(), "by_status": data["by_status"],
        "temporary_total": data["temporary_total"], "deadline_counts": data["deadline_counts"],
        "deadlines": [{"solution": ref(d["case"]), "kind": d["kind"], "date": d["date"].isoformat(),
                       "days": d["days"], "window": d["window"]} for d in data["deadlines"]],
        "overdue_milestones": [{"solution": ref(o["case"]), "milestone": o["milestone"].title,
                                "due": o["milestone"].due_date.isoformat(), "days_overdue": o["days"]}
                               for o in data["overdue"]],
        "share_temporary_became_permanent": data["share_permanent"],
        "median_days_application_to_decision": data["median_days_to_decision"],
        "approved_total": data["approved_total"],
        "open_applications": [ref(c) for c in data["open_applications"]],
        "decision_deadlines": [{"solution": ref(d["case"]), "basis": d["case"].basis, "due": d["due"].isoformat(),
                                "days": d["days"], "state": d["state"]} for d in data["decision_deadlines"]],
        "case_handling": {key: data[key] for key in ("year", "case_days_median", "case_days_p90",
                                                      "decided_this_year", "yearly_minimum")},
    }


# ---- calendar feed ----------------------------------------------------------------------------


def calendar_token(secret: str, user_id: int) -> str:
    """The per-user secret in a calendar subscription URL (an HMAC of the user id)."""
    message = f"approvals-calendar:{user_id}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()[:40]


def calendar_user(session: Session, secret: str, user_id: int | None, token: str | None) -> User:
    user = session.get(User, user_id) if user_id else None
    if (user is None or not token or not user.is_active
            or not hmac.compare_digest(calendar_token(secret, user.id), token)
            or not allowed(user.role, "approval.dashboard")):
        raise Forbidden("this calendar link is not valid (ask for a new one on the approvals dashboard)")
    return user


def calendar_deadlines(session: Session, now: date | None = None) -> list[dict[str, Any]]:
    """Deadlines of temporary approvals still running: final evidence, milestones, ends."""
    when = now or today()
    out: list[dict[str, Any]] = []
    for c in session.scalars(select(ApprovalCase).where(ApprovalCase.status == lc.TEMPORARY)):
        if lc.effective_status(state_of(c), when) != lc.TEMPORARY:
            continue
        name = c.solution.name
        if c.evidence_due:
            out.append({"uid": f"evidence-{c.id}", "date": c.evidence_due, "case": c,
                        "summary": Message("{what}: {name} ({number})", what=Message("Final evidence due"),
                                           name=name, number=c.register_number)})
        if c.valid_until:
            out.append({"uid": f"end-{c.id}", "date": c.valid_until, "case": c,
                        "summary": Message("{what}: {name} ({number})", what=Message("Temporary approval ends"),
                                           name=name, number=c.register_number)})
        for m in c.milestones:
            if m.status == lc.PENDING:
                out.append({"uid": f"milestone-{m.id}", "date": m.due_date, "case": c,
                            "summary": Message("{what}: {name}: {milestone}", what=Message("Milestone due"),
                                               name=name, milestone=m.title)})
    out.sort(key=lambda d: (d["date"], d["uid"]))
    return out


def utcnow() -> datetime:
    return datetime.now(UTC)


def treatment_area_list(session: Session) -> list[TreatmentArea]:
    return list(session.scalars(select(TreatmentArea).order_by(TreatmentArea.name_da)))
