"""Mails of the assessment workflow, written in the event's transaction: a submitted
assessment to the second assessor, a returned or completed one to its author, a queried
vendor answer to the vendor's users."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from app.accounts.models import User
from app.assessment import four_eyes
from app.assessment.models import Answer, Assessment
from app.core.principal import Principal
from app.core.roles import Role
from app.notifications import recipients
from app.notifications.outbox import enqueue


def _context(assessment: Assessment, **extra: Any) -> dict[str, Any]:
    return {"assessment_id": assessment.id, "solution_name": assessment.solution.name,
            "path": f"/assessments/{assessment.id}", **extra}


def reviewers_for(session: Session, assessment: Assessment, contributors: four_eyes.Contributors) -> list[User]:
    """Who should review a submitted assessment: the reviewer who returned it, when it comes
    back (and is still active); otherwise every active assessor the four-eyes rule lets review it."""
    reviewer = session.get(User, assessment.reviewer_id) if assessment.reviewer_id is not None else None
    if reviewer is not None and reviewer.is_active:
        return [reviewer]
    return [u for u in recipients.with_role(session, Role.ASSESSOR)
            if four_eyes.barred_part(u.id, contributors, deciding=False) is None]


def submitted(session: Session, principal: Principal, assessment: Assessment,
              contributors: four_eyes.Contributors) -> None:
    for user in reviewers_for(session, assessment, contributors):
        enqueue(session, user, "assessment_submitted", _context(assessment, submitted_by=principal.name))


def returned(session: Session, principal: Principal, assessment: Assessment, comment: str) -> None:
    enqueue(session, assessment.author, "assessment_returned",
            _context(assessment, reviewer_name=principal.name, comment=comment))


def completed(session: Session, principal: Principal, assessment: Assessment) -> None:
    enqueue(session, assessment.author, "assessment_completed",
            _context(assessment, reviewer_name=principal.name))


def answer_queried(session: Session, principal: Principal, assessment: Assessment, answer: Answer) -> None:
    for user in recipients.vendor_users(session, assessment.solution.vendor_id):
        enqueue(session, user, "vendor_answer_queried",
                _context(assessment, criterion=answer.criterion_code, assessor_name=principal.name,
                         comment=answer.verification_comment or ""))
