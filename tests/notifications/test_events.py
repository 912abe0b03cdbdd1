"""Each event writes its notification, in the event's own transaction, to exactly the people
it concerns: never to others, never to a deactivated user."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.accounts.services import create_user
from app.approvals import services as approvals
from app.approvals.schemas import EventIn
from app.assessment import services as svc
from app.assessment.schemas import TransitionIn, VerifyIn
from app.audit.hook import set_actor
from app.catalogue.models import Need, Organisation, Solution, TreatmentArea
from app.core import clock
from app.core.principal import Principal
from app.notifications.models import Notification
from tests.approvals.helpers import completed_assessment, make_solution, temporary_body
from tests.assessment.test_workflow import REGISTRY, answer, fill_all, start, who
from tests.helpers import unique


@pytest.fixture()
def session(app: Any) -> Iterator[Session]:
    with app.state.session_factory() as s:
        set_actor(s, None, "tests")
        yield s
        s.rollback()


def person(session: Session, role: str, active: bool = True, **where: Any) -> User:
    user = create_user(session, email=f"{unique(role)}@example.org", name=unique("Navn"), role=role,
                       password="a long enough password 1", **where)
    user.is_active = active
    return user


def last_id(session: Session) -> int:
    return session.scalar(select(func.max(Notification.id))) or 0


def written(session: Session, since: int, kind: str | None = None) -> list[Notification]:
    session.flush()
    stmt = select(Notification).where(Notification.id > since).order_by(Notification.id)
    return [n for n in session.scalars(stmt) if kind is None or n.kind == kind]


def active_ids(session: Session, role: str, **where: Any) -> set[int]:
    stmt = select(User.id).where(User.role == role, User.is_active.is_(True))
    for column, value in where.items():
        stmt = stmt.where(getattr(User, column) == value)
    return set(session.scalars(stmt))


# ---- assessments ---------------------------------------------------------------------------


def test_submit_tells_the_assessors_who_may_review_and_return_and_complete_tell_the_author(
        session: Session) -> None:
    sleeping = person(session, "assessor", active=False)
    other = person(session, "assessor")
    a = start(session)
    fill_all(session, a)
    author = who(session, "assessor")
    mark = last_id(session)
    svc.submit(session, author, REGISTRY, a.id)
    notes = written(session, mark)
    assert {n.kind for n in notes} == {"assessment_submitted"}
    got = [n.user_id for n in notes]
    assert sorted(got) == sorted(active_ids(session, "assessor") - {author.id})  # each once
    assert other.id in got and sleeping.id not in got and author.id not in got
    assert notes[0].context == {"assessment_id": a.id, "solution_name": a.solution.name,
                                "path": f"/assessments/{a.id}", "submitted_by": author.name}

    reviewer = who(session, "assessor2")
    svc.start_review(session, reviewer, REGISTRY, a.id)
    mark = last_id(session)
    svc.return_assessment(session, reviewer, REGISTRY, a.id, TransitionIn(comment="BT1.3 mangler kilde"))
    notes = written(session, mark)
    assert [(n.user_id, n.kind, n.context["comment"]) for n in notes] == [
        (a.author_id, "assessment_returned", "BT1.3 mangler kilde")]

    mark = last_id(session)
    svc.submit(session, author, REGISTRY, a.id)  # back to the reviewer who returned it, only
    assert [(n.user_id, n.kind) for n in written(session, mark)] == [(reviewer.id, "assessment_submitted")]

    svc.start_review(session, reviewer, REGISTRY, a.id)
    mark = last_id(session)
    svc.complete(session, reviewer, REGISTRY, a.id)
    assert [(n.user_id, n.kind) for n in written(session, mark)] == [(a.author_id, "assessment_completed")]


def test_a_queried_vendor_answer_tells_the_vendors_users_and_an_accepted_one_nobody(session: Session) -> None:
    a = start(session)
    vendor_name = session.get(Solution, a.solution_id).vendor.name
    colleague = person(session, "vendor", vendor_name=vendor_name)
    gone = person(session, "vendor", active=False, vendor_name=vendor_name)
    answer(session, a, "BT1.1", "Selvhjælp ved lænderygsmerter", role="vendor")
    mark = last_id(session)
    svc.verify_answer(session, who(session, "assessor"), REGISTRY, a.id, "BT1.1",
                      VerifyIn(decision="queried", comment="Hvilken målgruppe?"))
    notes = written(session, mark)
    assert {n.kind for n in notes} == {"vendor_answer_queried"}
    got = {n.user_id for n in notes}
    assert got == active_ids(session, "vendor", vendor_id=a.solution.vendor_id)
    assert colleague.id in got and gone.id not in got
    assert notes[0].context["comment"] == "Hvilken målgruppe?" and notes[0].context["criterion"] == "BT1.1"
    mark = last_id(session)
    svc.verify_answer(session, who(session, "assessor"), REGISTRY, a.id, "BT1.1", VerifyIn(decision="accepted"))
    assert written(session, mark) == []


# ---- approvals -------------------------------------------------------------------------------


def _approver(session: Session) -> Principal:
    return who(session, "approver")


def test_an_application_tells_every_active_approver(session: Session) -> None:
    solution = make_solution(session)
    extra, gone = person(session, "approver"), person(session, "approver", active=False)
    mark = last_id(session)
    approvals.record_event(session, who(session, "procurement"), solution.id, EventIn(event="apply"))
    notes = written(session, mark)
    assert {n.kind for n in notes} == {"application_received"}
    assert sorted(n.user_id for n in notes) == sorted(active_ids(session, "approver"))
    assert extra.id in {n.user_id for n in notes} and gone.id not in {n.user_id for n in notes}
    assert notes[0].context == {"solution_name": solution.name, "vendor_name": solution.vendor.name,
                                "applied_on": clock.today().isoformat(),
                                "path": f"/approvals/solutions/{solution.slug}"}


def test_a_decision_tells_the_vendors_users_and_the_submitters_of_matching_needs(session: Session) -> None:
    solution = make_solution(session)  # treatment area "kol"
    assessment_id = completed_assessment(session, solution)
    vendor_user = person(session, "vendor", vendor_name=solution.vendor.name)
    org = session.scalar(select(Organisation).where(Organisation.kind == "municipality").limit(1))
    submitter = person(session, "org_reporter", organisation_ref=f"municipality:{org.code}")
    gone = person(session, "org_reporter", active=False, organisation_ref=f"municipality:{org.code}")
    bystander = person(session, "org_reporter", organisation_ref=f"municipality:{org.code}")
    areas = {t.code: t for t in session.scalars(select(TreatmentArea))}
    needs = []
    for maker, area in ((submitter, "kol"), (gone, "kol"), (bystander, next(c for c in areas if c != "kol"))):
        set_actor(session, maker.id, maker.email)
        need = Need(slug=unique("behov"), title=unique("Behov"), organisation_id=org.id,
                    treatment_area_id=areas[area].id)
        session.add(need)
        session.flush()
        needs.append(need)
    set_actor(session, None, "tests")
    approvals.record_event(session, who(session, "procurement"), solution.id, EventIn(event="apply"))
    on = clock.today()
    mark = last_id(session)
    approvals.record_event(session, _approver(session), solution.id,
                           EventIn.model_validate(temporary_body(assessment_id, on)))
    decisions = written(session, mark, "decision_recorded")
    assert {n.user_id for n in decisions} == active_ids(session, "vendor", vendor_id=solution.vendor_id)
    assert vendor_user.id in {n.user_id for n in decisions}
    assert decisions[0].context["decision"] == "approve_temporarily"
    assert decisions[0].context["valid_until"] > on.isoformat()
    matched = written(session, mark, "need_matched")
    mine = [n for n in matched if n.user_id in {submitter.id, gone.id, bystander.id}]
    assert [(n.user_id, n.context["need_title"]) for n in mine] == [(submitter.id, needs[0].title)]
    assert all(n.context["solution_name"] == solution.name for n in matched)
    assert {n.kind for n in written(session, mark)} == {"decision_recorded", "need_matched"}  # approvers: none


def test_an_unpublished_solution_tells_no_need(session: Session) -> None:
    solution = make_solution(session)
    solution.published = False
    assessment_id = completed_assessment(session, solution)
    approvals.record_event(session, who(session, "procurement"), solution.id, EventIn(event="apply"))
    mark = last_id(session)
    approvals.record_event(session, _approver(session), solution.id,
                           EventIn.model_validate(temporary_body(assessment_id, clock.today())))
    assert {n.kind for n in written(session, mark)} <= {"decision_recorded"}


def test_a_refused_event_writes_no_notification(session: Session) -> None:
    solution = make_solution(session)
    mark = last_id(session)
    with pytest.raises(approvals.ApprovalRefused):
        approvals.record_event(session, _approver(session), solution.id,
                               EventIn(event="approve", reason="x", treatment_areas=["kol"]))
    assert written(session, mark) == []


def test_a_resubmission_whose_reviewer_left_goes_to_every_assessor_who_may_review(session: Session) -> None:
    a = start(session)
    fill_all(session, a)
    author, reviewer = who(session, "assessor"), who(session, "assessor2")
    svc.submit(session, author, REGISTRY, a.id)
    svc.start_review(session, reviewer, REGISTRY, a.id)
    svc.return_assessment(session, reviewer, REGISTRY, a.id, TransitionIn(comment="Mangler kilde"))
    session.get(User, reviewer.id).is_active = False
    mark = last_id(session)
    svc.submit(session, author, REGISTRY, a.id)
    got = sorted(n.user_id for n in written(session, mark, "assessment_submitted"))
    assert got == sorted(active_ids(session, "assessor") - {author.id}) and reviewer.id not in got
