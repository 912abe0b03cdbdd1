"""The rules of blue-stamping (approval), as PURE functions: no database, no web.

A solution's approval goes through events (apply, approve, approve_temporarily, reject,
extend, revoke, expire, complete_milestone, miss_milestone). ``apply_event(state, event,
today)`` answers the new state or raises ``RuleViolation`` naming the rule it breaks
(e.g. "rule T2: a solution may get only one temporary approval"). The services store
what this module decides; they never decide themselves.

Temporary approvals follow model 7.4 (and Germany's DiGA fast track / France's PECAN):
12 months from the start date, an evidence plan with milestones, final evidence due no
later than 3 months before the end, at most one extension of at most 12 months, and
only one temporary approval per solution, ever. Validity is always computed with the
date: a temporary approval past its end date is never valid, whether or not the daily
expiry job has recorded the expiry yet.
"""

from __future__ import annotations

import calendar
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from functools import partial
from statistics import median

from app.assessment import four_eyes
from app.messages import RULE_MSGID, Message, Term
from app.settings import DEFAULT_DECISION_MONTHS

# ---- vocabulary ------------------------------------------------------------------------

NONE = "none"
APPLIED = "applied"
APPROVED = "approved"
TEMPORARY = "temporarily_approved"
REJECTED = "rejected"
REVOKED = "revoked"
EXPIRED = "expired"
STATUSES = (NONE, APPLIED, APPROVED, TEMPORARY, REJECTED, REVOKED, EXPIRED)
VALID_STATUSES = (APPROVED, TEMPORARY)
#: statuses with a place in the public register (once a register number exists)
REGISTER_STATUSES = (APPROVED, TEMPORARY, REVOKED, EXPIRED, REJECTED)

APPLY = "apply"
APPROVE = "approve"
APPROVE_TEMPORARILY = "approve_temporarily"
REJECT = "reject"
EXTEND = "extend"
REVOKE = "revoke"
EXPIRE = "expire"
COMPLETE_MILESTONE = "complete_milestone"
MISS_MILESTONE = "miss_milestone"
# The vendor hands in evidence for a milestone (a file, a note); the approver then records
# the milestone met or missed. Recorded through its own service, not the decision forms.
SUBMIT_EVIDENCE = "submit_evidence"
EVENTS = (APPLY, APPROVE, APPROVE_TEMPORARILY, REJECT, EXTEND, REVOKE, EXPIRE,
          COMPLETE_MILESTONE, MISS_MILESTONE)
DECISIONS = (APPROVE, APPROVE_TEMPORARILY, REJECT)
NEEDS_REASON = (APPROVE, APPROVE_TEMPORARILY, REJECT, EXTEND, REVOKE)

PENDING, MET, MISSED = "pending", "met", "missed"
MILESTONE_STATUSES = (PENDING, MET, MISSED)
OVERDUE = "overdue"  # shown, never stored: a pending milestone past its due date


def milestone_shown(status: str, due: date, on: date) -> str:
    """A milestone's status as a reader sees it on a day: pending past its due date is overdue."""
    return OVERDUE if status == PENDING and due < on else status

# The basis of an application (model 1.2): an approval abroad, or none. One based on an
# approval abroad is decided within ABROAD_DECISION_MONTHS; others within a configured period.
BASIS_NONE = "none"
DIGA = "diga"    # listed in Germany's DiGA directory
DTAC = "dtac"    # passed the NHS Digital Technology Assessment Criteria
NICE = "nice"    # evaluated by NICE
ABROAD_BASES = (DIGA, DTAC, NICE)
BASES = (BASIS_NONE, *ABROAD_BASES)
ABROAD_DECISION_MONTHS = 3
DUE_SOON_DAYS = 14
APPROACHING, PAST_DUE = "approaching", "past_due"

TEMPORARY_MONTHS = 12
MAX_EXTENSION_MONTHS = 12
EVIDENCE_LEAD_MONTHS = 3
MAX_START_DELAY_MONTHS = 3

#: rule code -> what the rule says. Codes starting with "D" are about the dates or texts
#: given (bad input); the others are about the state of the approval (conflicts).
RULES: dict[str, Message] = {
    "D1": Message("a decision or event cannot be dated in the future"),
    "D2": Message("events are recorded in order: a date cannot be before the previous event"),
    "D3": Message("an end date must be after its start date"),
    "D4": Message("a decision, extension or revocation must give its reasons"),
    "D5": Message("an application's basis is none or an approval abroad: diga (a DiGA listing), dtac "
                  "(a passed DTAC) or nice (a NICE evaluation)"),
    "D6": Message("an application based on an approval abroad gives its reference (a link or a number), "
                  "and one without such a basis gives none"),
    "D7": Message("evidence handed in is a file or a note (or both)"),
    "A1": Message("an application can be made only when none is open and the solution is not approved"),
    "A2": Message("only an open application (or a valid temporary approval) can be decided on"),
    "A3": Message("an approval must name the treatment areas or indications it covers"),
    "B1": Message("a decision must be based on at least one completed assessment"),
    "B2": Message("an approver may not decide on an assessment they created, wrote answers in, "
                  "submitted or reviewed"),
    "B3": Message("the assessments must be completed no later than the decision date"),
    "T1": Message("a temporary approval lasts 12 months from its start date, which is no earlier "
                  "than the decision and at most 3 months after it"),
    "T2": Message("a solution may get only one temporary approval"),
    "T3": Message("a temporary approval needs an evidence plan with at least one milestone"),
    "T4": Message("final evidence is due no later than 3 months before the end of the approval"),
    "T5": Message("milestones fall within the approval period and no later than the final evidence date"),
    "V1": Message("after its end date an approval can only expire"),
    "E1": Message("a temporary approval can be extended only once"),
    "E2": Message("an extension moves the end date later, by at most 12 months"),
    "E3": Message("only a valid temporary approval can be extended"),
    "X1": Message("only a temporary approval past its end date can expire"),
    "R1": Message("only a valid approval can be revoked"),
    "M1": Message("only a pending milestone of a valid temporary approval can be met, with an evidence link"),
    "M2": Message("a milestone can be marked missed only after its due date"),
    "M3": Message("evidence can be handed in only for a pending milestone of a valid temporary approval"),
}


class RuleViolation(Exception):
    """An event that the rules refuse. ``field`` names the input at fault, if any."""

    def __init__(self, rule: str, detail: Message | None = None, field: str | None = None) -> None:
        self.rule = rule
        self.field = field
        self.detail = detail or RULES[rule]
        super().__init__(Message(RULE_MSGID, rule=rule, detail=self.detail))

    @property
    def is_input_error(self) -> bool:
        return self.rule.startswith("D")


# ---- values ----------------------------------------------------------------------------


@dataclass(frozen=True)
class AssessmentFact:
    """What the rules need to know about an assessment a decision is based on."""

    id: int
    status: str
    contributors: four_eyes.Contributors
    completed_on: date | None


@dataclass(frozen=True)
class MilestonePlan:
    title: str
    due: date


@dataclass(frozen=True)
class Milestone:
    title: str
    due: date
    status: str = PENDING
    evidence_url: str | None = None
    done_on: date | None = None

    def overdue(self, today: date) -> bool:
        return self.status == PENDING and self.due < today


@dataclass(frozen=True)
class Event:
    kind: str
    on: date
    actor_id: int | None = None
    reason: str | None = None
    conditions: str | None = None
    indications: str | None = None
    treatment_areas: tuple[str, ...] = ()
    assessments: tuple[AssessmentFact, ...] = ()
    valid_from: date | None = None       # approve / approve_temporarily: start (default: `on`)
    valid_until: date | None = None      # approve: optional end; extend: the new end date
    evidence_due: date | None = None     # approve_temporarily / extend: final evidence date
    milestones: tuple[MilestonePlan, ...] = ()
    milestone: int | None = None         # complete_milestone / miss_milestone / submit_evidence: its index
    evidence_url: str | None = None
    basis: str | None = None             # apply: BASES (default: none)
    basis_reference: str | None = None   # apply: the listing's or evaluation's link or number
    files: int = 0                       # submit_evidence: files handed in


@dataclass(frozen=True)
class ApprovalState:
    status: str = NONE
    last_event_on: date | None = None
    applied_on: date | None = None
    decided_on: date | None = None
    valid_from: date | None = None
    valid_until: date | None = None
    evidence_due: date | None = None
    temporary_count: int = 0
    extension_count: int = 0
    first_approved_on: date | None = None
    temporary_outcome: str | None = None   # how the temporary approval ended
    milestones: tuple[Milestone, ...] = ()
    treatment_areas: tuple[str, ...] = ()
    indications: str | None = None
    conditions: str | None = None
    basis: str = BASIS_NONE
    basis_reference: str | None = None
    decision_due: date | None = None       # the open or last application's


# ---- dates -----------------------------------------------------------------------------


def add_months(day: date, months: int) -> date:
    """The same day `months` later (the month's last day when it is shorter)."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def temporary_end(start: date) -> date:
    """The last valid day of a temporary approval starting on `start` (12 months)."""
    return add_months(start, TEMPORARY_MONTHS) - timedelta(days=1)


def latest_evidence_due(end: date) -> date:
    return add_months(end, -EVIDENCE_LEAD_MONTHS)


def decision_due(received: date, basis: str, months_otherwise: int) -> date:
    """The day an application received on `received` is to be decided by: 3 months later
    when it rests on an approval abroad, else `months_otherwise` (the configured period)."""
    return add_months(received, ABROAD_DECISION_MONTHS if basis in ABROAD_BASES else months_otherwise)


def due_state(due: date | None, today: date) -> str | None:
    """An open case's deadline as the dashboard reads it: past due, approaching (due within
    DUE_SOON_DAYS, today included), or neither (None)."""
    if due is None:
        return None
    if due < today:
        return PAST_DUE
    return APPROACHING if (due - today).days <= DUE_SOON_DAYS else None


# ---- reading a state with a date -----------------------------------------------------------


def is_valid(state: ApprovalState, at: date) -> bool:
    """Is the solution approved (permanently or temporarily) on day `at`?"""
    if state.status not in VALID_STATUSES:
        return False
    if state.valid_from is not None and at < state.valid_from:
        return False
    return state.valid_until is None or at <= state.valid_until


def effective_status(state: ApprovalState, at: date) -> str:
    """The status on day `at`: an approval past its end date reads as expired even before
    the expiry job has recorded it."""
    if state.status in VALID_STATUSES and state.valid_until is not None and at > state.valid_until:
        return EXPIRED
    return state.status


# ---- the rules -----------------------------------------------------------------------------


def _text(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


def _check_dates(state: ApprovalState, event: Event, today: date) -> None:
    if event.on > today:
        raise RuleViolation("D1", Message("{day} is after today ({today})", day=event.on,
                                          today=today), "on")
    if state.last_event_on is not None and event.on < state.last_event_on:
        raise RuleViolation("D2", Message("{day} is before the previous event ({previous})",
                                          day=event.on,
                                          previous=state.last_event_on), "on")
    if event.kind in NEEDS_REASON and not _text(event.reason):
        raise RuleViolation("D4", field="reason")


def _check_assessments(event: Event) -> None:
    completed = [a for a in event.assessments if a.status == "completed"]
    if not event.assessments or len(completed) != len(event.assessments):
        not_done = [f"#{a.id} ({a.status})" for a in event.assessments if a.status != "completed"]
        detail = (Message("{rule}; not completed: {assessments}", rule=RULES["B1"],
                          assessments=", ".join(not_done)) if not_done else RULES["B1"])
        raise RuleViolation("B1", detail, "assessment_ids")
    for a in event.assessments:
        part = four_eyes.barred_part(event.actor_id, a.contributors, deciding=True)
        if part is not None:
            raise RuleViolation("B2", Message("{rule} ({what})", rule=RULES["B2"],
                                              what=four_eyes.what_you_did(part, a.id)), "assessment_ids")
        if a.completed_on is None or a.completed_on > event.on:
            raise RuleViolation("B3", Message("{rule} (assessment #{id})", rule=RULES["B3"], id=a.id),
                                "assessment_ids")


def _check_scope(event: Event) -> None:
    if not event.treatment_areas and not _text(event.indications):
        raise RuleViolation("A3", field="treatment_areas")


def _ended_temporary(state: ApprovalState, outcome: str) -> str | None:
    """How the temporary approval ended, if this event ends it."""
    if state.status == TEMPORARY and state.temporary_outcome is None:
        return outcome
    return state.temporary_outcome


def _basis(event: Event) -> tuple[str, str | None]:
    basis = _text(event.basis) or BASIS_NONE
    if basis not in BASES:
        raise RuleViolation("D5", Message("{rule} (got {basis})", rule=RULES["D5"], basis=basis), "basis")
    reference = _text(event.basis_reference)
    if (basis in ABROAD_BASES) != (reference is not None):
        raise RuleViolation("D6", field="basis_reference")
    return basis, reference


def _apply(state: ApprovalState, event: Event, months: int) -> ApprovalState:
    basis, reference = _basis(event)
    return replace(state, status=APPLIED, applied_on=event.on, decided_on=None, basis=basis,
                   basis_reference=reference, decision_due=decision_due(event.on, basis, months))


def _approve(state: ApprovalState, event: Event) -> ApprovalState:
    if state.status not in (APPLIED, TEMPORARY):
        raise RuleViolation("A2", Message("{rule} (the solution is {status})", rule=RULES["A2"],
                                          status=Term("approval", state.status)))
    if state.status == TEMPORARY and state.valid_until is not None and event.on > state.valid_until:
        raise RuleViolation("V1", field="on")
    _check_scope(event)
    _check_assessments(event)
    start = event.valid_from or event.on
    if start < event.on:
        raise RuleViolation("D3", Message("an approval cannot start before its decision date"), "valid_from")
    if event.valid_until is not None and event.valid_until <= start:
        raise RuleViolation("D3", field="valid_until")
    return replace(
        state, status=APPROVED, decided_on=event.on, valid_from=start, valid_until=event.valid_until,
        evidence_due=None, first_approved_on=state.first_approved_on or event.on,
        temporary_outcome=_ended_temporary(state, APPROVED),
        treatment_areas=tuple(event.treatment_areas), indications=_text(event.indications),
        conditions=_text(event.conditions))


def _plan(milestones: Sequence[MilestonePlan], start: date, evidence_due: date) -> tuple[Milestone, ...]:
    if not milestones:
        raise RuleViolation("T3", field="milestones")
    for i, m in enumerate(milestones):
        if not _text(m.title):
            raise RuleViolation("T3", Message("milestone {n} needs a title", n=i + 1), "milestones")
        if m.due < start or m.due > evidence_due:
            raise RuleViolation("T5", Message("{rule} (milestone {n} is due {due}; the period starts "
                                              "{start} and final evidence is due {evidence_due})",
                                              rule=RULES["T5"], n=i + 1, due=m.due,
                                              start=start,
                                              evidence_due=evidence_due), "milestones")
    return tuple(Milestone(title=m.title.strip(), due=m.due)
                 for m in sorted(milestones, key=lambda m: m.due))


def _approve_temporarily(state: ApprovalState, event: Event) -> ApprovalState:
    if state.temporary_count >= 1:
        raise RuleViolation("T2")
    if state.status != APPLIED:
        raise RuleViolation("A2", Message("{rule} (the solution is {status})", rule=RULES["A2"],
                                          status=Term("approval", state.status)))
    _check_scope(event)
    _check_assessments(event)
    start = event.valid_from or event.on
    if start < event.on or start > add_months(event.on, MAX_START_DELAY_MONTHS):
        raise RuleViolation("T1", field="valid_from")
    end = temporary_end(start)
    if event.valid_until is not None and event.valid_until != end:
        if event.valid_until <= start:
            raise RuleViolation("D3", field="valid_until")
        raise RuleViolation("T1", Message("{rule} (it would end {end}, not {given})", rule=RULES["T1"],
                                          end=end, given=event.valid_until),
                            "valid_until")
    latest = latest_evidence_due(end)
    evidence_due = event.evidence_due or latest
    if evidence_due > latest:
        raise RuleViolation("T4", Message("{rule} (at the latest {latest})", rule=RULES["T4"],
                                          latest=latest), "evidence_due")
    if evidence_due < start:
        raise RuleViolation("D3", Message("final evidence cannot be due before the approval starts"),
                            "evidence_due")
    milestones = _plan(event.milestones, start, evidence_due)
    return replace(
        state, status=TEMPORARY, decided_on=event.on, valid_from=start, valid_until=end,
        evidence_due=evidence_due, temporary_count=state.temporary_count + 1,
        first_approved_on=state.first_approved_on or event.on, milestones=milestones,
        treatment_areas=tuple(event.treatment_areas), indications=_text(event.indications),
        conditions=_text(event.conditions))


def _reject(state: ApprovalState, event: Event) -> ApprovalState:
    if state.status not in (APPLIED, TEMPORARY):
        raise RuleViolation("A2", Message("{rule} (the solution is {status})", rule=RULES["A2"],
                                          status=Term("approval", state.status)))
    if state.status == TEMPORARY and state.valid_until is not None and event.on > state.valid_until:
        raise RuleViolation("V1", field="on")
    _check_assessments(event)
    ends_temporary = state.status == TEMPORARY
    return replace(state, status=REJECTED, decided_on=event.on,
                   valid_until=event.on if ends_temporary else state.valid_until,
                   temporary_outcome=_ended_temporary(state, REJECTED))


def _extend(state: ApprovalState, event: Event) -> ApprovalState:
    if state.status != TEMPORARY or state.valid_until is None or event.on > state.valid_until:
        raise RuleViolation("E3", Message("{rule} (it is {status})", rule=RULES["E3"],
                                          status=Term("approval", effective_status(state, event.on))))
    if state.extension_count >= 1:
        raise RuleViolation("E1")
    new_end = event.valid_until
    if new_end is None:
        raise RuleViolation("E2", Message("give the new end date"), "valid_until")
    if new_end <= state.valid_until or new_end > add_months(state.valid_until, MAX_EXTENSION_MONTHS):
        raise RuleViolation("E2", Message("{rule} (the end is {end}, so the new end must be after it "
                                          "and no later than {latest})", rule=RULES["E2"],
                                          end=state.valid_until,
                                          latest=add_months(state.valid_until,
                                                            MAX_EXTENSION_MONTHS)),
                            "valid_until")
    latest = latest_evidence_due(new_end)
    evidence_due = event.evidence_due or latest
    if evidence_due > latest:
        raise RuleViolation("T4", Message("{rule} (at the latest {latest})", rule=RULES["T4"],
                                          latest=latest), "evidence_due")
    if state.evidence_due is not None and evidence_due < state.evidence_due:
        raise RuleViolation("E2", Message("an extension cannot bring the final evidence date forward"),
                            "evidence_due")
    added: tuple[Milestone, ...] = ()
    if event.milestones:
        added = _plan(event.milestones, event.on, evidence_due)
    milestones = state.milestones + added  # appended: a milestone keeps its number
    return replace(state, valid_until=new_end, evidence_due=evidence_due,
                   extension_count=state.extension_count + 1, milestones=milestones)


def _revoke(state: ApprovalState, event: Event) -> ApprovalState:
    if not is_valid(state, event.on) and not (
            state.status in VALID_STATUSES and state.valid_from and event.on < state.valid_from):
        raise RuleViolation("R1", Message("{rule} (it is {status})", rule=RULES["R1"],
                                          status=Term("approval", effective_status(state, event.on))))
    return replace(state, status=REVOKED, valid_until=event.on,
                   temporary_outcome=_ended_temporary(state, REVOKED))


def _expire(state: ApprovalState, event: Event) -> ApprovalState:
    if state.status != TEMPORARY or state.valid_until is None or event.on <= state.valid_until:
        status = Term("approval", state.status)
        raise RuleViolation("X1", Message("{rule} (it is {status}, ending {end})", rule=RULES["X1"],
                                          status=status, end=state.valid_until)
                            if state.valid_until else
                            Message("{rule} (it is {status})", rule=RULES["X1"], status=status))
    return replace(state, status=EXPIRED, temporary_outcome=_ended_temporary(state, EXPIRED))


def _milestone(state: ApprovalState, event: Event) -> tuple[int, Milestone]:
    index = event.milestone
    if index is None or not 0 <= index < len(state.milestones):
        raise RuleViolation("M1", Message("there is no such milestone"), "milestone")
    return index, state.milestones[index]


def _complete_milestone(state: ApprovalState, event: Event) -> ApprovalState:
    if not is_valid(state, event.on) or state.status != TEMPORARY:
        raise RuleViolation("M1", Message("{rule} (the approval is {status})", rule=RULES["M1"],
                                          status=Term("approval", effective_status(state, event.on))))
    index, m = _milestone(state, event)
    if m.status != PENDING:
        raise RuleViolation("M1", Message("milestone {n} is already {status}", n=index + 1,
                                          status=Term("milestone", m.status)), "milestone")
    url = _text(event.evidence_url)
    if not url or not url.startswith(("http://", "https://")) or " " in url:
        raise RuleViolation("M1", Message("the evidence must be given as an http(s) link"), "evidence_url")
    done = replace(m, status=MET, evidence_url=url, done_on=event.on)
    return replace(state, milestones=(*state.milestones[:index], done, *state.milestones[index + 1:]))


def _miss_milestone(state: ApprovalState, event: Event) -> ApprovalState:
    if state.status != TEMPORARY:
        raise RuleViolation("M1", Message("milestones are tracked only during a temporary approval "
                                          "(the solution is {status})",
                                          status=Term("approval", state.status)))
    index, m = _milestone(state, event)
    if m.status != PENDING:
        raise RuleViolation("M1", Message("milestone {n} is already {status}", n=index + 1,
                                          status=Term("milestone", m.status)), "milestone")
    if event.on <= m.due:
        raise RuleViolation("M2", Message("{rule} ({due})", rule=RULES["M2"], due=m.due), "on")
    missed = replace(m, status=MISSED, done_on=event.on)
    return replace(state, milestones=(*state.milestones[:index], missed, *state.milestones[index + 1:]))


def _submit_evidence(state: ApprovalState, event: Event) -> ApprovalState:
    if not is_valid(state, event.on) or state.status != TEMPORARY:
        raise RuleViolation("M3", Message("{rule} (the approval is {status})", rule=RULES["M3"],
                                          status=Term("approval", effective_status(state, event.on))))
    index = event.milestone
    if index is None or not 0 <= index < len(state.milestones):
        raise RuleViolation("M3", Message("there is no such milestone"), "milestone")
    if state.milestones[index].status != PENDING:
        raise RuleViolation("M3", Message("milestone {n} is already {status}", n=index + 1,
                                          status=Term("milestone", state.milestones[index].status)), "milestone")
    if not event.files and not _text(event.reason):
        raise RuleViolation("D7", field="file")
    return state


def _apply_application(state: ApprovalState, event: Event, months: int) -> ApprovalState:
    if state.status in (APPLIED, TEMPORARY) or (state.status == APPROVED and is_valid(state, event.on)):
        raise RuleViolation("A1", Message("{rule} (the solution is {status})", rule=RULES["A1"],
                                          status=Term("approval", effective_status(state, event.on))))
    if state.status == APPROVED:  # a time-limited permanent approval that has ended
        return _apply(replace(state, status=EXPIRED), event, months)
    return _apply(state, event, months)


_HANDLERS: dict[str, Callable[..., ApprovalState]] = {
    APPLY: _apply_application,
    APPROVE: _approve,
    APPROVE_TEMPORARILY: _approve_temporarily,
    REJECT: _reject,
    EXTEND: _extend,
    REVOKE: _revoke,
    EXPIRE: _expire,
    COMPLETE_MILESTONE: _complete_milestone,
    MISS_MILESTONE: _miss_milestone,
    SUBMIT_EVIDENCE: _submit_evidence,
}


def apply_event(state: ApprovalState, event: Event, today: date, *,
                decision_months: int = DEFAULT_DECISION_MONTHS) -> ApprovalState:
    """The state after `event`, or RuleViolation naming the rule it breaks. An application
    without a basis abroad is due `decision_months` after it is received."""
    if event.kind not in _HANDLERS:
        raise ValueError(f"unknown event {event.kind!r}")
    _check_dates(state, event, today)
    if event.kind != APPLY and (_text(event.basis) or _text(event.basis_reference)):
        raise RuleViolation("D5", Message("only an application records its basis"), "basis")
    handler = partial(_apply_application, months=decision_months) if event.kind == APPLY else _HANDLERS[event.kind]
    return replace(handler(state, event), last_event_on=event.on)


def allowed_events(state: ApprovalState, today: date) -> list[str]:
    """The events that could be valid today (the forms a page offers)."""
    status = effective_status(state, today)
    out: list[str] = []
    if status in (NONE, REJECTED, REVOKED, EXPIRED):
        out.append(APPLY)
    if status == APPLIED:
        out += [APPROVE] + ([APPROVE_TEMPORARILY] if state.temporary_count == 0 else []) + [REJECT]
    if status == TEMPORARY:
        out += [APPROVE, REJECT]
        if state.extension_count == 0:
            out.append(EXTEND)
        if any(m.status == PENDING for m in state.milestones):
            out += [COMPLETE_MILESTONE]
    if status in VALID_STATUSES:
        out.append(REVOKE)
    if state.status == TEMPORARY and status == EXPIRED:
        out.append(EXPIRE)
    if state.status == TEMPORARY and any(m.overdue(today) for m in state.milestones):
        out.append(MISS_MILESTONE)
    return out


# ---- history questions -----------------------------------------------------------------------


@dataclass(frozen=True)
class Snapshot:
    """What a recorded event left behind: enough to answer "status on a past date"."""

    on: date
    status: str
    valid_from: date | None
    valid_until: date | None


def status_on(snapshots: Sequence[Snapshot], at: date) -> tuple[str, date | None, date | None]:
    """(status, valid_from, valid_until) on day `at`, from the snapshots in recorded order."""
    current: Snapshot | None = None
    for snap in snapshots:
        if snap.on <= at:
            current = snap
    if current is None:
        return NONE, None, None
    state = ApprovalState(status=current.status, valid_from=current.valid_from,
                          valid_until=current.valid_until)
    return effective_status(state, at), current.valid_from, current.valid_until


def days_between(start: date, end: date) -> int:
    return (end - start).days


def median_days(pairs: Iterable[tuple[date, date]]) -> float | None:
    spans = [days_between(a, b) for a, b in pairs]
    return float(median(spans)) if spans else None


def percentile(values: Iterable[float], share: float) -> float | None:
    """The nearest-rank percentile: the smallest value with at least `share` of the values
    at or below it (the 90th of 1..10 is 9, of 1..11 is 10); None without values."""
    ordered = sorted(values)
    if not ordered:
        return None
    return float(ordered[max(1, math.ceil(share * len(ordered))) - 1])


def case_time(pairs: Iterable[tuple[date, date]], year: int) -> tuple[float | None, float | None]:
    """The median and 90th percentile of the days from receipt to decision of the
    applications (received, decided) decided in `year`."""
    days = [days_between(received, decided) for received, decided in pairs if decided.year == year]
    return (float(median(days)) if days else None), percentile(days, 0.9)
