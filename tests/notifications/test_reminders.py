"""The daily reminders: what is due on a day (pure, hand-checked dates), and the scan that
writes them once however often it runs."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.approvals import services as approvals
from app.approvals.reminders import ENDS, MILESTONE, Deadline, due_on, remind, window_of
from app.approvals.schemas import EventIn
from app.audit.hook import set_actor
from app.core import clock
from app.notifications.models import Notification
from tests.approvals.helpers import completed_assessment, make_solution, temporary_body
from tests.assessment.test_workflow import who

MILESTONE_DUE = Deadline(MILESTONE, "milestone-1", date(2027, 3, 7))


@pytest.mark.parametrize(("due", "on", "window"), [
    (date(2027, 3, 7), date(2027, 2, 28), 7),     # 7 days before, across February's end
    (date(2027, 3, 7), date(2027, 2, 27), 30),    # 8 days before: still the 30-day window
    (date(2026, 12, 31), date(2026, 12, 24), 7),  # due on a month's last day
    (date(2026, 12, 31), date(2026, 12, 23), 30),
    (date(2026, 12, 31), date(2026, 12, 1), 30),  # 30 days before
    (date(2026, 12, 31), date(2026, 11, 30), 90),  # 31 days before
    (date(2027, 3, 31), date(2026, 12, 31), 90),  # 31 + 28 + 31 = 90 days before
    (date(2027, 3, 31), date(2026, 12, 30), None),  # 91 days: not yet
    (date(2027, 3, 31), date(2027, 3, 31), 7),    # the day itself
    (date(2027, 3, 31), date(2027, 4, 1), None),  # past
])
def test_the_window_a_deadline_is_in(due: date, on: date, window: int | None) -> None:
    assert window_of(due, on) == window


def test_due_on_names_each_reminder_once_per_window_and_an_overdue_milestone() -> None:
    ends = Deadline(ENDS, "case-1-ends-2027-02-28", date(2027, 2, 28))
    assert [(r.deadline.kind, r.window, r.days, r.dedup_key) for r in due_on([MILESTONE_DUE, ends],
                                                                              date(2027, 2, 28))] == [
        (MILESTONE, 7, 7, "milestone-1:7"), (ENDS, 7, 0, "case-1-ends-2027-02-28:7")]
    assert [(r.window, r.days, r.dedup_key) for r in due_on([MILESTONE_DUE, ends], date(2027, 3, 8))] == [
        (None, -1, "milestone-1:overdue")]  # an approval's end passed is the expiry job's, not a reminder
    assert due_on([MILESTONE_DUE], date(2026, 12, 6)) == []  # 91 days before


@pytest.fixture()
def session(app: Any) -> Iterator[Session]:
    with app.state.session_factory() as s:
        set_actor(s, None, "tests")
        yield s
        s.rollback()


def _mine(session: Session, name: str) -> list[tuple[int, str, str | None]]:
    session.flush()
    return sorted((n.user_id, n.kind, n.dedup_key) for n in session.scalars(select(Notification))
                  if n.context.get("solution_name") == name)


def test_the_scan_writes_each_reminder_once_to_approvers_and_the_vendor(session: Session) -> None:
    solution = make_solution(session)
    assessment_id = completed_assessment(session, solution)
    start = clock.today() - timedelta(days=1)
    approvals.record_event(session, who(session, "procurement"), solution.id, EventIn(event="apply", on=start))
    case = approvals.record_event(session, who(session, "approver"), solution.id,
                                  EventIn.model_validate(temporary_body(assessment_id, start)))
    milestone = case.milestones[0]
    due = milestone.due_date  # 90 days after the start
    approvers = set(session.scalars(select(User.id).where(User.role == "approver", User.is_active.is_(True))))
    vendors = set(session.scalars(select(User.id).where(User.role == "vendor", User.vendor_id == solution.vendor_id,
                                                        User.is_active.is_(True))))
    before = _mine(session, solution.name)  # the decision's own mails

    def new_since(seen: list[Any]) -> list[Any]:
        return [n for n in _mine(session, solution.name) if n not in seen]

    key = f"milestone-{milestone.id}"
    remind(session, due - timedelta(days=91))
    assert new_since(before) == []
    remind(session, due - timedelta(days=90))
    first = new_since(before)
    assert first == sorted([(u, "milestone_due", f"{key}:90") for u in approvers]
                           + [(u, "vendor_milestone_due", f"{key}:90") for u in vendors])
    seen = before + first
    remind(session, due - timedelta(days=90))  # the same day again
    remind(session, due - timedelta(days=31))  # still in the 90-day window
    assert new_since(seen) == []
    remind(session, due - timedelta(days=7))  # the 30-day run was missed: the 7-day one comes
    seven = new_since(seen)
    assert {k for _, _, k in seven} == {f"{key}:7"} and len(seven) == len(approvers) + len(vendors)
    seen += seven
    remind(session, due + timedelta(days=1))
    overdue = new_since(seen)
    assert overdue == sorted((u, "vendor_milestone_due", f"{key}:overdue") for u in vendors)
    seen += overdue
    assert case.valid_until is not None
    remind(session, case.valid_until - timedelta(days=30))
    ends_key = f"case-{case.id}-ends-{case.valid_until.isoformat()}:30"
    assert new_since(seen) == sorted((u, "approval_expiring", ends_key) for u in approvers)
