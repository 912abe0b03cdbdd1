"""The daily reminders of approval deadlines: 90, 30 and 7 days before a temporary approval
ends or a milestone is due (to the approvers; a milestone also to the vendor's users), and
once when a milestone is overdue (to the vendor's users).

`due_on` decides what is due on a day, as a pure function; `remind` writes the mails. A
reminder's dedup key names its deadline and window, so running the scan twice a day (or
again after a missed day) writes nothing twice, and a missed day is caught up by the next
run (within the same window)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.approvals import lifecycle as lc
from app.approvals.models import ApprovalCase
from app.approvals.notify import case_path
from app.approvals.services import state_of
from app.notifications import recipients
from app.notifications.outbox import enqueue

WINDOWS = (7, 30, 90)
ENDS, MILESTONE = "ends", "milestone"


@dataclass(frozen=True)
class Deadline:
    kind: str  # ENDS | MILESTONE
    key: str  # what it is the deadline of, for the dedup key: "case-3", "milestone-12"
    due: date


@dataclass(frozen=True)
class Reminder:
    deadline: Deadline
    days: int  # days left; negative when overdue
    window: int | None  # 90, 30 or 7; None when overdue

    @property
    def dedup_key(self) -> str:
        return f"{self.deadline.key}:{'overdue' if self.window is None else self.window}"


def window_of(due: date, on: date) -> int | None:
    """The smallest reminder window `due` falls in on day `on` (None: further off, or past)."""
    days = (due - on).days
    return next((w for w in WINDOWS if 0 <= days <= w), None)


def due_on(deadlines: list[Deadline], on: date) -> list[Reminder]:
    """The reminders due on `on`: each deadline in a window, and each milestone past its day."""
    out = []
    for d in deadlines:
        days = (d.due - on).days
        if days < 0 and d.kind == MILESTONE:
            out.append(Reminder(d, days, None))
        elif (window := window_of(d.due, on)) is not None:
            out.append(Reminder(d, days, window))
    return out


def deadlines_of(case: ApprovalCase) -> list[Deadline]:
    found = [Deadline(MILESTONE, f"milestone-{m.id}", m.due_date) for m in case.milestones
             if m.status == lc.PENDING]
    if case.valid_until is not None:
        found.append(Deadline(ENDS, f"case-{case.id}-ends-{case.valid_until.isoformat()}", case.valid_until))
    return found


def remind(session: Session, on: date) -> int:
    """Write the reminders due on `on` for every running temporary approval; how many were written."""
    approvers = recipients.approvers(session)
    written = 0
    for case in session.scalars(select(ApprovalCase).where(ApprovalCase.status == lc.TEMPORARY)
                                .order_by(ApprovalCase.id)):
        if lc.effective_status(state_of(case), on) != lc.TEMPORARY:
            continue
        titles = {f"milestone-{m.id}": m.title for m in case.milestones}
        vendor_users = recipients.vendor_users(session, case.solution.vendor_id)
        for reminder in due_on(deadlines_of(case), on):
            d = reminder.deadline
            context = {"solution_name": case.solution.name, "due": d.due.isoformat(), "days": reminder.days,
                       "milestone": titles.get(d.key, ""), "path": case_path(case.solution)}
            if d.kind == ENDS:
                sent = [enqueue(session, u, "approval_expiring", context, reminder.dedup_key) for u in approvers]
            else:
                sent = [enqueue(session, u, "vendor_milestone_due", context, reminder.dedup_key)
                        for u in vendor_users]
                if reminder.window is not None:
                    sent += [enqueue(session, u, "milestone_due", context, reminder.dedup_key) for u in approvers]
            written += sum(1 for note in sent if note is not None)
    return written
