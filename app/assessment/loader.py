"""Reading framework files: ``load_frameworks`` / ``load_framework`` / ``parse_framework``.

A file is YAML (strict: no yes/no booleans, no duplicate keys) that must satisfy the
schema (``app.assessment.schema``) and the checks across the whole framework made here
(unique codes, known tiers, classification conditions that are valid answers, the
outcomes a framework needs). Any problem is a FrameworkError naming the file and the
place in it; nothing from a bad file is loaded.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from app.assessment.answers import AnswerError, validate_answer
from app.assessment.schema import Condition, Criterion, Framework, SchemaIssue


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


def _framework_issues(fw: Framework) -> Iterator[tuple[str, str]]:
    """Problems across the whole framework, once every part is valid on its own."""
    yield from _code_issues(fw)
    yield from _tier_issues(fw)
    yield from _classification_issues(fw)
    yield from _applies_when_issues(fw)
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
    if fw.superseded and not (fw.superseded_note_da and fw.superseded_note_en):
        yield "superseded_note_da", "a superseded framework needs superseded_note_da and _en"
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
            for rel, leaf in cond.leaves():
                path = _join(f"classification.rules[{r}].conditions[{c}]", rel)
                question = questions.get(leaf.question or "")
                if question is None:
                    yield f"{path}.question", f"{leaf.question!r} is not a scope question code"
                    continue
                yield from _condition_value_issues(path, question, leaf)


def _applies_when_issues(fw: Framework) -> Iterator[tuple[str, str]]:
    """Every ``applies_when`` names another criterion (not a scope question) and valid
    answers to it, and no criterion depends on itself through a chain of conditions."""
    criteria = {c.code: c for _, c in fw.all_criteria()}
    paths: dict[str, str] = {}
    for s, section in enumerate(fw.sections):
        for c, crit in enumerate(section.criteria):
            if crit.applies_when is None:
                continue
            base = f"sections[{s}].criteria[{c}].applies_when"
            paths[crit.code] = base
            for rel, leaf in crit.applies_when.leaves():
                path = _join(base, rel)
                target = criteria.get(leaf.question or "")
                if target is None:
                    kind = ("a scope question (use applies_to with a tier)"
                            if any(q.code == leaf.question for q in fw.scope_questions)
                            else "not a criterion code of this framework")
                    yield f"{path}.question", f"{leaf.question!r} is {kind}"
                elif target.code == crit.code:
                    yield f"{path}.question", f"{crit.code} cannot depend on its own answer"
                else:
                    yield from _condition_value_issues(path, target, leaf)
    yield from _cycle_issues(fw, criteria, paths)


def _cycle_issues(fw: Framework, criteria: dict[str, Criterion],
                  paths: dict[str, str]) -> Iterator[tuple[str, str]]:
    def parents(code: str) -> list[str]:
        cond = criteria[code].applies_when
        return [q for _, leaf in cond.leaves() if (q := leaf.question or "") in criteria
                and q != code] if cond else []

    reported: set[str] = set()
    for start in paths:
        stack = [(start, [start])]
        while stack:
            code, chain = stack.pop()
            for parent in parents(code):
                if parent == start and start not in reported:
                    reported |= set(chain)
                    cycle = " -> ".join([*chain, start])
                    yield paths[start], f"the conditions go round in a circle: {cycle}"
                elif parent not in chain:
                    stack.append((parent, [*chain, parent]))


def _condition_value_issues(path: str, q: Criterion, cond: Condition) -> Iterator[tuple[str, str]]:
    tests: dict[str, list[str | float | bool | None]] = {
        "equals": [cond.equals],
        "not_equals": [cond.not_equals],
        "one_of": list(cond.one_of or ()),
        "contains": [cond.contains],
    }
    for name, values in tests.items():
        for value in values:
            if value is None:
                continue
            as_list = name == "contains" or (name == "one_of" and q.answer_type == "multi_choice")
            try:
                normalised = validate_answer(q, [value] if as_list else value, _some_tier(q))
            except AnswerError as exc:
                problem = f"{value!r} is not a valid answer to {q.code}: {exc.message}"
                yield f"{path}.{name}", problem
                continue
            if not as_list and normalised != value:
                yield f"{path}.{name}", f"write the answer as {normalised!r} (not {value!r})"


def _some_tier(q: Criterion) -> str | None:
    """A tier the criterion applies to, so its answers can be checked whatever its tiers."""
    return q.applies_to[0] if q.applies_to else None


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
        framework = Framework.model_validate(data)
    except ValidationError as exc:
        issues = _issues(exc)
        raise FrameworkError(file, issues[0][0], issues[0][1], issues) from None
    for location, problem in _framework_issues(framework):
        raise FrameworkError(file, location, problem)
    return framework


def load_framework(path: str | Path) -> Framework:
    """Load and validate one YAML framework file. Raises FrameworkError."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise FrameworkError(path, "", f"cannot read file: {exc}") from None
    return read_framework(text, path)


def read_framework(text: str, file: str | Path) -> Framework:
    """Parse and validate a framework's YAML text; ``file`` names it in errors."""
    try:
        data = yaml.load(text, Loader=_StrictLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise FrameworkError(file, where, f"invalid YAML: {problem}") from None
    return parse_framework(data, file)


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

    def ids(self) -> list[str]:
        return sorted({fid for fid, _ in self._items})

    def file(self, id: str, version: str) -> Path:
        return self._files[(id, version)]

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[Framework]:
        return iter(sorted(self._items.values(), key=lambda fw: (fw.id, fw.valid_from, fw.version)))

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
