"""Shared concepts: answers carried over between frameworks."""

from __future__ import annotations

from app.assessment.concepts import answered_concepts, prefill_from_concepts
from app.assessment.loader import load_frameworks

from .helpers import FRAMEWORKS_DIR, build, crit, section


def test_shared_concepts_link_blaastempel_to_esf_and_dtac():
    reg = load_frameworks(FRAMEWORKS_DIR)
    bt = set(reg.latest("blaastempel-dk").concepts())
    esf = set(reg.latest("nice-esf").concepts())
    dtac = set(reg.get("nhs-dtac", "1.0").concepts())
    for concept in ("gdpr.dpia", "security.penetration_test", "clinical.dcb0129",
                    "accessibility.wcag21aa", "interop.fhir", "security.mfa"):
        assert concept in bt and concept in dtac
    for concept in ("clinical.effectiveness", "economics.budget_impact", "deployment.training",
                    "inclusion.health_inequalities"):
        assert concept in bt and concept in esf
    assert "clinical.rct_evidence" in bt


def test_prefill_from_dtac_into_blaastempel():
    reg = load_frameworks(FRAMEWORKS_DIR)
    dtac, bt = reg.get("nhs-dtac", "1.0"), reg.latest("blaastempel-dk")
    src = {"C3.2": "provided", "C2.3": "yes", "C2.3.2": "not_available", "D1.4": "working_towards",
           "C3.4": "yes", "B2": "Hjemmemonitorering af KOL"}
    got = prefill_from_concepts(bt, "full", dtac, src)
    assert got["BT6.4"] == "yes"  # pen test provided -> yes
    assert got["BT6.1"] == "no"  # DPIA not available -> no
    assert got["BT4.3"] == "working_towards"  # same options -> copied as is
    assert got["BT6.5"] == "yes"
    assert got["BT1.1"] == "Hjemmemonitorering af KOL"


def test_an_answer_to_a_follow_up_that_does_not_apply_is_not_carried():
    reg = load_frameworks(FRAMEWORKS_DIR)
    dtac, bt = reg.get("nhs-dtac", "1.0"), reg.latest("blaastempel-dk")
    # C2.3 "no": the product handles no personal data, so the DPIA question C2.3.2 does
    # not apply and its "not available" says nothing about a DPIA.
    got = prefill_from_concepts(bt, "full", dtac, {"C2.3": "no", "C2.3.2": "not_available"})
    assert "BT6.1" not in got


def test_answered_concepts_names_the_first_answered_criterion_of_each_concept():
    fw = build([section("S", [crit("A", concept="gdpr.dpia"), crit("B", concept="gdpr.dpia"), crit("C")])])
    assert answered_concepts(fw, {"B": "yes", "C": "yes"})["gdpr.dpia"].code == "B"
    assert answered_concepts(fw, {"A": "no", "B": "yes"})["gdpr.dpia"].code == "A"
    assert answered_concepts(fw, {"C": "yes"}) == {}


def test_dtac_1_0_answers_carry_into_2_0_where_the_question_is_the_same():
    reg = load_frameworks(FRAMEWORKS_DIR)
    old, new = reg.get("nhs-dtac", "1.0"), reg.get("nhs-dtac", "2.0")
    src = {"C1.1": "yes", "C1.1.1": "provided", "C1.1.2": "provided", "C1.2": "Dr A, GMC 123",
           "C2.1": "provided", "C2.3": "yes", "C2.3.1": "confirmed", "C2.3.2": "provided",
           "C3.1": "provided", "C3.2": "not_available", "C3.4": "yes", "C3.5": "yes",
           "C4.1": "yes", "C4.1.1": "FHIR R4", "D1.3": "yes", "D1.4": "yes",
           "D1.4.1": "https://example.org/a11y", "D1.12.2": 99.84, "B2": "Vækstkurver"}
    got = prefill_from_concepts(new, None, old, src)
    assert got == {
        "B2": "Vækstkurver", "C1.2.2": "yes", "C1.2.3": "provided", "C1.2.4": "provided",
        "C1.2.5": "Dr A, GMC 123", "C2.1": "confirmed", "C2.2.1": "provided", "C2.2.2": "provided",
        "C3.1": "provided", "C3.3": "not_provided", "C3.5.1": "yes", "C3.6": "yes", "C4.1": "yes",
        "C4.1.1": "FHIR R4", "D1.2": "yes", "D1.4.3": "https://example.org/a11y", "D1.5": 99.84}
    # WCAG 2.1 (v1.0 D1.4) is not WCAG 2.2 (v2.0 D1.4.1): not carried.
    assert "D1.4.1" not in got
