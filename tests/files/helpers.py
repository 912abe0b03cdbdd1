"""A temporary approval of a solution of the demo vendor, and a vendor of another company."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from litestar import Litestar
from sqlalchemy import select

from app.accounts.models import User
from app.accounts.services import create_token, create_user
from app.audit.hook import set_actor
from app.catalogue.models import Solution, Vendor
from app.core import clock
from tests.approvals.helpers import completed_assessment, make_solution, temporary_body
from tests.helpers import DEMO_USERS, unique


def vendor_solution(db: Any) -> Solution:
    vendor_id = db.scalar(select(User.vendor_id).where(User.email == DEMO_USERS["vendor"]))
    return make_solution(db, unique("Evidensløsning"), vendor_id)


def temporary_approval(client: Any, auth: Any, db: Any) -> tuple[Solution, int]:
    """A solution of the demo vendor, temporarily approved with one pending milestone (its id)."""
    solution = vendor_solution(db)
    assessment = completed_assessment(db, solution, days_ago=40)
    on = clock.today() - timedelta(days=30)
    r = client.post(f"/api/approvals/{solution.slug}/events", headers=auth("approver"),
                    json={"event": "apply", "on": (on - timedelta(days=5)).isoformat()})
    assert r.status_code == 201, r.text
    r = client.post(f"/api/approvals/{solution.slug}/events", headers=auth("approver"),
                    json=temporary_body(assessment, on))
    assert r.status_code == 201, r.text
    return solution, r.json()["milestones"][0]["id"]


def other_vendor_headers(app: Litestar) -> dict[str, str]:
    """A bearer token of a vendor user of another company than the demo vendor's."""
    with app.state.session_factory() as session, session.begin():
        set_actor(session, None, "tests")
        own = session.scalar(select(User.vendor_id).where(User.email == DEMO_USERS["vendor"]))
        other = session.scalar(select(Vendor).where(Vendor.id != own).order_by(Vendor.id).limit(1))
        user = create_user(session, email=f"{unique('anden')}@example.dk", name="Anden leverandør", role="vendor",
                           password="en-lang-adgangskode-123", vendor_name=other.name)
        token = create_token(session, user, "tests")
    return {"Authorization": f"Bearer {token}"}
