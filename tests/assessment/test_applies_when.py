"""Conditional criteria (applies_when): checked at load time, left out of scoring when
they do not apply, and encoded in the shipped framework files."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from app.assessment.loader import FrameworkError, load_framework, load_frameworks, parse_framework
from app.assessment.scoring import score_assessment

from .helpers import FRAMEWORKS_DIR, build, crit, framework_data, opts, section


def follow_up(**extra):
    """Q1 yes/no gate; Q2 a gate asked only when Q1 is yes; Q3 plain."""
    return [crit("Q1", weight=1), crit("Q2", gate=True, applies_when={"question": "Q1", "equals": "yes"},
                                       **extra), crit("Q3")]


def load_bad(tmp_path: Path, criteria: list[dict], name: str = "bad.yaml") -> FrameworkError:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(framework_data([section("S1", criteria)]), allow_unicode=True),
                    encoding="utf-8")
    with pytest.raises(FrameworkError) as info:
        load_framework(path)
    assert info.value.file == str(path)
    return info.value


# ---------------------------------------------------------------- scoring


def test_a_follow_up_under_a_no_is_not_required_and_never_counts():
    fw = build([section("S1", follow_up())])
    # An honest "no" under a "no": the gate does not apply, its answer is kept but ignored.
    result = score_assessment(fw, None, {"Q1": "no", "Q2": "no", "Q3": "yes"})
    assert result.failed_gates == () and result.missing == ()
    assert result.section("S1").not_applicable == ("Q2",)
    assert "Q2" not in result.section("S1").applicable
    assert result.score == pytest.approx(50)  # Q1 no, Q3 yes: Q2 weighs nothing
    assert result.complete and result.outcome.code == "weak"


def test_a_follow_up_under_a_yes_is_required_and_counts():
    fw = build([section("S1", follow_up())])
    assert score_assessment(fw, None, {"Q1": "yes", "Q3": "yes"}).missing == ("Q2",)
    failed = score_assessment(fw, None, {"Q1": "yes", "Q2": "no", "Q3": "yes"})
    assert failed.failed_gates == ("Q2",) and failed.outcome.code == "fail"


def test_unanswered_parent_leaves_the_follow_up_out():
    fw = build([section("S1", follow_up())])
    result = score_assessment(fw, None, {})
    assert result.missing == ("Q1", "Q3")
    assert result.pending_gates == ()


def test_and_or_and_one_of_and_chains():
    criteria = [
        crit("P", "choice", options=opts(("a", 1), ("b", 1), ("c", 0))),
        crit("R"),
        crit("X", applies_when={"all": [{"question": "P", "one_of": ["a", "b"]},
                                        {"question": "R", "equals": "yes"}]}),
        crit("Y", applies_when={"any": [{"question": "P", "equals": "c"},
                                        {"question": "R", "equals": "no"}]}),
        crit("Z", applies_when={"question": "X", "equals": "yes"}),  # a follow-up of a follow-up
    ]
    fw = build([section("S1", criteria)])
    assert fw.inactive_criteria(None, {"P": "a", "R": "yes", "X": "yes"}) == {"Y"}
    assert fw.inactive_criteria(None, {"P": "c", "R": "yes", "X": "yes"}) == {"X", "Z"}  # X's "yes" no longer counts
    assert fw.inactive_criteria(None, {"P": "b", "R": "no"}) == {"X", "Z"}
    assert fw.dependents("P") == ["X", "Y", "Z"]
    assert fw.dependents("X") == ["Z"]


def test_one_of_on_a_multi_choice_holds_when_any_chosen_option_is_listed():
    criteria = [crit("M", "multi_choice", options=opts(("a", None), ("b", None), ("none", None))),
                crit("L", "text", applies_when={"question": "M", "one_of": ["a", "b"]})]
    fw = build([section("S1", criteria, mode="pass_fail", scored=False)])
    assert fw.inactive_criteria(None, {"M": ["b"]}) == frozenset()
    assert fw.inactive_criteria(None, {"M": ["none"]}) == {"L"}


# ---------------------------------------------------------------- load-time checks


def test_condition_must_name_an_existing_criterion(tmp_path):
    bad = [crit("Q1"), crit("Q2", applies_when={"question": "Q9", "equals": "yes"})]
    err = load_bad(tmp_path, bad)
    assert err.location == "sections[0].criteria[1].applies_when.question"
    assert "'Q9' is not a criterion code" in err.problem


def test_condition_must_use_a_valid_option(tmp_path):
    bad = [crit("P", "choice", options=opts(("a", 1), ("b", 0))),
           crit("Q", applies_when={"any": [{"question": "P", "equals": "a"},
                                           {"question": "P", "one_of": ["b", "zz"]}]})]
    err = load_bad(tmp_path, bad)
    assert err.location == "sections[0].criteria[1].applies_when.any[1].one_of"
    assert "'zz' is not a valid answer to P" in err.problem
    bad_yes = [crit("P"), crit("Q", applies_when={"question": "P", "equals": "ja"})]
    assert load_bad(tmp_path, bad_yes).problem == "write the answer as 'yes' (not 'ja')"


def test_conditions_may_not_go_round_in_a_circle(tmp_path):
    bad = [crit("A", applies_when={"question": "C", "equals": "yes"}),
           crit("B", applies_when={"question": "A", "equals": "yes"}),
           crit("C", applies_when={"question": "B", "equals": "yes"})]
    err = load_bad(tmp_path, bad)
    assert err.location == "sections[0].criteria[0].applies_when"
    assert "A -> C -> B -> A" in err.problem
    itself = [crit("A", applies_when={"question": "A", "equals": "yes"})]
    assert "cannot depend on its own answer" in load_bad(tmp_path, itself).problem


def test_a_scope_question_is_not_a_condition_for_applies_when():
    data = framework_data(
        [section("S1", [crit("Q1", applies_when={"question": "K", "equals": "yes"})])],
        scope_questions=[crit("K")])
    with pytest.raises(FrameworkError) as info:
        parse_framework(data, "x.yaml")
    assert "is a scope question" in info.value.problem


def test_a_group_takes_no_question_and_a_leaf_needs_one():
    with pytest.raises(FrameworkError) as info:
        build([section("S1", [crit("A"), crit("B", applies_when={"equals": "yes"})])])
    assert info.value.location == "sections[0].criteria[1].applies_when.question"
    with pytest.raises(FrameworkError):
        build([section("S1", [crit("A"), crit("B", applies_when={
            "question": "A", "all": [{"question": "A", "equals": "yes"}]})])])


# ---------------------------------------------------------------- weights as sourced


def test_weights_total_is_checked_at_load_time(tmp_path):
    bad = [crit("Q1", weight=10), crit("Q2", weight=20)]
    path = tmp_path / "w.yaml"
    path.write_text(yaml.safe_dump(framework_data([section("S1", bad, weights_total=100)])))
    with pytest.raises(FrameworkError) as info:
        load_framework(path)
    assert info.value.location == "sections[0].weights_total"
    assert "sum to 30, but the source gives 100" in info.value.problem


def test_every_weighted_section_of_every_framework_sums_to_what_its_source_says():
    """Each weighted section states its source's total (weights_total, with the source
    cited in the file header) and the loader checks the criteria sum to it."""
    registry = load_frameworks(FRAMEWORKS_DIR)
    weighted = [(fw, s) for fw in registry for s in fw.sections if s.mode == "weighted"]
    assert weighted
    for fw, s in weighted:
        assert s.weights_total is not None, f"{fw.id} {fw.version} {s.code} states no weights_total"
        assert sum(c.weight for c in s.criteria) == pytest.approx(s.weights_total)
    d1 = registry.get("nhs-dtac", "1.0").section("D1")
    # frameworks-sources.md 2.1: the template's weight cells (RCPCH ODT/DOCX, commit 3b4ab9c)
    assert {c.code: c.weight for c in d1.criteria if c.weight} == {
        "D1.1": 10, "D1.2": 10, "D1.3": 10, "D1.4": 20, "D1.4.1": 10, "D1.5": 2.5, "D1.6": 2.5,
        "D1.7": 5, "D1.8": 10, "D1.9": 5, "D1.10": 5, "D1.11": 10}
    assert d1.weights_total == 100


# ---------------------------------------------------------------- the shipped files

CONDITIONS = {
    ("nhs-dtac", "1.0"): {"C1.3.1", "C1.3.2", "C1.4.1", "C2.2.1", "C2.3.1", "C2.3.2", "C2.5.1",
                          "C4.2.1", "C4.3.1", "C4.3.2", "C4.4.1", "D1.1.1", "D1.2.1", "D1.3.1",
                          "D1.10.1"},
    ("nhs-dtac", "2.0"): {"C1.1.1-PAQ", "C1.1.2", "C1.2", "C1.2.1", "C1.2.2", "C1.2.3", "C1.2.4",
                          "C1.2.5", "C2.2.1", "C2.2.2", "C2.2.3", "C2.2.4", "C2.2.5", "C2.2.6",
                          "C3.3", "C3.4", "C3.5", "C3.5.1", "C3.6", "C4.1.1", "C4.1.2", "C4.1.3",
                          "C4.2.1", "C4.2.2", "C4.2.3", "C4.2.4", "C4.2.5", "C4.2.6", "D1.4.1",
                          "D1.4.2", "D1.4.3"},
    ("nice-esf", "2022"): {"ESF4.2"},
    ("mast", "2010"): {"D3.3"},
    ("naevnet-sundhedsapps", "2024"): {"N1.2", "N3.2"},
    ("blaastempel-dk", "1.0"): {"BT5.2", "BT5.3"},
}


def test_every_framework_version_is_in_the_table():
    assert {fw.key for fw in load_frameworks(FRAMEWORKS_DIR)} == set(CONDITIONS)


@pytest.mark.parametrize("key", sorted(CONDITIONS), ids=lambda k: " ".join(k))
def test_the_shipped_follow_ups_are_conditional(key):
    fw = load_frameworks(FRAMEWORKS_DIR).get(*key)
    assert {c.code for _, c in fw.all_criteria() if c.applies_when} == CONDITIONS[key]


def test_dtac_c2_3_follow_ups_apply_only_under_a_yes():
    fw = load_framework(FRAMEWORKS_DIR / "nhs-dtac-1.0.yaml")
    assert {"C2.3.1", "C2.3.2"} <= fw.inactive_criteria(None, {"C2.3": "no"})
    assert not {"C2.3.1", "C2.3.2"} & fw.inactive_criteria(None, {"C2.3": "yes"})


def test_dtac_2_0_routing():
    fw = load_frameworks(FRAMEWORKS_DIR).get("nhs-dtac", "2.0")
    off = fw.inactive_criteria
    # Not a medical device: skip C1.1.2, go to C1.2; in scope of DCB0129: C1.2.2-C1.2.5.
    assert {"C1.1.1-PAQ", "C1.1.2", "C1.2.1"} <= off(None, {"C1.1.1": "no", "C1.2": "yes"})
    assert not {"C1.2", "C1.2.2", "C1.2.5"} & off(None, {"C1.1.1": "no", "C1.2": "yes"})
    # A standalone medical device goes straight to C2: nothing of C1.2 applies.
    standalone = off(None, {"C1.1.1": "yes", "C1.1.2": "yes", "C1.2": "yes"})
    assert {"C1.2", "C1.2.1", "C1.2.2", "C1.2.5"} <= standalone and "C1.1.1-PAQ" not in standalone
    # Signed the NHS supplier charter: the rest of C3 is skipped.
    assert {"C3.3", "C3.4", "C3.5", "C3.5.1", "C3.6"} <= off(None, {"C3.2": "yes"})
    # NHS number not used: C4.2.2 skipped, C4.2.3 asked; NHS login used: skip to D.
    c4 = off(None, {"C4.2": "yes", "C4.2.1": "no", "C4.2.4": "yes"})
    assert {"C4.2.2", "C4.2.5", "C4.2.6"} <= c4 and "C4.2.3" not in c4
    assert "C4.2.6" not in off(None, {"C4.2": "yes", "C4.2.4": "no", "C4.2.5": "not_applicable"})
    # No personal data: C2.2.x do not apply, so a "not provided" DPIA fails nothing.
    result = score_assessment(fw, None, {"C2.1": "no_access", "C2.2": "no", "C2.2.2": "not_provided"})
    assert result.section("C2").status == "passed"
