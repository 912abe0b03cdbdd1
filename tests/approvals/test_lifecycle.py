"""The pure approval rules: examples for every rule, and property tests over random
sequences of events and dates."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.approvals import lifecycle as lc
from app.approvals.lifecycle import ApprovalState, AssessmentFact, Event, MilestonePlan, RuleViolation
from app.assessment.four_eyes import Contributors

D0 = date(2026, 1, 10)
APPROVER = 99
MADE_BY_1_REVIEWED_BY_2 = Contributors(creator_id=1, answer_writer_ids=frozenset({1}), submitter_ids=frozenset({1}),
                                       reviewer_ids=frozenset({2}))
DONE = AssessmentFact(id=1, status="completed", contributors=MADE_BY_1_REVIEWED_BY_2, completed_on=D0)


def ev(kind: str, on: date, **kw: object) -> Event:
    defaults: dict[str, object] = {"actor_id": APPROVER}
    if kind in lc.NEEDS_REASON:
        defaults["reason"] = "because"
    if kind in lc.DECISIONS:
        defaults["assessments"] = (DONE,)
    if kind in (lc.APPROVE, lc.APPROVE_TEMPORARILY):
        defaults["treatment_areas"] = ("kol",)
    if kind == lc.APPROVE_TEMPORARILY:
        defaults["milestones"] = (MilestonePlan("data", on + timedelta(days=60)),)
    return Event(kind=kind, on=on, **{**defaults, **kw})  # type: ignore[arg-type]


def run(*events: Event, today: date | None = None) -> ApprovalState:
    state = ApprovalState()
    for e in events:
        state = lc.apply_event(state, e, today or e.on)
    return state


def refused(rule: str, state: ApprovalState, event: Event, today: date | None = None) -> RuleViolation:
    with pytest.raises(RuleViolation) as info:
        lc.apply_event(state, event, today or event.on)
    assert info.value.rule == rule, str(info.value)
    assert str(info.value).startswith(f"rule {rule}: ")
    return info.value


def temporary(start: date = D0) -> ApprovalState:
    return run(ev("apply", start - timedelta(days=5)), ev("approve_temporarily", start))


# ---- examples ---------------------------------------------------------------------------------


def test_temporary_approval_lasts_12_months_with_evidence_due_3_months_before_end() -> None:
    s = temporary(date(2026, 1, 10))
    assert s.status == lc.TEMPORARY
    assert (s.valid_from, s.valid_until) == (date(2026, 1, 10), date(2027, 1, 9))
    assert s.evidence_due == date(2026, 10, 9)
    assert lc.is_valid(s, date(2027, 1, 9)) and not lc.is_valid(s, date(2027, 1, 10))
    assert lc.effective_status(s, date(2027, 1, 10)) == lc.EXPIRED  # computed, before the job runs


def test_second_temporary_approval_is_refused_t2() -> None:
    s = temporary()
    end = s.valid_until + timedelta(days=1)
    s = lc.apply_event(s, ev("expire", end), end)
    s = lc.apply_event(s, ev("apply", end), end)
    err = refused("T2", s, ev("approve_temporarily", end))
    assert "only one temporary approval" in str(err)
    assert lc.apply_event(s, ev("approve", end), end).status == lc.APPROVED  # permanent is still possible


def test_extension_once_and_at_most_12_months() -> None:
    s = temporary()
    assert s.valid_until is not None
    refused("E2", s, ev("extend", D0 + timedelta(days=30), valid_until=lc.add_months(s.valid_until, 13)))
    refused("E2", s, ev("extend", D0 + timedelta(days=30), valid_until=s.valid_until))
    refused("D4", s, ev("extend", D0 + timedelta(days=30), valid_until=lc.add_months(s.valid_until, 6), reason=" "))
    new_end = lc.add_months(s.valid_until, 12)
    s2 = lc.apply_event(s, ev("extend", D0 + timedelta(days=30), valid_until=new_end), D0 + timedelta(days=30))
    assert s2.valid_until == new_end and s2.evidence_due == lc.add_months(new_end, -3)
    refused("E1", s2, ev("extend", D0 + timedelta(days=40), valid_until=new_end + timedelta(days=1)))


def test_extension_after_the_end_is_refused_e3() -> None:
    s = temporary()
    late = s.valid_until + timedelta(days=1)
    refused("E3", s, ev("extend", late, valid_until=late + timedelta(days=30)))


def test_decision_needs_a_completed_assessment_b1() -> None:
    s = run(ev("apply", D0))
    refused("B1", s, ev("approve", D0, assessments=()))
    draft = AssessmentFact(id=5, status="in_review", contributors=MADE_BY_1_REVIEWED_BY_2, completed_on=None)
    assert "#5 (in_review)" in str(refused("B1", s, ev("approve", D0, assessments=(draft,))))


@pytest.mark.parametrize("actor", [1, 2])
def test_author_or_reviewer_may_not_decide_b2(actor: int) -> None:
    s = run(ev("apply", D0))
    refused("B2", s, ev("approve_temporarily", D0, actor_id=actor))
    refused("B2", s, ev("reject", D0, actor_id=actor))


def test_assessment_completed_after_the_decision_is_refused_b3() -> None:
    s = run(ev("apply", D0 - timedelta(days=10)))
    refused("B3", s, ev("approve", D0 - timedelta(days=1)))


def test_dates_that_make_no_sense_are_refused() -> None:
    refused("D1", ApprovalState(), ev("apply", D0 + timedelta(days=1)), today=D0)
    s = run(ev("apply", D0))
    refused("D2", s, ev("reject", D0 - timedelta(days=1)), today=D0)
    refused("D3", s, ev("approve", D0, valid_until=D0))
    refused("T1", s, ev("approve_temporarily", D0, valid_from=D0 - timedelta(days=1)))
    refused("T1", s, ev("approve_temporarily", D0, valid_from=D0 + timedelta(days=120)))
    err = refused("T4", s, ev("approve_temporarily", D0, evidence_due=date(2026, 11, 1)))
    assert err.field == "evidence_due" and err.is_input_error is False
    refused("T5", s, ev("approve_temporarily", D0, milestones=(MilestonePlan("late", date(2026, 12, 1)),)))
    refused("T3", s, ev("approve_temporarily", D0, milestones=()))
    refused("A3", s, ev("approve", D0, treatment_areas=(), indications=" "))


def test_state_rules() -> None:
    refused("A2", ApprovalState(), ev("approve", D0))
    refused("A1", run(ev("apply", D0)), ev("apply", D0))
    approved = run(ev("apply", D0), ev("approve", D0))
    refused("A1", approved, ev("apply", D0 + timedelta(days=1)))
    refused("X1", approved, ev("expire", D0 + timedelta(days=1)))
    refused("X1", temporary(), ev("expire", D0 + timedelta(days=30)))
    refused("R1", run(ev("apply", D0)), ev("revoke", D0))
    revoked = lc.apply_event(approved, ev("revoke", D0 + timedelta(days=3)), D0 + timedelta(days=3))
    assert revoked.status == lc.REVOKED and not lc.is_valid(revoked, D0 + timedelta(days=3))
    t = temporary()
    late = t.valid_until + timedelta(days=1)
    refused("V1", t, ev("approve", late))
    refused("V1", t, ev("reject", late))


def test_milestones() -> None:
    t = temporary()
    refused("M1", t, ev("complete_milestone", D0 + timedelta(days=10), milestone=0, evidence_url="ftp://x"))
    refused("M1", t, ev("complete_milestone", D0 + timedelta(days=10), milestone=3, evidence_url="https://x.dk"))
    refused("M2", t, ev("miss_milestone", D0 + timedelta(days=60), milestone=0))
    met = lc.apply_event(
        t,
        ev("complete_milestone", D0 + timedelta(days=10), milestone=0, evidence_url="https://x.dk/e"),
        D0 + timedelta(days=10),
    )
    assert met.milestones[0].status == lc.MET
    refused("M1", met, ev("complete_milestone", D0 + timedelta(days=11), milestone=0, evidence_url="https://x.dk/e"))
    missed = lc.apply_event(t, ev("miss_milestone", D0 + timedelta(days=61), milestone=0), D0 + timedelta(days=61))
    assert missed.milestones[0].status == lc.MISSED
    assert lc.MISS_MILESTONE in lc.allowed_events(t, D0 + timedelta(days=61))


def test_temporary_then_permanent_and_history_by_date() -> None:
    t = temporary()
    s = lc.apply_event(t, ev("approve", D0 + timedelta(days=200)), D0 + timedelta(days=200))
    assert s.status == lc.APPROVED and s.temporary_outcome == lc.APPROVED and s.valid_until is None
    assert lc.is_valid(s, date(2035, 1, 1))
    snaps = [
        lc.Snapshot(D0 - timedelta(days=5), lc.APPLIED, None, None),
        lc.Snapshot(D0, lc.TEMPORARY, t.valid_from, t.valid_until),
    ]
    assert lc.status_on(snaps, D0 - timedelta(days=6))[0] == lc.NONE
    assert lc.status_on(snaps, D0 - timedelta(days=1))[0] == lc.APPLIED
    assert lc.status_on(snaps, D0 + timedelta(days=100))[0] == lc.TEMPORARY
    assert lc.status_on(snaps, t.valid_until + timedelta(days=1))[0] == lc.EXPIRED


def test_add_months_clamps_to_month_end() -> None:
    assert lc.add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert lc.add_months(date(2024, 2, 29), 12) == date(2025, 2, 28)
    assert lc.add_months(date(2026, 5, 31), -3) == date(2026, 2, 28)
    assert lc.temporary_end(date(2026, 3, 1)) == date(2027, 2, 28)


def test_every_rule_is_named() -> None:
    assert all(code[0] in "DABTVEXRM" and text for code, text in lc.RULES.items())


# ---- properties -------------------------------------------------------------------------------

ACTORS = st.sampled_from([APPROVER, 1, 2, 5, 6, None])
FACTS = st.lists(
    st.builds(
        AssessmentFact,
        id=st.integers(1, 5),
        status=st.sampled_from(["completed", "completed", "draft"]),
        contributors=st.builds(
            Contributors,
            creator_id=st.sampled_from([1, 3]),
            answer_writer_ids=st.frozensets(st.sampled_from([1, 3, 5]), max_size=2),
            submitter_ids=st.frozensets(st.sampled_from([1, 6]), max_size=1),
            reviewer_ids=st.frozensets(st.sampled_from([2, 4]), max_size=1),
        ),
        completed_on=st.one_of(st.none(), st.dates(date(2025, 1, 1), date(2029, 1, 1))),
    ),
    max_size=2,
)


@st.composite
def steps(draw: st.DrawFn) -> tuple[int, Event, int]:
    """(days since the previous step, the event with its date offset filled in later, today offset)"""
    kind = draw(st.sampled_from(lc.EVENTS))
    gap = draw(st.integers(0, 200))
    offset = draw(st.sampled_from([0, 0, 0, 1, 30]))  # how far "today" is after the event
    base = D0
    milestones = tuple(
        MilestonePlan(draw(st.sampled_from(["m", " ", "data"])), base + timedelta(days=draw(st.integers(-30, 500))))
        for _ in range(draw(st.integers(0, 2)))
    )
    event = Event(
        kind=kind,
        on=base,
        actor_id=draw(ACTORS),
        reason=draw(st.sampled_from([None, "", "fordi"])),
        treatment_areas=draw(st.sampled_from([(), ("kol",)])),
        indications=draw(st.sampled_from([None, "KOL"])),
        assessments=tuple(draw(FACTS)),
        valid_from=None if draw(st.booleans()) else base + timedelta(days=draw(st.integers(-10, 120))),
        valid_until=None if draw(st.booleans()) else base + timedelta(days=draw(st.integers(-30, 900))),
        evidence_due=None if draw(st.booleans()) else base + timedelta(days=draw(st.integers(-30, 600))),
        milestones=milestones,
        milestone=draw(st.sampled_from([None, 0, 1, 2])),
        evidence_url=draw(st.sampled_from([None, "https://e.dk/x", "nope"])),
    )
    return gap, event, offset


def _shift(event: Event, day: date) -> Event:
    """Move an event (and every date in it) so that it happens on `day`."""
    delta = day - event.on

    def mv(d: date | None) -> date | None:
        return d + delta if d is not None else None

    return Event(
        **{
            **event.__dict__,
            "on": day,
            "valid_from": mv(event.valid_from),
            "valid_until": mv(event.valid_until),
            "evidence_due": mv(event.evidence_due),
            "milestones": tuple(MilestonePlan(m.title, m.due + delta) for m in event.milestones),
        }
    )


@settings(max_examples=400, deadline=None)
@given(st.lists(steps(), min_size=1, max_size=25), st.integers(0, 900))
def test_no_sequence_reaches_a_forbidden_state(seq: list[tuple[int, Event, int]], probe: int) -> None:
    state = ApprovalState()
    day = D0
    temporaries = 0
    history: list[lc.Snapshot] = []
    for gap, raw, offset in seq:
        day = day + timedelta(days=gap)
        event = _shift(raw, day)
        # a late "today" allows dates in the past; the daily job expires what has ended
        try:
            new = lc.apply_event(state, event, day + timedelta(days=offset))
        except RuleViolation as violation:
            assert violation.rule in lc.RULES
            continue
        if event.kind == lc.APPROVE_TEMPORARILY:
            temporaries += 1
            assert new.valid_from is not None and new.valid_until == lc.temporary_end(new.valid_from)
        if event.kind in lc.DECISIONS:
            assert event.assessments and all(a.status == "completed" for a in event.assessments)
            assert event.actor_id is None or all(
                event.actor_id != a.contributors.creator_id
                and event.actor_id not in (a.contributors.answer_writer_ids | a.contributors.submitter_ids
                                           | a.contributors.reviewer_ids)
                for a in event.assessments
            )
        state = new
        history.append(lc.Snapshot(event.on, state.status, state.valid_from, state.valid_until))
        # invariants of every reachable state
        assert temporaries <= 1 and state.temporary_count <= 1
        assert state.extension_count <= 1
        if state.valid_from and state.valid_until:
            assert state.valid_until > state.valid_from or state.status not in lc.VALID_STATUSES
        if state.status == lc.TEMPORARY:
            assert state.valid_from is not None and state.valid_until is not None
            assert state.valid_until <= lc.add_months(lc.temporary_end(state.valid_from), 12)
            assert state.evidence_due is not None
            assert state.evidence_due <= lc.add_months(state.valid_until, -3)
            assert state.milestones and all(m.due <= state.evidence_due for m in state.milestones)
        assert state.status in lc.STATUSES
        # never valid after the end date, whatever the recorded status
        if state.valid_until is not None:
            after = state.valid_until + timedelta(days=1 + probe)
            assert not lc.is_valid(state, after)
            assert lc.effective_status(state, after) not in lc.VALID_STATUSES
    # the status on any date, read from the history, is never valid past that entry's end
    at = D0 + timedelta(days=probe)
    status, _from, until = lc.status_on(history, at)
    if until is not None and at > until:
        assert status not in lc.VALID_STATUSES


@settings(max_examples=200, deadline=None)
@given(st.dates(date(2020, 1, 1), date(2035, 12, 31)))
def test_temporary_period_is_twelve_months(start: date) -> None:
    end = lc.temporary_end(start)
    assert 364 <= (end - start).days <= 365
    assert lc.latest_evidence_due(end) < end
