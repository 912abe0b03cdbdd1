"""Scoring an assessment against a framework. Pure functions, no I/O.

Rules (see frameworks/README.md for the long form):

* credit per answer: yes = 1, no = 0, na = excluded; choice = option score; multi_choice =
  sum of chosen option scores capped at 1; rating = (v - min) / (max - min); number,
  date, text, evidence_link and unscored choices earn no credit (answered-only), unless
  the criterion sets ``credit_if_answered`` (then any valid answer earns 1).
* a weighted section's score = 100 * sum(weight * credit) / sum(weight) over its
  applicable scored criteria that are not answered na; unanswered ones count 0.
* a gate answered with credit 0 fails; unanswered it is pending; na passes by exclusion.
  A failed gate always fails its section, and the assessment gets the failing outcome.
* the overall score combines scored sections (``pooled`` or ``section_average``).
* a criterion whose ``applies_when`` does not hold (Framework.inactive_criteria) is left
  out entirely: not required, no weight, no gate; its stored answer is ignored.

Answers are taken as stored: normalised once when given (app.assessment.answers), so
scoring neither checks nor converts them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from app.assessment.schema import Criterion, Framework, Label, Section

GateStatus = Literal["passed", "failed", "pending"]


@dataclass(frozen=True)
class CriterionScore:
    code: str
    answered: bool
    na: bool
    credit: float | None  # None: unanswered, na, or an unscored answer type
    weight: float
    gate_status: GateStatus | None  # None when the criterion is not a gate


@dataclass(frozen=True)
class SectionScore:
    code: str
    mode: str
    scored: bool
    weight: float
    applicable: tuple[str, ...]
    not_applicable: tuple[str, ...]  # criteria of the tier whose applies_when does not hold
    answered: int
    missing: tuple[str, ...]
    na: tuple[str, ...]
    earned: float  # sum(weight * credit)
    possible: float  # sum(weight) of scored, non-na applicable criteria
    score: float | None  # percentage 0..100; None when nothing in it is scored
    failed_gates: tuple[str, ...]
    pending_gates: tuple[str, ...]
    status: str  # passed | failed | pending | not_assessed | <conclusion option value>
    conclusion: str | None
    criteria: tuple[CriterionScore, ...]


@dataclass(frozen=True)
class AssessmentScore:
    framework_id: str
    framework_version: str
    tier: str | None
    sections: tuple[SectionScore, ...]
    score: float | None  # overall percentage across scored sections
    failed_gates: tuple[str, ...]
    pending_gates: tuple[str, ...]
    missing: tuple[str, ...]
    complete: bool
    outcome: Label | None  # None while incomplete (unless already failed)

    def section(self, code: str) -> SectionScore:
        return next(s for s in self.sections if s.code == code)

    @property
    def failed(self) -> bool:
        return any(s.status == "failed" for s in self.sections)


# --------------------------------------------------------------------------- credit


def is_na(criterion: Criterion, value: Any) -> bool:
    """True when a normalised answer means "not applicable"."""
    if criterion.answer_type == "yes_no_na":
        return value == "na"
    if criterion.answer_type == "choice":
        opt = criterion.option(value)
        return opt is not None and opt.na
    return False


def credit(criterion: Criterion, value: Any) -> float | None:
    """Credit 0..1 for a normalised answer; None if na or the answer earns no credit."""
    if is_na(criterion, value) or not criterion.is_scored:
        return None
    kind = criterion.answer_type
    if kind in ("yes_no", "yes_no_na"):
        return 1.0 if value == "yes" else 0.0
    if kind == "choice":
        opt = criterion.option(value)
        return None if opt is None or opt.score is None else opt.score
    if kind == "multi_choice":
        total = sum(opt.score or 0.0 for v in value if (opt := criterion.option(v)) is not None)
        return min(1.0, total)
    if kind == "rating":
        low, high = float(criterion.min or 0), float(criterion.max or 1)
        return (float(value) - low) / (high - low)
    return 1.0  # credit_if_answered: any valid answer earns full credit


# --------------------------------------------------------------------------- scoring


def score_criterion(criterion: Criterion, value: Any | None) -> CriterionScore:
    """Score one applicable criterion's normalised answer. ``value`` None means unanswered."""
    if value is None:
        gate: GateStatus | None = "pending" if criterion.gate else None
        return CriterionScore(criterion.code, False, False, None, criterion.weight, gate)
    na = is_na(criterion, value)
    c = credit(criterion, value)
    gate = None
    if criterion.gate:
        gate = "failed" if (c is not None and c <= 0) else "passed"
    return CriterionScore(criterion.code, True, na, c, criterion.weight, gate)


def score_section(section: Section, tier: str | None, answers: Mapping[str, Any],
                  inactive: frozenset[str] = frozenset()) -> SectionScore:
    """Score one section; ``inactive``: codes whose applies_when does not hold."""
    applicable = [c for c in section.criteria if c.applies(tier) and c.code not in inactive]
    results = [score_criterion(c, answers.get(c.code)) for c in applicable]
    by_code = {c.code: c for c in applicable}
    missing = tuple(r.code for r in results if not r.answered and by_code[r.code].required)
    scored = [r for r in results if by_code[r.code].is_scored and not r.na]
    earned = sum(r.weight * (r.credit or 0.0) for r in scored)
    possible = sum(r.weight for r in scored)
    score = 100.0 * earned / possible if possible > 0 else None
    failed = tuple(r.code for r in results if r.gate_status == "failed")
    pending = tuple(r.code for r in results if r.gate_status == "pending")
    conclusion = _conclusion(section, answers, tier, inactive)
    status = _section_status(section, score, missing, failed, conclusion)
    return SectionScore(
        code=section.code,
        mode=section.mode,
        scored=section.scored,
        weight=section.weight,
        applicable=tuple(c.code for c in applicable),
        not_applicable=tuple(c.code for c in section.criteria if c.code in inactive and c.applies(tier)),
        answered=sum(r.answered for r in results),
        missing=missing,
        na=tuple(r.code for r in results if r.na),
        earned=earned,
        possible=possible,
        score=score,
        failed_gates=failed,
        pending_gates=pending,
        status=status,
        conclusion=conclusion,
        criteria=tuple(results),
    )


def _conclusion(section: Section, answers: Mapping[str, Any], tier: str | None,
                inactive: frozenset[str]) -> str | None:
    if section.mode != "conclusion" or section.conclusion is None or section.conclusion in inactive:
        return None
    crit = section.criterion(section.conclusion)
    value = answers.get(section.conclusion)
    if crit is None or value is None or not crit.applies(tier):
        return None
    return value


def _section_status(
    section: Section,
    score: float | None,
    missing: tuple[str, ...],
    failed: tuple[str, ...],
    conclusion: str | None,
) -> str:
    if section.mode == "none":
        return "not_assessed"
    if section.mode == "conclusion":
        return conclusion or "pending"
    if failed:
        return "failed"
    if missing:
        return "pending"
    below = section.pass_score is not None and score is not None and score < section.pass_score
    return "failed" if below else "passed"


def overall_score(framework: Framework, sections: tuple[SectionScore, ...]) -> float | None:
    scored = [s for s in sections if s.scored]
    if framework.scoring.method == "pooled":
        possible = sum(s.possible for s in scored)
        return 100.0 * sum(s.earned for s in scored) / possible if possible > 0 else None
    weighted = [(s.weight, s.score) for s in scored if s.score is not None and s.weight > 0]
    total = sum(w for w, _ in weighted)
    return sum(w * sc for w, sc in weighted) / total if total > 0 else None


def _outcome(
    framework: Framework, sections: tuple[SectionScore, ...], score: float | None, complete: bool
) -> Label | None:
    outcomes = framework.outcomes
    if any(s.status == "failed" for s in sections):
        return outcomes.failing
    if not complete:
        return None
    if score is not None and outcomes.thresholds:
        return outcomes.for_score(score)
    return outcomes.completed


def score_assessment(
    framework: Framework, tier: str | None, answers: Mapping[str, Any]
) -> AssessmentScore:
    """Score ``answers`` ({criterion code: normalised value}) for ``tier``.

    Answers to criteria that do not apply (to the tier, or by their applies_when), and
    unknown codes, are ignored.
    A framework with tiers needs a tier (ValueError).
    """
    if framework.tiers and tier not in framework.tiers:
        raise ValueError(f"tier must be one of {list(framework.tiers)}, got {tier!r}")
    if not framework.tiers and tier is not None:
        raise ValueError(f"framework {framework.id!r} has no tiers, got {tier!r}")
    inactive = framework.inactive_criteria(tier, answers)
    sections = tuple(score_section(s, tier, answers, inactive) for s in framework.sections)
    missing = tuple(code for s in sections for code in s.missing)
    score = overall_score(framework, sections)
    complete = not missing
    return AssessmentScore(
        framework_id=framework.id,
        framework_version=framework.version,
        tier=tier,
        sections=sections,
        score=score,
        failed_gates=tuple(code for s in sections for code in s.failed_gates),
        pending_gates=tuple(code for s in sections for code in s.pending_gates),
        missing=missing,
        complete=complete,
        outcome=_outcome(framework, sections, score, complete),
    )
