"""score_assessment: hand-worked examples and a full assessment of every shipped file."""

from __future__ import annotations

import pytest

from app.assessment.answers import validate_answer
from app.assessment.loader import load_framework
from app.assessment.scoring import score_assessment

from .helpers import FRAMEWORK_FILES, FRAMEWORKS_DIR, best_answers, build, crit, opts, section

CONCLUSION = opts(("positive", None), ("neutral", None), ("negative", None),
                  ("insufficient_evidence", None))


def example():
    return build(
        [
            section("W", [
                crit("W1", weight=2),
                crit("W2", "choice", options=opts(("a", 1), ("b", 0.5), ("c", 0), ("n", "na"))),
                crit("W3", "rating", min=1, max=5),
                crit("W4", "text"),
                crit("W5", "yes_no_na", weight=4, applies_to=["high"]),
            ]),
            section("G", [crit("G1", gate=True), crit("G2", "text", required=False)],
                    mode="pass_fail", scored=False),
            section("M", [crit("M1", "text"), crit("MC", "choice", options=CONCLUSION)],
                    mode="conclusion", scored=False, conclusion="MC"),
        ],
        tiers=["low", "high"],
    )


FULL_LOW = {"W1": "yes", "W2": "b", "W3": 4, "W4": "notes", "G1": "yes", "M1": "x",
            "MC": "positive"}


def test_hand_worked_weighted_score():
    # W1 yes: 2 * 1 = 2; W2 "b": 1 * 0.5 = 0.5; W3 4 on 1..5: (4-1)/(5-1) = 0.75;
    # W4 is text (not scored). Earned 3.25 of 4 -> 81.25 %.
    result = score_assessment(example(), "low", FULL_LOW)
    w = result.section("W")
    assert w.earned == pytest.approx(3.25)
    assert w.possible == pytest.approx(4)
    assert w.score == pytest.approx(81.25)
    assert result.score == pytest.approx(81.25)
    assert w.applicable == ("W1", "W2", "W3", "W4")  # W5 is for tier high only
    assert w.status == "passed"
    assert result.complete and result.missing == ()
    assert result.outcome.code == "good"  # 81.25 >= 80


def test_tier_adds_criteria_to_the_denominator():
    # Tier high adds W5 (weight 4). Answered "no": 3.25 / 8 = 40.625 %.
    result = score_assessment(example(), "high", FULL_LOW | {"W5": "no"})
    assert result.score == pytest.approx(40.625)
    assert result.outcome.code == "weak"


def test_na_is_excluded_from_the_denominator():
    with_na = score_assessment(example(), "high", FULL_LOW | {"W5": "na"})
    assert with_na.score == pytest.approx(81.25)
    assert with_na.section("W").na == ("W5",)
    assert with_na.complete
    # An na option of a choice works the same: W2 "n" -> (2 + 0.75) / 3 = 91.67 %.
    choice_na = score_assessment(example(), "low", FULL_LOW | {"W2": "n"})
    assert choice_na.score == pytest.approx(100 * 2.75 / 3)


def test_missing_answers_count_zero_and_block_the_outcome():
    answers = dict(FULL_LOW)
    del answers["W3"]
    del answers["M1"]
    result = score_assessment(example(), "low", answers)
    # 2 + 0.5 = 2.5 of 4 -> 62.5 %; unanswered W3 counts as 0.
    assert result.score == pytest.approx(62.5)
    assert result.missing == ("W3", "M1")
    assert result.section("W").missing == ("W3",)
    assert result.section("W").status == "pending"
    assert not result.complete
    assert result.outcome is None


def test_optional_criteria_are_not_missing():
    result = score_assessment(example(), "low", FULL_LOW)
    assert "G2" not in result.missing  # required: false


def test_failed_gate_fails_section_and_outcome():
    result = score_assessment(example(), "low", FULL_LOW | {"G1": "no", "W2": "a", "W3": 5})
    assert result.score == pytest.approx(100)  # the weighted score is perfect ...
    assert result.section("G").status == "failed"
    assert result.failed_gates == ("G1",)
    assert result.outcome.code == "fail"  # ... but the gate decides


def test_failed_gate_is_decisive_even_when_incomplete():
    result = score_assessment(example(), "low", {"G1": "no"})
    assert not result.complete
    assert result.outcome.code == "fail"


def test_pending_gate():
    answers = {k: v for k, v in FULL_LOW.items() if k != "G1"}
    result = score_assessment(example(), "low", answers)
    assert result.pending_gates == ("G1",)
    assert result.section("G").status == "pending"
    assert result.outcome is None


def test_gate_in_weighted_section_fails_that_section():
    fw = build([section("W", [crit("W1", gate=True), crit("W2", weight=3)])])
    result = score_assessment(fw, None, {"W1": "no", "W2": "yes"})
    assert result.section("W").score == pytest.approx(75)
    assert result.section("W").status == "failed"
    assert result.outcome.code == "fail"


@pytest.mark.parametrize("value", ["positive", "neutral", "negative", "insufficient_evidence"])
def test_mast_style_conclusion(value):
    result = score_assessment(example(), "low", FULL_LOW | {"MC": value})
    m = result.section("M")
    assert m.status == value
    assert m.conclusion == value
    assert m.score is None
    assert result.outcome.code == "good"  # conclusions do not fail the assessment


def test_conclusion_pending_until_answered():
    answers = {k: v for k, v in FULL_LOW.items() if k != "MC"}
    assert score_assessment(example(), "low", answers).section("M").status == "pending"


@pytest.mark.parametrize(("score_w1", "expected"), [("yes", "good"), ("no", "weak")])
def test_outcome_thresholds(score_w1, expected):
    fw = build([section("W", [crit("W1", weight=4), crit("W2")])])
    # yes/yes -> 100 % (good); no/yes -> 20 % (weak).
    result = score_assessment(fw, None, {"W1": score_w1, "W2": "yes"})
    assert result.outcome.code == expected


def test_threshold_boundary_is_inclusive():
    fw = build([section("W", [crit("W1", weight=4), crit("W2")])])
    result = score_assessment(fw, None, {"W1": "yes", "W2": "no"})
    assert result.score == pytest.approx(80)
    assert result.outcome.code == "good"


def test_section_average_uses_section_weights():
    fw = build(
        [section("A", [crit("A1")], weight=3), section("B", [crit("B1")], weight=1)],
        scoring={"method": "section_average"},
    )
    result = score_assessment(fw, None, {"A1": "yes", "B1": "no"})
    assert result.score == pytest.approx(75)  # (3 * 100 + 1 * 0) / 4
    pooled = build([section("A", [crit("A1")]), section("B", [crit("B1", weight=3)])])
    assert score_assessment(pooled, None, {"A1": "yes", "B1": "no"}).score == pytest.approx(25)


def test_unscored_sections_do_not_count_in_overall():
    fw = build([section("A", [crit("A1")]), section("B", [crit("B1")], scored=False)])
    assert score_assessment(fw, None, {"A1": "yes", "B1": "no"}).score == pytest.approx(100)


def test_pass_score_fails_a_complete_section_below_it():
    fw = build([section("W", [crit("W1"), crit("W2")], pass_score=60)])
    low = score_assessment(fw, None, {"W1": "yes", "W2": "no"})
    assert low.section("W").status == "failed" and low.outcome.code == "fail"
    ok = score_assessment(fw, None, {"W1": "yes", "W2": "yes"})
    assert ok.section("W").status == "passed"


def test_multi_choice_credit_is_capped_sum():
    fw = build([section("W", [crit("W1", "multi_choice",
                                   options=opts(("a", 0.5), ("b", 0.75), ("c", 0)))])])
    assert score_assessment(fw, None, {"W1": ["a"]}).score == pytest.approx(50)
    assert score_assessment(fw, None, {"W1": ["a", "b"]}).score == pytest.approx(100)
    assert score_assessment(fw, None, {"W1": []}).score == pytest.approx(0)


def test_credit_if_answered():
    fw = build([section("W", [crit("W1", "evidence_link", credit_if_answered=True), crit("W2")])])
    assert score_assessment(fw, None, {"W2": "yes"}).score == pytest.approx(50)
    both = score_assessment(fw, None, {"W1": "https://example.org", "W2": "yes"})
    assert both.score == pytest.approx(100)


def test_answers_for_other_tiers_and_unknown_codes_are_ignored():
    result = score_assessment(example(), "low", FULL_LOW | {"W5": "no", "ZZZ": 1})
    assert result.score == pytest.approx(81.25)


def test_scoring_takes_the_answers_as_normalised_when_given():
    fw = example()
    given = {"W1": True, "W2": " b ", "W3": "4", "W4": "  notes ", "G1": "Ja", "M1": "x", "MC": "positive"}
    normalised = {code: validate_answer(fw.criterion(code), value, "low") for code, value in given.items()}
    assert normalised == FULL_LOW
    assert score_assessment(fw, "low", normalised) == score_assessment(fw, "low", FULL_LOW)


def test_tier_is_checked():
    with pytest.raises(ValueError):
        score_assessment(example(), None, FULL_LOW)
    with pytest.raises(ValueError):
        score_assessment(example(), "medium", FULL_LOW)
    with pytest.raises(ValueError):
        score_assessment(build([section("W", [crit("W1")])]), "low", {})


def test_dtac_hand_worked_d1_score():
    fw = load_framework(FRAMEWORKS_DIR / "nhs-dtac-1.0.yaml")
    answers = best_answers(fw, None) | {"D1.7": "no", "D1.4": "working_towards"}
    # D1 weights as printed in the template: 4 x 10 (D1.1, D1.2, D1.3, D1.4.1) + 20 (D1.4)
    # + 2.5 + 2.5 + 5 (D1.7) + 10 (D1.8) + 5 (D1.9) + 5 (D1.10) + 10 (D1.11) = 100.
    # Lost: D1.7 5 and half of D1.4 = 10. Earned 85 of 100 -> 85 %.
    result = score_assessment(fw, None, answers)
    assert result.section("D1").possible == pytest.approx(100)
    assert result.score == pytest.approx(85)
    assert result.outcome.code == "passed"
    failed = score_assessment(fw, None, answers | {"C3.2": "not_available"})
    assert failed.failed_gates == ("C3.2",)
    assert failed.section("C3").status == "failed"
    assert failed.outcome.code == "not_passed"
    assert failed.score == pytest.approx(result.score)  # D1 is separate from C


def test_blaastempel_hand_worked():
    fw = load_framework(FRAMEWORKS_DIR / "blaastempel-dk-1.0.yaml")
    answers = best_answers(fw, "light") | {"BT4.2": "no"}
    # Light: BT4 scored criteria BT4.1 (1), BT4.2 (2), BT4.3 (1), BT4.5 (1), BT4.6 (1),
    # BT4.7 (1) = 7; losing BT4.2 gives 5/7 = 71.43 %. Sections BT1-BT3 are 100 %.
    # section_average with weights 3, 2, 1, 2: (300 + 200 + 100 + 2 * 71.43) / 8 = 92.86.
    result = score_assessment(fw, "light", answers)
    assert result.section("BT4").score == pytest.approx(500 / 7)
    assert result.score == pytest.approx((600 + 2 * 500 / 7) / 8)
    assert result.outcome.code == "approved"
    rejected = score_assessment(fw, "light", answers | {"BT6.4": "no"})
    assert rejected.outcome.code == "rejected"


def _tiers(fw):
    return list(fw.tiers) or [None]


@pytest.mark.parametrize("path", FRAMEWORK_FILES, ids=lambda p: p.name)
def test_full_assessment_of_every_framework_passes(path):
    fw = load_framework(path)
    for tier in _tiers(fw):
        answers = best_answers(fw, tier)
        result = score_assessment(fw, tier, answers)
        assert result.complete, (tier, result.missing)
        assert result.failed_gates == () and result.pending_gates == ()
        assert not result.failed
        assert result.outcome is not None
        assert result.outcome != fw.outcomes.failing
        if result.score is not None:
            assert result.score == pytest.approx(100)
            assert result.outcome == fw.outcomes.thresholds[0]
        else:
            assert result.outcome == fw.outcomes.completed
        for s in result.sections:
            assert s.status in ("passed", "not_assessed", "positive"), (s.code, s.status)


@pytest.mark.parametrize("path", FRAMEWORK_FILES, ids=lambda p: p.name)
def test_empty_assessment_of_every_framework_is_incomplete(path):
    fw = load_framework(path)
    for tier in _tiers(fw):
        result = score_assessment(fw, tier, {})
        assert not result.complete
        assert result.outcome is None
        inactive = fw.inactive_criteria(tier, {})  # follow-ups of unanswered questions
        required = [c.code for c in fw.applicable_criteria(tier)
                    if c.required and c.code not in inactive]
        assert list(result.missing) == required
