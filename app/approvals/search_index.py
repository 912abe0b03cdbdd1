"""What approvals add to the catalogue's solution documents: the `approval_status` facet,
the status each solution has today as the register reads it (lifecycle.effective_status:
approved, temporarily_approved, applied, rejected, revoked, expired, or none when no
application was made), with its labels.

A decision re-queues its solution (any change to its approval case). Time changes it too:
an approval past its end date reads as expired before, or without, an expiry event. So the
documents whose stored status no longer reads the same today are `dated`: the indexer asks
for them at start and then every few minutes, and re-queues those it has not yet done.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.approvals import lifecycle as lc
from app.approvals.models import ApprovalCase
from app.core.clock import today
from app.search.index import DocKey, FacetLabels, FacetSource, SearchIndex, Trigger
from app.web.i18n import label

FACET = "approval_status"


def _status(status: str, valid_until: date | None) -> str:
    return lc.effective_status(lc.ApprovalState(status=status, valid_until=valid_until), today())


def _solution_facets(session: Session, ids: list[int]) -> dict[int, dict[str, list[str]]]:
    found = {sid: _status(status, until) for sid, status, until in session.execute(
        select(ApprovalCase.solution_id, ApprovalCase.status, ApprovalCase.valid_until)
        .where(ApprovalCase.solution_id.in_(ids)))}
    return {i: {FACET: [found.get(i, lc.NONE)]} for i in ids}


def _case_changed(session: Session, case: ApprovalCase) -> set[DocKey]:
    return {("solution", case.solution_id)} if case.solution_id else set()


def _dated(session: Session) -> set[DocKey]:
    """Solutions whose approval reads differently today than its stored status says
    (an approval past its end date, expiry not yet recorded)."""
    rows = session.execute(select(ApprovalCase.solution_id, ApprovalCase.status, ApprovalCase.valid_until)
                           .where(ApprovalCase.status.in_(lc.VALID_STATUSES),
                                  ApprovalCase.valid_until.is_not(None)))
    return {("solution", sid) for sid, status, until in rows if _status(status, until) != status}


def _labels(session: Session, lang: str) -> Mapping[str, Mapping[str, str]]:
    return {FACET: {s: label(lang, "approval", s).capitalize() for s in lc.STATUSES}}


SEARCH_INDEX = SearchIndex(
    domain="approvals",
    facets=(FacetSource("solution", (FACET,), _solution_facets),),
    triggers=(Trigger(ApprovalCase, _case_changed),),
    labels=(FacetLabels((FACET,), _labels),),
    dated=(_dated,),
)
