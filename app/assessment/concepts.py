"""Shared concepts: answers carried over between frameworks.

A criterion may carry a concept id (``concept: gdpr.dpia``) naming what it asks about
across frameworks, so an answer given for NICE ESF or NHS DTAC can be offered again for
the same concept in Blåstempel DK (frameworks/README.md). Only clear cases are carried:
the same answer where the two criteria take the same answers, else a met / not met / na
status mapped onto the target's yes/no/na or best/worst option. The assessor confirms
every suggestion.

Pure: takes and returns normalised answers (app.assessment.answers).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from app.assessment.answers import AnswerError, validate_answer
from app.assessment.schema import Criterion, Framework
from app.assessment.scoring import credit


def answered_concepts(framework: Framework, answers: Mapping[str, Any],
                      tier: str | None = None) -> dict[str, Criterion]:
    """concept id -> the first answered criterion that carries it. An answer to a
    follow-up that does not apply (its applies_when fails) is not carried."""
    inactive = framework.inactive_criteria(tier, answers)
    out: dict[str, Criterion] = {}
    for _, crit in framework.all_criteria():
        if crit.concept and crit.code in answers and crit.code not in inactive:
            out.setdefault(crit.concept, crit)
    return out


def concept_status(criterion: Criterion, value: Any) -> bool | Literal["na"] | None:
    """True (met), False (not met), "na", or None (answer carries no met/not-met)."""
    if criterion.answer_type in ("yes_no_na", "choice"):
        opt = criterion.option(value) if criterion.answer_type == "choice" else None
        if value == "na" or (opt is not None and opt.na):
            return "na"
    c = credit(criterion, value)
    if c is None or 0 < c < 1:
        return None
    return c >= 1


def prefill_from_concepts(
    framework: Framework,
    tier: str | None,
    source: Framework,
    source_answers: Mapping[str, Any],
    source_tier: str | None = None,
) -> dict[str, Any]:
    """Suggest answers for ``framework`` from another framework's answers via shared
    concept ids. Returns {criterion code: normalised value}; the assessor confirms them.
    """
    by_concept = answered_concepts(source, source_answers, source_tier)
    out: dict[str, Any] = {}
    for crit in framework.applicable_criteria(tier):
        src = by_concept.get(crit.concept) if crit.concept else None
        if src is None:
            continue
        value = _carry(crit, tier, src, source_answers[src.code])
        if value is not None:
            out[crit.code] = value
    return out


def _carry(target: Criterion, tier: str | None, src: Criterion, value: Any) -> Any:
    if target.answer_type == src.answer_type and target.options == src.options:
        # The same kind of answer, but min/max may differ: the target must accept it.
        try:
            return validate_answer(target, value, tier)
        except AnswerError:
            return None
    status = concept_status(src, value)
    if status is None:
        return None
    if target.answer_type in ("yes_no", "yes_no_na"):
        if status == "na":
            return "na" if target.answer_type == "yes_no_na" else None
        return "yes" if status else "no"
    if target.answer_type == "choice" and target.is_scored:
        return _choice_for_status(target, status)
    return None


def _choice_for_status(target: Criterion, status: bool | str) -> str | None:
    if status == "na":
        return next((o.value for o in target.options if o.na), None)
    scored = [o for o in target.options if o.score is not None]
    best = max(scored, key=lambda o: o.score or 0.0)
    worst = min(scored, key=lambda o: o.score or 0.0)
    return best.value if status else worst.value
