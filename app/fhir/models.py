"""What the FHIR directory adds to other domains' tables: the indexes its keyset paging in
(lastUpdated, id) order reads (migration 0024), and the rule that a change of a solution's
treatment areas is a change of the solution (its updated_at, the DeviceDefinition's
lastUpdated), which a syncing client must see."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Index, event, inspect
from sqlalchemy.orm import Session

from app.approvals.models import ApprovalCase
from app.catalogue.models import Solution, Vendor

INDEXES = (
    Index("ix_solution_published_updated", Solution.published, Solution.updated_at, Solution.id),
    Index("ix_vendor_updated", Vendor.updated_at, Vendor.id),
    Index("ix_approval_case_updated", ApprovalCase.updated_at, ApprovalCase.id),
)


@event.listens_for(Session, "before_flush")
def _touch_solutions_with_new_areas(session: Session, *_: Any) -> None:
    for obj in session.dirty:
        if isinstance(obj, Solution) and inspect(obj).attrs.treatment_areas.history.has_changes():
            obj.updated_at = datetime.now(UTC)
