"""Helpers for the approval tests: a fresh solution and completed assessments."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.approvals.seed import sample_assessment
from app.audit.hook import set_actor
from app.catalogue.models import Solution, TreatmentArea, Vendor
from app.core import clock
from tests.helpers import DEMO_USERS, unique


def user(db: Session, role: str) -> User:
    found = db.scalar(select(User).where(User.email == DEMO_USERS[role]))
    assert found is not None
    return found


def make_solution(db: Session, name: str | None = None, vendor_id: int | None = None) -> Solution:
    """A fresh published solution (of the first vendor unless `vendor_id` is given)."""
    set_actor(db, None, "tests")
    vendor_id = vendor_id or db.scalar(select(Vendor.id).order_by(Vendor.id).limit(1))
    area = db.scalar(select(TreatmentArea).where(TreatmentArea.code == "kol"))
    name = name or unique("Godkendelsestest")
    solution = Solution(slug=name.lower(), name=name, vendor_id=vendor_id,
                        short_description_da="En løsning til godkendelsestest", purpose="monitoring",
                        target_users="citizen", origin="private", country="DK",
                        regulatory_class="ce_iia", treatment_areas=[area])
    db.add(solution)
    db.commit()
    return solution


def completed_assessment(db: Session, solution: Solution, author: str = "assessor",
                         reviewer: str = "assessor2", days_ago: int = 10) -> int:
    """A completed assessment (authored by `author`, reviewed by `reviewer`)."""
    set_actor(db, None, "tests")
    a = sample_assessment(db, solution, user(db, author), user(db, reviewer), clock.today() - timedelta(days=days_ago))
    db.commit()
    return a.id


def temporary_body(assessment_id: int, on: date, **extra: Any) -> dict[str, Any]:
    return {"event": "approve_temporarily", "on": on.isoformat(), "reason": "lovende evidens",
            "treatment_areas": ["kol"], "indications": "KOL", "assessment_ids": [assessment_id],
            "milestones": [{"title": "Første data", "due": (on + timedelta(days=90)).isoformat()}],
            **extra}
