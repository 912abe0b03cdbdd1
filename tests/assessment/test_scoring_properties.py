"""Property tests for scoring, on generated frameworks and on the shipped ones."""

from __future__ import annotations

import copy
from functools import cache
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.assessment.loader import load_framework, parse_framework
from app.assessment.schema import Criterion, Framework
from app.assessment.scoring import credit, is_na, score_assessment

from .helpers import FRAMEWORK_FILES, crit, framework_data, opts, section

SETTINGS = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])
TIERS = ["t1", "t2"]


# ---------------------------------------------------------------- strategies


@st.composite
def criterion_data(draw, code: str, tiers: list[str], gate_ok: bool) -> dict[str, Any]:
    kinds = ["yes_no", "yes_no_na", "choice", "multi_choice", "rating", "text"]
    kind = draw(st.sampled_from(kinds))
    extra: dict[str, Any] = {}
    if kind in ("choice", "multi_choice"):
        n = draw(st.integers(2, 4))
        scores = draw(st.lists(st.sampled_from([0, 0.25, 0.5, 1]), min_size=n, max_size=n))
        pairs = [(f"o{i}", s) for i, s in enumerate(scores)]
        if kind == "choice" and draw(st.booleans()):
            pairs.append(("na", "na"))
        extra["options"] = opts(*pairs)
    if kind == "rating":
        low = draw(st.integers(0, 2))
        extra |= {"min": low, "max": low + draw(st.integers(1, 4))}
    if kind != "text":
        extra["weight"] = draw(st.sampled_from([0, 0.5, 1, 2, 5]))
        extra["gate"] = gate_ok and draw(st.booleans())
    if tiers and draw(st.booleans()):
        extra["applies_to"] = draw(st.lists(st.sampled_from(tiers), min_size=1, max_size=2,
                                            unique=True))
    return crit(code, kind, **extra)


@st.composite
def framework_dicts(draw) -> dict[str, Any]:
    tiers = draw(st.sampled_from([[], TIERS]))
    sections = []
    n_sections = draw(st.integers(1, 3))
    for s in range(n_sections):
        mode = draw(st.sampled_from(["weighted", "pass_fail"]))
        n = draw(st.integers(1, 4))
        criteria = [draw(criterion_data(f"S{s}C{i}", tiers, True)) for i in range(n)]
        for c in criteria:
            parents = [p["code"] for sec in sections for p in sec["criteria"]
                       if p["answer_type"] in ("yes_no", "yes_no_na")]
            if parents and draw(st.booleans()):  # a follow-up of an earlier question
                c["applies_when"] = {"question": draw(st.sampled_from(parents)), "equals": "yes"}
        sections.append(section(f"S{s}", criteria, mode=mode, scored=draw(st.booleans()),
                                weight=draw(st.sampled_from([0, 1, 2]))))
    method = draw(st.sampled_from(["pooled", "section_average"]))
    return framework_data(sections, tiers=tiers, scoring={"method": method})


def candidates(c: Criterion) -> list[Any]:
    """Valid answers for a criterion (multi_choice: singletons and the full set)."""
    kind = c.answer_type
    if kind == "yes_no":
        return ["yes", "no"]
    if kind == "yes_no_na":
        return ["yes", "no", "na"]
    if kind == "choice":
        return [o.value for o in c.options]
    if kind == "multi_choice":
        values = [o.value for o in c.options]
        return [[], *[[v] for v in values], values]
    if kind == "rating":
        return list(range(int(c.min), int(c.max) + 1))
    if kind == "number":
        return [c.min if c.min is not None else 0]
    if kind == "date":
        return ["2024-01-01"]
    if kind == "evidence_link":
        return ["https://example.org/x"]
    return ["text"]


def draw_answers(data, fw: Framework, tier: str | None) -> dict[str, Any]:
    answers = {}
    for c in fw.applicable_criteria(tier):
        choice = data.draw(st.sampled_from([None, *candidates(c)]), label=c.code)
        if choice is not None:
            answers[c.code] = choice
    return answers


def draw_tier(data, fw: Framework) -> str | None:
    return data.draw(st.sampled_from(list(fw.tiers))) if fw.tiers else None


def scored_pairs(c: Criterion) -> list[tuple[Any, Any]]:
    """(worse, better) answer pairs: both earn credit and better >= worse."""
    vals = [v for v in candidates(c) if credit(c, v) is not None]
    return [(a, b) for a in vals for b in vals if credit(c, b) >= credit(c, a)]


@cache
def shipped(path) -> Framework:
    return load_framework(path)


def frameworks():
    generated = framework_dicts().map(parse_framework)
    return st.one_of(generated, st.sampled_from(FRAMEWORK_FILES).map(shipped))


def scores(result) -> list[float]:
    return [s.score for s in result.sections if s.score is not None] + (
        [result.score] if result.score is not None else []
    )


# ---------------------------------------------------------------- properties


@SETTINGS
@given(fw=frameworks(), data=st.data())
def test_scores_always_between_0_and_100(fw, data):
    tier = draw_tier(data, fw)
    result = score_assessment(fw, tier, draw_answers(data, fw, tier))
    for value in scores(result):
        assert 0 <= value <= 100 + 1e-9


@SETTINGS
@given(fw=frameworks(), data=st.data())
def test_improving_one_answer_never_lowers_any_score(fw, data):
    tier = draw_tier(data, fw)
    answers = draw_answers(data, fw, tier)
    # A parent answer can bring follow-ups into play (applies_when), which may count 0 until
    # answered; the property holds for answers no other criterion depends on.
    options = [(c, p) for c in fw.applicable_criteria(tier) if not fw.dependents(c.code)
               for p in scored_pairs(c)]
    if not options:
        return
    c, (worse, better) = data.draw(st.sampled_from(options))
    before = score_assessment(fw, tier, answers | {c.code: worse})
    after = score_assessment(fw, tier, answers | {c.code: better})
    for s_before, s_after in zip(before.sections, after.sections, strict=True):
        if s_before.score is not None:
            assert s_after.score >= s_before.score - 1e-9
        if s_before.status == "passed":
            assert s_after.status == "passed"
    if before.score is not None:
        assert after.score >= before.score - 1e-9
    if before.outcome is not None and before.outcome != fw.outcomes.failing:
        assert after.outcome != fw.outcomes.failing
    assert set(after.failed_gates) <= set(before.failed_gates)


@SETTINGS
@given(fw=frameworks(), data=st.data())
def test_answering_a_missing_criterion_never_lowers_scores(fw, data):
    tier = draw_tier(data, fw)
    answers = draw_answers(data, fw, tier)
    missing = [c for c in fw.applicable_criteria(tier)
               if c.code not in answers and not fw.dependents(c.code)]
    if not missing:
        return
    c = data.draw(st.sampled_from(missing))
    value = data.draw(st.sampled_from(candidates(c)))
    before = score_assessment(fw, tier, answers)
    after = score_assessment(fw, tier, answers | {c.code: value})
    if before.score is not None and after.score is not None:
        assert after.score >= before.score - 1e-9
    assert len(after.missing) <= len(before.missing)


@SETTINGS
@given(fw=frameworks(), data=st.data())
def test_failed_gate_fails_section_and_outcome(fw, data):
    tier = draw_tier(data, fw)
    gates = [(s, c) for s in fw.sections for c in s.criteria if c.gate and c.applies(tier)]
    if not gates:
        return
    sec, gate = data.draw(st.sampled_from(gates))
    zero = [v for v in candidates(gate) if credit(gate, v) == 0]
    if not zero:
        return
    answers = draw_answers(data, fw, tier) | {gate.code: data.draw(st.sampled_from(zero))}
    result = score_assessment(fw, tier, answers)
    if gate.code in fw.inactive_criteria(tier, answers):
        assert gate.code not in result.failed_gates  # a follow-up that does not apply
        return
    assert gate.code in result.failed_gates
    assert result.section(sec.code).status == "failed"
    assert result.outcome == fw.outcomes.failing
    assert result.failed


@SETTINGS
@given(fw=frameworks(), data=st.data())
def test_complete_without_failures_has_a_non_failing_outcome(fw, data):
    tier = draw_tier(data, fw)
    answers = {c.code: data.draw(st.sampled_from(candidates(c)))
               for c in fw.applicable_criteria(tier)}
    result = score_assessment(fw, tier, answers)
    assert result.complete
    if not result.failed:
        assert result.outcome != fw.outcomes.failing
    else:
        assert result.outcome == fw.outcomes.failing


@SETTINGS
@given(raw=framework_dicts(), data=st.data())
def test_na_equals_leaving_the_criterion_out_of_the_denominator(raw, data):
    fw = parse_framework(raw)
    tier = draw_tier(data, fw)
    na_able = [(si, ci, c) for si, s in enumerate(fw.sections) for ci, c in enumerate(s.criteria)
               if c.applies(tier) and any(is_na(c, v) for v in candidates(c))]
    if not na_able:
        return
    si, ci, c = data.draw(st.sampled_from(na_able))
    na_value = next(v for v in candidates(c) if is_na(c, v))
    answers = draw_answers(data, fw, tier)
    with_na = score_assessment(fw, tier, answers | {c.code: na_value})
    # The same framework with the criterion weighing nothing (and not a gate).
    changed = copy.deepcopy(raw)
    changed["sections"][si]["criteria"][ci].update(weight=0, gate=False)
    without = score_assessment(parse_framework(changed), tier, answers | {c.code: na_value})
    assert c.code not in with_na.missing
    assert c.code not in with_na.failed_gates and c.code not in with_na.pending_gates
    assert (with_na.score is None) == (without.score is None)
    if with_na.score is not None:
        assert with_na.score == pytest.approx(without.score)
    for a, b in zip(with_na.sections, without.sections, strict=True):
        assert a.score == pytest.approx(b.score) if a.score is not None else b.score is None


@SETTINGS
@given(fw=frameworks(), data=st.data())
def test_missing_list_is_exactly_the_unanswered_required_criteria(fw, data):
    tier = draw_tier(data, fw)
    answers = draw_answers(data, fw, tier)
    result = score_assessment(fw, tier, answers)
    applicable = fw.applicable_criteria(tier)
    inactive = fw.inactive_criteria(tier, answers)
    expected = [c.code for c in applicable
                if c.required and c.code not in answers and c.code not in inactive]
    assert list(result.missing) == expected
    assert result.complete == (not expected)


@SETTINGS
@given(fw=frameworks(), data=st.data())
def test_an_answer_to_a_criterion_that_does_not_apply_changes_nothing(fw, data):
    tier = draw_tier(data, fw)
    answers = draw_answers(data, fw, tier)
    inactive = sorted(code for code in fw.inactive_criteria(tier, answers) if code in answers)
    if not inactive:
        return
    code = data.draw(st.sampled_from(inactive))
    with_answer = score_assessment(fw, tier, answers)
    without = score_assessment(fw, tier, {k: v for k, v in answers.items() if k != code})
    assert with_answer == without
