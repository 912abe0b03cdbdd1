"""The schema of an assessment framework: what a framework version is made of.

A framework version (NICE ESF 2022, NHS DTAC 1.0, MAST, ...) is one YAML file in
``frameworks/``; these frozen pydantic models describe it (Framework, Section, Criterion,
Option, the classification rules and the outcomes) and check each part on its own. The
checks across the whole framework, and reading the files, are the loader's
(``app.assessment.loader``), the only way frameworks are made.

Pure: no files, no database, no web.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

AnswerType = Literal[
    "yes_no",
    "yes_no_na",
    "choice",
    "multi_choice",
    "number",
    "date",
    "text",
    "evidence_link",
    "rating",
]
SectionMode = Literal["weighted", "pass_fail", "conclusion", "none"]
Audience = Literal["assessor", "vendor"]

#: Answer types that can earn credit (0..1) and therefore be weighted or act as gates.
SCORABLE_TYPES: frozenset[str] = frozenset(
    {"yes_no", "yes_no_na", "choice", "multi_choice", "rating"}
)

_CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_CONCEPT_RE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$")


class SchemaIssue(ValueError):
    """Raised inside model validators; ``path`` is relative to the model raising it."""

    def __init__(self, path: str, problem: str) -> None:
        self.path = path
        self.problem = problem
        super().__init__(problem)


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Label(_Model):
    """A bilingual label with a machine code (used for outcomes)."""

    code: str = Field(min_length=1)
    label_da: str = Field(min_length=1)
    label_en: str = Field(min_length=1)


class Option(_Model):
    """One choice of a ``choice`` / ``multi_choice`` criterion.

    ``score`` is the credit (0..1) the option earns; ``na: true`` marks an option that
    means "not applicable" (the criterion is then left out of the denominator).
    """

    value: str = Field(min_length=1)
    label_da: str = Field(min_length=1)
    label_en: str = Field(min_length=1)
    score: float | None = Field(default=None, ge=0, le=1)
    na: bool = False


class Condition(_Model):
    """A test on answers: a leaf names a ``question`` (a scope question in classification
    rules, a criterion in ``applies_when``) and exactly one test; a group combines
    conditions with ``all`` (and) or ``any`` (or).

    An unanswered question makes ``equals``/``one_of``/``contains`` false and
    ``not_equals`` true. On a multi_choice answer (a list) ``one_of`` holds when any
    chosen option is one of the values.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    question: str | None = None
    equals: str | float | bool | None = None
    not_equals: str | float | bool | None = None
    one_of: tuple[str | float, ...] | None = None
    contains: str | None = None
    all_of: tuple[Condition, ...] | None = Field(default=None, alias="all", min_length=1)
    any_of: tuple[Condition, ...] | None = Field(default=None, alias="any", min_length=1)

    @model_validator(mode="after")
    def _one_test(self) -> Condition:
        tests = [self.equals, self.not_equals, self.one_of, self.contains]
        groups = [self.all_of, self.any_of]
        if sum(t is not None for t in tests + groups) != 1:
            raise SchemaIssue("", "give exactly one of equals, not_equals, one_of, contains, all, any")
        if any(g is not None for g in groups) and self.question is not None:
            raise SchemaIssue("question", "a group (all / any) takes no question of its own")
        if any(t is not None for t in tests) and self.question is None:
            raise SchemaIssue("question", "name the question the test is about")
        return self

    def holds(self, answers: Mapping[str, Any]) -> bool:
        if self.all_of is not None:
            return all(c.holds(answers) for c in self.all_of)
        if self.any_of is not None:
            return any(c.holds(answers) for c in self.any_of)
        if self.question is None or self.question not in answers:
            return self.not_equals is not None
        value = answers[self.question]
        if self.equals is not None:
            return value == self.equals
        if self.not_equals is not None:
            return value != self.not_equals
        if self.one_of is not None:
            if isinstance(value, list | tuple):
                return any(v in self.one_of for v in value)
            return value in self.one_of
        return isinstance(value, list | tuple) and self.contains in value

    def leaves(self, path: str = "") -> Iterator[tuple[str, Condition]]:
        """Every leaf test with its path relative to this condition, e.g. ``all[1]``."""
        for key, group in (("all", self.all_of), ("any", self.any_of)):
            if group is not None:
                for i, cond in enumerate(group):
                    yield from cond.leaves(f"{path}.{key}[{i}]" if path else f"{key}[{i}]")
                return
        yield path, self


class Criterion(_Model):
    code: str = Field(min_length=1)
    question_da: str = Field(min_length=1)
    question_en: str = Field(min_length=1)
    help_da: str | None = None
    help_en: str | None = None
    answer_type: AnswerType
    options: tuple[Option, ...] = ()
    min: float | None = None
    max: float | None = None
    applies_to: tuple[str, ...] = ()
    gate: bool = False
    required: bool = True
    weight: float = Field(default=1.0, ge=0)
    credit_if_answered: bool = False
    evidence_da: str | None = None
    evidence_en: str | None = None
    concept: str | None = None
    audience: Audience = "assessor"
    applies_when: Condition | None = None
    awaiting_source: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _defaults(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        # Unscorable answer types default to weight 0; scorable ones to 1.
        if "weight" not in data:
            data = {**data, "weight": 1.0 if _looks_scored(data) else 0.0}
        name = data.get("awaiting_source")
        if isinstance(name, str) and name.strip():
            texts = {lang: awaiting_source_text(name, lang) for lang in ("da", "en")}
            if any(data.get(f"question_{lang}") not in (None, text) for lang, text in texts.items()):
                raise SchemaIssue("awaiting_source", "a criterion awaiting its source takes no "
                                  "question_da/question_en: do not write a text of our own")
            data = {**data, "question_da": texts["da"], "question_en": texts["en"]}
        return data

    @model_validator(mode="after")
    def _check(self) -> Criterion:
        _check_code(self.code, "code")
        _check_options(self)
        _check_range(self)
        _check_scoring(self)
        if self.concept is not None and not _CONCEPT_RE.match(self.concept):
            raise SchemaIssue(
                "concept", f"concept id {self.concept!r} must be dotted lower case, e.g. gdpr.dpia"
            )
        if len(set(self.applies_to)) != len(self.applies_to):
            raise SchemaIssue("applies_to", "a tier is listed twice")
        return self

    # -- derived properties -------------------------------------------------------

    @property
    def is_scored(self) -> bool:
        """True when answers earn credit (scorable type, and scored options if a choice)."""
        if self.answer_type in ("choice", "multi_choice"):
            return any(o.score is not None for o in self.options)
        return self.answer_type in SCORABLE_TYPES or self.credit_if_answered

    def applies(self, tier: str | None) -> bool:
        return not self.applies_to or tier in self.applies_to

    def option(self, value: str) -> Option | None:
        return next((o for o in self.options if o.value == value), None)


AWAITING_SOURCE = {"da": "{name} – titel afventer kilde", "en": "{name} – title awaiting source"}


def awaiting_source_text(name: str, lang: str) -> str:
    """The one text shown for a criterion whose published wording we could not source
    (form, PDFs and API all show it, through the criterion's question texts)."""
    return AWAITING_SOURCE.get(lang, AWAITING_SOURCE["en"]).format(name=name.strip())


def _looks_scored(data: dict[str, Any]) -> bool:
    kind = data.get("answer_type")
    if kind in ("choice", "multi_choice"):
        options = data.get("options") or []
        return any(isinstance(o, dict) and o.get("score") is not None for o in options)
    return kind in SCORABLE_TYPES or bool(data.get("credit_if_answered"))


def _check_code(code: str, path: str) -> None:
    if not _CODE_RE.match(code):
        raise SchemaIssue(path, f"code {code!r} may only contain letters, digits, '.', '_', '-'")


def _check_options(c: Criterion) -> None:
    if c.answer_type in ("choice", "multi_choice"):
        if len(c.options) < 2:
            raise SchemaIssue("options", f"answer_type {c.answer_type!r} needs at least 2 options")
        values = [o.value for o in c.options]
        dup = next((v for v in values if values.count(v) > 1), None)
        if dup is not None:
            raise SchemaIssue("options", f"option value {dup!r} is used twice")
        scored = [o.score is not None for o in c.options if not o.na]
        if any(scored) and not all(scored):
            raise SchemaIssue(
                "options", "either every option (except na options) has a score or none has"
            )
        if c.answer_type == "multi_choice" and any(o.na for o in c.options):
            raise SchemaIssue("options", "multi_choice options cannot be na; use a choice instead")
    elif c.options:
        raise SchemaIssue("options", f"answer_type {c.answer_type!r} takes no options")


def _check_range(c: Criterion) -> None:
    if c.answer_type == "rating":
        if c.min is None or c.max is None:
            where = "max" if c.min is not None else "min"
            raise SchemaIssue(where, "a rating needs both min and max")
        if c.min != int(c.min) or c.max != int(c.max):
            raise SchemaIssue("min", "rating min and max must be whole numbers")
        if c.min >= c.max:
            raise SchemaIssue("max", "rating max must be greater than min")
    elif c.answer_type == "number":
        if c.min is not None and c.max is not None and c.min > c.max:
            raise SchemaIssue("max", "number max must not be less than min")
    elif c.min is not None or c.max is not None:
        raise SchemaIssue("min", f"answer_type {c.answer_type!r} takes no min/max")


def _check_scoring(c: Criterion) -> None:
    if c.credit_if_answered and c.answer_type not in ("number", "date", "text", "evidence_link"):
        raise SchemaIssue(
            "credit_if_answered",
            "only number, date, text and evidence_link take credit_if_answered",
        )
    if c.gate and not c.is_scored:
        raise SchemaIssue(
            "gate",
            f"a gate must be scorable (yes_no, yes_no_na, rating, or choice with option scores); "
            f"{c.answer_type!r} is not",
        )
    if c.gate and not c.required:
        raise SchemaIssue("required", "a gate must be required")
    if c.weight > 0 and not c.is_scored:
        raise SchemaIssue(
            "weight", f"answer_type {c.answer_type!r} without option scores earns no credit; "
            "remove weight or give the options scores"
        )


class Section(_Model):
    code: str = Field(min_length=1)
    title_da: str = Field(min_length=1)
    title_en: str = Field(min_length=1)
    description_da: str | None = None
    description_en: str | None = None
    scored: bool
    mode: SectionMode
    weight: float = Field(default=1.0, ge=0)
    pass_score: float | None = Field(default=None, ge=0, le=100)
    weights_total: float | None = Field(default=None, gt=0)
    conclusion: str | None = None
    criteria: tuple[Criterion, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _check(self) -> Section:
        _check_code(self.code, "code")
        if self.mode in ("conclusion", "none") and self.scored:
            raise SchemaIssue("scored", f"a section in mode {self.mode!r} cannot be scored")
        if self.mode in ("conclusion", "none"):
            for i, c in enumerate(self.criteria):
                if c.gate:
                    raise SchemaIssue(
                        f"criteria[{i}].gate", f"a section in mode {self.mode!r} cannot hold gates"
                    )
        if self.pass_score is not None and self.mode != "weighted":
            raise SchemaIssue("pass_score", "pass_score only applies to weighted sections")
        self._check_weights_total()
        self._check_conclusion()
        return self

    def _check_weights_total(self) -> None:
        if self.weights_total is None:
            return
        if self.mode != "weighted":
            raise SchemaIssue("weights_total", "weights_total only applies to weighted sections")
        total = sum(c.weight for c in self.criteria)
        if abs(total - self.weights_total) > 1e-9:
            raise SchemaIssue("weights_total", f"the criteria's weights sum to {total:g}, but the "
                              f"source gives {self.weights_total:g}")

    def _check_conclusion(self) -> None:
        if self.mode != "conclusion":
            if self.conclusion is not None:
                raise SchemaIssue("conclusion", "conclusion only applies to mode 'conclusion'")
            return
        if self.conclusion is None:
            raise SchemaIssue(
                "conclusion", "mode 'conclusion' needs the code of its conclusion criterion"
            )
        crit = next((c for c in self.criteria if c.code == self.conclusion), None)
        if crit is None:
            raise SchemaIssue("conclusion", f"no criterion {self.conclusion!r} in this section")
        if crit.answer_type != "choice":
            raise SchemaIssue("conclusion", f"conclusion criterion {crit.code!r} must be a choice")

    def criterion(self, code: str) -> Criterion | None:
        return next((c for c in self.criteria if c.code == code), None)


class Rule(_Model):
    """If the conditions hold (all or any), the framework classifies as ``tier``.

    ``tier: null`` means "out of scope": ``Framework.classify`` returns None.
    """

    tier: str | None
    match: Literal["all", "any"] = "all"
    conditions: tuple[Condition, ...] = Field(min_length=1)

    def holds(self, answers: Mapping[str, Any]) -> bool:
        results = (c.holds(answers) for c in self.conditions)
        return all(results) if self.match == "all" else any(results)


class Classification(_Model):
    rules: tuple[Rule, ...] = ()
    default: str | None = None


class ScoringRules(_Model):
    """How section scores combine into the overall score.

    ``pooled``: every scored criterion of every scored section in one weighted sum.
    ``section_average``: weighted mean (Section.weight) of the scored sections' scores.
    """

    method: Literal["pooled", "section_average"] = "pooled"


class Threshold(Label):
    min_score: float = Field(ge=0, le=100)


class Outcomes(_Model):
    """``thresholds`` from highest ``min_score`` to lowest (the last must be 0);
    ``failing`` applies when any gate fails; ``completed`` applies to a complete
    assessment that has no overall score (e.g. MAST)."""

    thresholds: tuple[Threshold, ...] = ()
    failing: Label | None = None
    completed: Label | None = None

    @model_validator(mode="after")
    def _check(self) -> Outcomes:
        scores = [t.min_score for t in self.thresholds]
        for i in range(1, len(scores)):
            if scores[i] >= scores[i - 1]:
                raise SchemaIssue(
                    f"thresholds[{i}].min_score",
                    "thresholds must be ordered from highest to lowest min_score",
                )
        if scores and scores[-1] != 0:
            raise SchemaIssue(
                f"thresholds[{len(scores) - 1}].min_score",
                "the lowest threshold must have min_score 0",
            )
        if not self.thresholds and self.completed is None:
            raise SchemaIssue("", "give thresholds, completed, or both")
        return self

    def for_score(self, score: float) -> Threshold | None:
        return next((t for t in self.thresholds if score >= t.min_score), None)


class Framework(_Model):
    id: str = Field(min_length=1)
    version: str = Field(min_length=1)
    title_da: str = Field(min_length=1)
    title_en: str = Field(min_length=1)
    publisher: str = Field(min_length=1)
    source_url: str = Field(min_length=1)
    valid_from: date
    superseded: bool = False
    superseded_note_da: str | None = None
    superseded_note_en: str | None = None
    description_da: str | None = None
    description_en: str | None = None
    scope_questions: tuple[Criterion, ...] = ()
    classification: Classification | None = None
    tiers: tuple[str, ...] = ()
    sections: tuple[Section, ...] = Field(min_length=1)
    scoring: ScoringRules = ScoringRules()
    outcomes: Outcomes

    # -- lookups -------------------------------------------------------------------

    @property
    def key(self) -> tuple[str, str]:
        return (self.id, self.version)

    def all_criteria(self) -> Iterator[tuple[Section, Criterion]]:
        for section in self.sections:
            for crit in section.criteria:
                yield section, crit

    def criterion(self, code: str) -> Criterion:
        """The section criterion or scope question with this code (KeyError if none)."""
        for _, crit in self.all_criteria():
            if crit.code == code:
                return crit
        for crit in self.scope_questions:
            if crit.code == code:
                return crit
        raise KeyError(code)

    def section(self, code: str) -> Section:
        for section in self.sections:
            if section.code == code:
                return section
        raise KeyError(code)

    def applicable_criteria(self, tier: str | None) -> list[Criterion]:
        return [c for _, c in self.all_criteria() if c.applies(tier)]

    def inactive_criteria(self, tier: str | None, answers: Mapping[str, Any]) -> frozenset[str]:
        """Codes of criteria that do not apply to these answers: their ``applies_when``
        does not hold, or one criterion it names does not apply itself (then its answer
        counts as not given). Their answers are kept but ignored."""
        criteria = {c.code: c for _, c in self.all_criteria()}
        active: dict[str, bool] = {}

        def is_active(code: str) -> bool:
            if code not in active:
                crit = criteria[code]
                cond = crit.applies_when
                if cond is None:
                    active[code] = crit.applies(tier)
                else:
                    seen = {q: answers[q] for _, leaf in cond.leaves() if (q := leaf.question)
                            in answers and q in criteria and is_active(q)}
                    active[code] = crit.applies(tier) and cond.holds(seen)
            return active[code]

        return frozenset(code for code, c in criteria.items()
                         if c.applies_when is not None and not is_active(code))

    def dependents(self, code: str) -> list[str]:
        """Codes of the criteria whose ``applies_when`` depends on ``code``, directly or
        through another such criterion, in form order."""
        found: set[str] = set()
        frontier = {code}
        while frontier:
            frontier = {c.code for _, c in self.all_criteria() if c.applies_when is not None
                        and c.code not in found and any(leaf.question in frontier
                                                        for _, leaf in c.applies_when.leaves())}
            found |= frontier
        return [c.code for _, c in self.all_criteria() if c.code in found]

    def classify(self, scope_answers: Mapping[str, Any]) -> str | None:
        """The tier for these (normalised) scope answers, or None (no tiers, or out of scope).

        Rules are tried in order; the first whose conditions hold decides (a rule with
        ``tier: null`` means out of scope). With no matching rule, ``default`` applies.
        Unanswered questions make ``equals``/``one_of``/``contains`` false and
        ``not_equals`` true.
        """
        if self.classification is None:
            return None
        answers = {code: value for code, value in scope_answers.items() if value is not None}
        for rule in self.classification.rules:
            if rule.holds(answers):
                return rule.tier
        return self.classification.default

    def missing_scope_answers(self, scope_answers: Mapping[str, Any]) -> list[str]:
        """Codes of required scope questions not yet answered."""
        return [q.code for q in self.scope_questions
                if q.required and scope_answers.get(q.code) is None]

    def concepts(self) -> dict[str, list[str]]:
        """concept id -> criterion codes carrying it."""
        out: dict[str, list[str]] = {}
        for _, crit in self.all_criteria():
            if crit.concept:
                out.setdefault(crit.concept, []).append(crit.code)
        return out
