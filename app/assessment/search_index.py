"""What assessments add to the catalogue's solution documents: the outcome of the latest
completed assessment. Any change to an assessment re-queues its solution."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.assessment.loader import load_frameworks
from app.assessment.models import Assessment
from app.assessment.schema import Label
from app.search.index import DocKey, FacetLabels, FacetSource, SearchIndex, Trigger
from app.settings import PROJECT_ROOT


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


@cache
def _outcomes() -> tuple[Label, ...]:
    """The outcomes of the seed frameworks, read once."""
    return tuple(o for fw in load_frameworks(PROJECT_ROOT / "frameworks")
                 for o in (*fw.outcomes.thresholds, fw.outcomes.failing, fw.outcomes.completed) if o is not None)


def _outcome_names(lang: str) -> dict[str, str]:
    """Each outcome code by its name, without the explanation in brackets
    ("Ikke godkendt (et krav ...)" -> "Ikke godkendt"); the first framework to use a code names it."""
    names: dict[str, str] = {}
    for outcome in _outcomes():
        names.setdefault(outcome.code, getattr(outcome, f"label_{lang}").split(" (")[0])
    return names


def _labels(session: Session, lang: str) -> Mapping[str, Mapping[str, str]]:
    return {"assessment_outcome": _outcome_names(lang)}


SEARCH_INDEX = SearchIndex(
    domain="assessment",
    facets=(FacetSource("solution", ("assessment_outcome",), _solution_facets),),
    triggers=(Trigger(Assessment, _assessment_changed),),
    labels=(FacetLabels(("assessment_outcome",), _labels),),
)
