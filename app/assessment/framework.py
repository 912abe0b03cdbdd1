"""Assessment frameworks as data.

A framework version (NICE ESF 2022, NHS DTAC 1.0, MAST, ...) is one YAML file in
``frameworks/``. This module holds the pydantic schema those files must satisfy, the
loader (``load_framework`` / ``load_frameworks``), answer validation
(``validate_answer``), tier classification (``classify``) and concept-based answer
reuse between frameworks (``answers_by_concept`` / ``prefill_from_concepts``).

Everything here is pure: no database, no web.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from datetime import date
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlparse

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

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
_YES = frozenset({"yes", "ja", "true", "y"})
_NO = frozenset({"no", "nej", "false", "n"})
_NA = frozenset({"na", "n/a", "not_applicable", "ikke_relevant", "ikke relevant"})
_MAX_TEXT = 20_000


# --------------------------------------------------------------------------- errors


class FrameworkError(Exception):
    """A framework file is invalid. Nothing from the file is loaded.

    ``file``: the file path; ``location``: the path inside the file, e.g.
    ``sections[2].criteria[4].answer_type`` (empty for file-level problems);
    ``problem``: what is wrong. ``issues`` lists every (location, problem) found.
    """

    def __init__(
        self,
        file: str | Path,
        location: str,
        problem: str,
        issues: list[tuple[str, str]] | None = None,
    ) -> None:
        self.file = str(file)
        self.location = location
        self.problem = problem
        self.issues = issues or [(location, problem)]
        where = f"{self.file}: {location}" if location else self.file
        more = f" (and {len(self.issues) - 1} more problem(s))" if len(self.issues) > 1 else ""
        super().__init__(f"{where}: {problem}{more}")


class AnswerError(ValueError):
    """An answer is not valid for a criterion. Carries Danish and English messages."""

    def __init__(self, criterion_code: str, message_en: str, message_da: str | None = None):
        self.criterion_code = criterion_code
        self.message_en = message_en
        self.message_da = message_da or message_en
        super().__init__(f"{criterion_code}: {message_en}")

    @property
    def message(self) -> str:
        return self.message_en


class SchemaIssue(ValueError):
    """Raised inside model validators; ``path`` is relative to the model raising it."""

    def __init__(self, path: str, problem: str) -> None:
        self.path = path
        self.problem = problem
        super().__init__(problem)


# --------------------------------------------------------------------------- models


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

    @model_validator(mode="before")
    @classmethod
    def _default_weight(cls, data: Any) -> Any:
        # Unscorable answer types default to weight 0; scorable ones to 1.
        if isinstance(data, dict) and "weight" not in data:
            return {**data, "weight": 1.0 if _looks_scored(data) else 0.0}
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
        self._check_conclusion()
        return self

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


class Condition(_Model):
    """``question`` is a scope question code; exactly one test must be given."""

    question: str
    equals: str | float | bool | None = None
    not_equals: str | float | bool | None = None
    one_of: tuple[str | float, ...] | None = None
    contains: str | None = None

    @model_validator(mode="after")
    def _one_test(self) -> Condition:
        tests = [self.equals, self.not_equals, self.one_of, self.contains]
        if sum(t is not None for t in tests) != 1:
            raise SchemaIssue("", "give exactly one of equals, not_equals, one_of, contains")
        return self

    def holds(self, answers: Mapping[str, Any]) -> bool:
        if self.question not in answers:
            return self.not_equals is not None
        value = answers[self.question]
        if self.equals is not None:
            return value == self.equals
        if self.not_equals is not None:
            return value != self.not_equals
        if self.one_of is not None:
            return value in self.one_of
        return isinstance(value, list | tuple) and self.contains in value


class Rule(_Model):
    """If the conditions hold (all or any), the framework classifies as ``tier``.

    ``tier: null`` means "out of scope": ``classify`` returns None.
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
    superseded_note: str | None = None
    description_da: str | None = None
    description_en: str | None = None
    scope_questions: tuple[Criterion, ...] = ()
    classification: Classification | None = None
    tiers: tuple[str, ...] = ()
    sections: tuple[Section, ...] = Field(min_length=1)
    scoring: ScoringRules = ScoringRules()
    outcomes: Outcomes

    @model_validator(mode="after")
    def _check(self) -> Framework:
        for path, problem in _framework_issues(self):
            raise SchemaIssue(path, problem)
        return self

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

    def concepts(self) -> dict[str, list[str]]:
        """concept id -> criterion codes carrying it."""
        out: dict[str, list[str]] = {}
        for _, crit in self.all_criteria():
            if crit.concept:
                out.setdefault(crit.concept, []).append(crit.code)
        return out


# --------------------------------------------------------------------------- cross-field checks


def _framework_issues(fw: Framework) -> Iterator[tuple[str, str]]:
    yield from _code_issues(fw)
    yield from _tier_issues(fw)
    yield from _classification_issues(fw)
    can_fail = any(c.gate for _, c in fw.all_criteria()) or any(
        s.pass_score is not None for s in fw.sections
    )
    if can_fail and fw.outcomes.failing is None:
        yield (
            "outcomes.failing",
            "the framework has gates or pass scores, so it needs a failing outcome",
        )
    if not fw.outcomes.thresholds and any(s.scored for s in fw.sections):
        yield "outcomes.thresholds", "the framework has scored sections, so it needs thresholds"
    if fw.superseded and not fw.superseded_note:
        yield "superseded_note", "a superseded framework needs a superseded_note"
    for i, q in enumerate(fw.scope_questions):
        if q.gate or q.applies_to:
            yield f"scope_questions[{i}]", "scope questions cannot be gates or tier-restricted"


def _code_issues(fw: Framework) -> Iterator[tuple[str, str]]:
    seen: dict[str, str] = {}
    for i, q in enumerate(fw.scope_questions):
        path = f"scope_questions[{i}].code"
        if q.code in seen:
            yield path, f"duplicate criterion code {q.code!r} (first used at {seen[q.code]})"
        seen.setdefault(q.code, path)
    section_codes: dict[str, int] = {}
    for s, section in enumerate(fw.sections):
        if section.code in section_codes:
            yield f"sections[{s}].code", f"duplicate section code {section.code!r}"
        section_codes.setdefault(section.code, s)
        for c, crit in enumerate(section.criteria):
            path = f"sections[{s}].criteria[{c}].code"
            if crit.code in seen:
                first = seen[crit.code]
                yield path, f"duplicate criterion code {crit.code!r} (first used at {first})"
            seen.setdefault(crit.code, path)


def _tier_issues(fw: Framework) -> Iterator[tuple[str, str]]:
    if len(set(fw.tiers)) != len(fw.tiers):
        yield "tiers", "a tier is listed twice"
    for s, section in enumerate(fw.sections):
        for c, crit in enumerate(section.criteria):
            unknown = [t for t in crit.applies_to if t not in fw.tiers]
            if unknown:
                yield (
                    f"sections[{s}].criteria[{c}].applies_to",
                    f"unknown tier(s) {unknown}; the framework's tiers are {list(fw.tiers)}",
                )


def _classification_issues(fw: Framework) -> Iterator[tuple[str, str]]:
    cls = fw.classification
    if cls is None:
        return
    if not fw.tiers:
        yield "classification", "classification needs tiers"
        return
    if cls.default is not None and cls.default not in fw.tiers:
        yield "classification.default", f"unknown tier {cls.default!r}"
    questions = {q.code: q for q in fw.scope_questions}
    for r, rule in enumerate(cls.rules):
        if rule.tier is not None and rule.tier not in fw.tiers:
            yield f"classification.rules[{r}].tier", f"unknown tier {rule.tier!r}"
        for c, cond in enumerate(rule.conditions):
            path = f"classification.rules[{r}].conditions[{c}]"
            question = questions.get(cond.question)
            if question is None:
                yield f"{path}.question", f"{cond.question!r} is not a scope question code"
                continue
            yield from _condition_value_issues(path, question, cond)


def _condition_value_issues(path: str, q: Criterion, cond: Condition) -> Iterator[tuple[str, str]]:
    tests = {
        "equals": [cond.equals],
        "not_equals": [cond.not_equals],
        "one_of": list(cond.one_of or ()),
        "contains": [cond.contains],
    }
    for name, values in tests.items():
        for value in values:
            if value is None:
                continue
            try:
                normalised = validate_answer(q, value if name != "contains" else [value], None)
            except AnswerError as exc:
                problem = f"{value!r} is not a valid answer to {q.code}: {exc.message_en}"
                yield f"{path}.{name}", problem
                continue
            if name != "contains" and normalised != value:
                yield f"{path}.{name}", f"write the answer as {normalised!r} (not {value!r})"


# --------------------------------------------------------------------------- loading


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader without YAML 1.1 yes/no/on/off booleans, refusing duplicate keys."""


_StrictLoader.yaml_implicit_resolvers = {
    key: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_StrictLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        seen.add(key)
    return loader.construct_mapping(node)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _format_loc(loc: Iterable[str | int]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part:
            out += f".{part}" if out else str(part)
    return out


def _join(base: str, rel: str) -> str:
    if not rel:
        return base
    if not base:
        return rel
    return base + rel if rel.startswith("[") else f"{base}.{rel}"


_FRIENDLY = {
    "extra_forbidden": "unknown field (check the spelling; see frameworks/README.md)",
    "missing": "required field is missing",
}


def _issues(exc: ValidationError) -> list[tuple[str, str]]:
    out = []
    for err in exc.errors(include_url=False):
        # Skip the duplicate noise pydantic produces for union members.
        loc = [p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-"))]
        location = _format_loc(loc)
        original = (err.get("ctx") or {}).get("error")
        if isinstance(original, SchemaIssue):
            out.append((_join(location, original.path), original.problem))
        else:
            out.append((location, _FRIENDLY.get(err["type"], err["msg"])))
    return out


def parse_framework(data: Any, file: str | Path = "<data>") -> Framework:
    """Validate already-parsed data (a dict) as a Framework, raising FrameworkError."""
    if not isinstance(data, dict):
        raise FrameworkError(file, "", "the file must contain a mapping (key: value pairs)")
    # Top-level keys starting with "x-" hold YAML anchors for reuse and are ignored.
    data = {k: v for k, v in data.items() if not (isinstance(k, str) and k.startswith("x-"))}
    try:
        return Framework.model_validate(data)
    except ValidationError as exc:
        issues = _issues(exc)
        raise FrameworkError(file, issues[0][0], issues[0][1], issues) from None


def load_framework(path: str | Path) -> Framework:
    """Load and validate one YAML framework file. Raises FrameworkError."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise FrameworkError(path, "", f"cannot read file: {exc}") from None
    try:
        data = yaml.load(text, Loader=_StrictLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise FrameworkError(path, where, f"invalid YAML: {problem}") from None
    return parse_framework(data, path)


class FrameworkRegistry:
    """All loaded framework versions, keyed by (id, version)."""

    def __init__(self, entries: Iterable[tuple[Framework, Path]] = ()) -> None:
        self._items: dict[tuple[str, str], Framework] = {}
        self._files: dict[tuple[str, str], Path] = {}
        for fw, file in entries:
            self.add(fw, file)

    def add(self, framework: Framework, file: str | Path) -> None:
        key = framework.key
        if key in self._items:
            raise FrameworkError(
                file,
                "version",
                f"framework {key[0]!r} version {key[1]!r} is already defined in {self._files[key]}",
            )
        self._items[key] = framework
        self._files[key] = Path(file)

    def get(self, id: str, version: str) -> Framework:
        try:
            return self._items[(id, version)]
        except KeyError:
            raise KeyError(f"no framework {id!r} version {version!r}") from None

    def latest(self, id: str) -> Framework:
        """The version with the latest valid_from; non-superseded versions win."""
        versions = [fw for (fid, _), fw in self._items.items() if fid == id]
        if not versions:
            raise KeyError(f"no framework {id!r}")
        return max(versions, key=lambda fw: (not fw.superseded, fw.valid_from, fw.version))

    def list(self) -> list[Framework]:
        return sorted(self._items.values(), key=lambda fw: (fw.id, fw.valid_from, fw.version))

    def ids(self) -> list[str]:
        return sorted({fid for fid, _ in self._items})

    def file(self, id: str, version: str) -> Path:
        return self._files[(id, version)]

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[Framework]:
        return iter(self.list())

    def __contains__(self, key: object) -> bool:
        return key in self._items


def load_frameworks(directory: str | Path) -> FrameworkRegistry:
    """Load every ``*.yaml`` / ``*.yml`` file in ``directory`` (not recursive).

    Raises FrameworkError on the first bad file or a duplicate (id, version).
    """
    directory = Path(directory)
    files = sorted([*directory.glob("*.yaml"), *directory.glob("*.yml")])
    registry = FrameworkRegistry()
    for file in files:
        registry.add(load_framework(file), file)
    return registry


# --------------------------------------------------------------------------- answers


def _err(code: str, en: str, da: str) -> AnswerError:
    return AnswerError(code, en, da)


def validate_answer(criterion: Criterion, value: Any, tier: str | None) -> Any:
    """Check ``value`` against ``criterion`` and return the normalised answer.

    Normalised forms (all JSON-serialisable): yes_no -> "yes"/"no"; yes_no_na ->
    "yes"/"no"/"na"; choice -> option value (str); multi_choice -> list of option
    values in option order; number -> int or float; rating -> int; date -> ISO string
    "YYYY-MM-DD"; text -> stripped str; evidence_link -> str (http/https URL).
    Raises AnswerError. ``None`` is not an answer: delete the key instead.
    """
    code = criterion.code
    if not criterion.applies(tier):
        raise _err(
            code,
            f"does not apply to tier {tier!r} (applies to {', '.join(criterion.applies_to)})",
            f"gælder ikke for niveau {tier!r} (gælder for {', '.join(criterion.applies_to)})",
        )
    if value is None or (isinstance(value, str) and not value.strip()):
        raise _err(code, "no answer given", "intet svar angivet")
    return _VALIDATORS[criterion.answer_type](criterion, value)


def _v_yes_no(c: Criterion, value: Any) -> str:
    allow_na = c.answer_type == "yes_no_na"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str):
        v = value.strip().lower()
        if v in _YES:
            return "yes"
        if v in _NO:
            return "no"
        if allow_na and v in _NA:
            return "na"
    choices = "yes, no or na" if allow_na else "yes or no"
    valg = "ja, nej eller ikke relevant" if allow_na else "ja eller nej"
    raise _err(c.code, f"answer must be {choices}, got {value!r}", f"svaret skal være {valg}")


def _v_choice(c: Criterion, value: Any) -> str:
    if not isinstance(value, str) or c.option(value.strip()) is None:
        allowed = ", ".join(o.value for o in c.options)
        raise _err(
            c.code,
            f"{value!r} is not one of the options ({allowed})",
            f"{value!r} er ikke en af svarmulighederne ({allowed})",
        )
    return value.strip()


def _v_multi(c: Criterion, value: Any) -> list[str]:
    if isinstance(value, str) or not isinstance(value, list | tuple | set | frozenset):
        raise _err(c.code, "answer must be a list of options", "svaret skal være en liste af valg")
    chosen = {_v_choice(c, v) for v in value}
    if len(chosen) != len(list(value)):
        raise _err(c.code, "an option is chosen twice", "et valg er angivet to gange")
    return [o.value for o in c.options if o.value in chosen]


def _as_number(c: Criterion, value: Any) -> int | float:
    if isinstance(value, bool):
        raise _err(c.code, "answer must be a number", "svaret skal være et tal")
    if isinstance(value, int | float):
        number: int | float = value
    elif isinstance(value, str):
        text = value.strip().replace(",", ".")
        try:
            number = int(text) if re.fullmatch(r"[+-]?\d+", text) else float(text)
        except ValueError:
            raise _err(c.code, f"{value!r} is not a number", f"{value!r} er ikke et tal") from None
    else:
        raise _err(c.code, "answer must be a number", "svaret skal være et tal")
    if number != number or number in (float("inf"), float("-inf")):
        raise _err(c.code, "answer must be a finite number", "svaret skal være et endeligt tal")
    return number


def _in_range(c: Criterion, number: float) -> None:
    low, high = c.min, c.max
    if (low is not None and number < low) or (high is not None and number > high):
        lo = _fmt(low) if low is not None else "-∞"
        hi = _fmt(high) if high is not None else "∞"
        span = f"{lo}..{hi}"
        raise _err(
            c.code,
            f"{_fmt(number)} is outside the allowed range {span}",
            f"{_fmt(number)} ligger uden for det tilladte interval {span}",
        )


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def _v_number(c: Criterion, value: Any) -> int | float:
    number = _as_number(c, value)
    _in_range(c, number)
    return number


def _v_rating(c: Criterion, value: Any) -> int:
    number = _as_number(c, value)
    if float(number) != int(number):
        raise _err(c.code, "a rating must be a whole number", "en vurdering skal være et helt tal")
    _in_range(c, number)
    return int(number)


def _v_date(c: Criterion, value: Any) -> str:
    if isinstance(value, date):
        return value.isoformat()[:10]
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip()).isoformat()
        except ValueError:
            pass
    raise _err(
        c.code,
        f"{value!r} is not a date (use YYYY-MM-DD)",
        f"{value!r} er ikke en dato (brug ÅÅÅÅ-MM-DD)",
    )


def _v_text(c: Criterion, value: Any) -> str:
    if not isinstance(value, str):
        raise _err(c.code, "answer must be text", "svaret skal være tekst")
    if len(value) > _MAX_TEXT:
        raise _err(c.code, f"text is longer than {_MAX_TEXT} characters", "teksten er for lang")
    return value.strip()


def _v_link(c: Criterion, value: Any) -> str:
    text = _v_text(c, value)
    parsed = urlparse(text)
    if parsed.scheme not in ("http", "https") or not parsed.netloc or " " in text:
        raise _err(
            c.code,
            f"{text!r} is not an http(s) link",
            f"{text!r} er ikke et http(s)-link",
        )
    return text


_VALIDATORS = {
    "yes_no": _v_yes_no,
    "yes_no_na": _v_yes_no,
    "choice": _v_choice,
    "multi_choice": _v_multi,
    "number": _v_number,
    "rating": _v_rating,
    "date": _v_date,
    "text": _v_text,
    "evidence_link": _v_link,
}


# --------------------------------------------------------------------------- classification


def classify(framework: Framework, scope_answers: Mapping[str, Any]) -> str | None:
    """The tier for these scope answers, or None (no tiers, or out of scope).

    Rules are tried in order; the first whose conditions hold decides (a rule with
    ``tier: null`` means out of scope). With no matching rule, ``default`` applies.
    Answers are normalised with validate_answer first; unanswered questions make
    ``equals``/``one_of``/``contains`` false and ``not_equals`` true.
    """
    cls = framework.classification
    if cls is None:
        return None
    answers = {
        q.code: validate_answer(q, scope_answers[q.code], None)
        for q in framework.scope_questions
        if scope_answers.get(q.code) is not None
    }
    for rule in cls.rules:
        if rule.holds(answers):
            return rule.tier
    return cls.default


def missing_scope_answers(framework: Framework, scope_answers: Mapping[str, Any]) -> list[str]:
    """Codes of required scope questions not yet answered."""
    return [
        q.code
        for q in framework.scope_questions
        if q.required and scope_answers.get(q.code) is None
    ]


# --------------------------------------------------------------------------- concept reuse


def answers_by_concept(framework: Framework, answers: Mapping[str, Any]) -> dict[str, Any]:
    """concept id -> answer, for answered criteria that carry a concept."""
    out: dict[str, Any] = {}
    for _, crit in framework.all_criteria():
        if crit.concept and crit.code in answers and crit.concept not in out:
            out[crit.concept] = answers[crit.code]
    return out


def concept_status(criterion: Criterion, value: Any) -> bool | Literal["na"] | None:
    """True (met), False (not met), "na", or None (answer carries no met/not-met)."""
    from app.assessment.scoring import credit  # local: scoring imports this module

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
) -> dict[str, Any]:
    """Suggest answers for ``framework`` from another framework's answers via shared
    concept ids. Only clear cases are carried over: an identical valid answer, or a
    met / not met / na status mapped onto the target's yes/no/na or best/worst option.
    Returns {criterion code: normalised value}; the assessor confirms them.
    """
    by_concept: dict[str, tuple[Criterion, Any]] = {}
    for _, crit in source.all_criteria():
        if crit.concept and crit.code in source_answers and crit.concept not in by_concept:
            by_concept[crit.concept] = (crit, source_answers[crit.code])
    out: dict[str, Any] = {}
    for crit in framework.applicable_criteria(tier):
        if crit.concept not in by_concept:
            continue
        value = _carry(crit, tier, *by_concept[crit.concept])
        if value is not None:
            out[crit.code] = value
    return out


def _carry(target: Criterion, tier: str | None, src: Criterion, value: Any) -> Any:
    if target.answer_type == src.answer_type and target.options == src.options:
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
