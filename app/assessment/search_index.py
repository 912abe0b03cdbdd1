"""What assessments add to the catalogue's solution documents: the outcome of the latest
completed assessment. Any change to an assessment re-queues its solution."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.assessment.models import Assessment
from app.search.index import DocKey, FacetSource, SearchIndex, Trigger


def _solution_facets(session: Session, ids: list[int]) -> dict[int, dict[str, list[str]]]:
    outcomes: dict[int, str] = {}
    for sid, outcome in session.execute(
            select(Assessment.solution_id, Assessment.outcome)
            .where(Assessment.solution_id.in_(ids), Assessment.status == "completed")
            .order_by(Assessment.completed_at, Assessment.id)):
        if outcome:
            outcomes[sid] = outcome  # the latest completed wins (ordered ascending)
    return {i: {"assessment_outcome": [outcomes[i]] if i in outcomes else []} for i in ids}


def _assessment_changed(session: Session, assessment: Assessment) -> set[DocKey]:
    return {("solution", assessment.solution_id)} if assessment.solution_id else set()


SEARCH_INDEX = SearchIndex(
    domain="assessment",
    facets=(FacetSource("solution", ("assessment_outcome",), _solution_facets),),
    triggers=(Trigger(Assessment, _assessment_changed),),
)
