"""Workflow rules of assessments at the service level, against the real migrated database."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.services import principal_of, user_by_email
from app.assessment import services as svc
from app.assessment.loader import FrameworkRegistry, load_framework, load_frameworks, parse_framework
from app.assessment.models import Assessment
from app.assessment.schemas import AnswerIn, AssessmentIn, ScopeIn, TransitionIn, VerifyIn
from app.audit.hook import set_actor
from app.catalogue.models import Solution
from app.core.principal import Principal
from app.errors import Conflict, Forbidden, NotFound, ValidationFailed
from app.web.i18n import translations
from tests.assessment.helpers import FRAMEWORK_FILES, best_answer
from tests.helpers import DEMO_USERS

REGISTRY = load_frameworks(FRAMEWORK_FILES[0].parent)


@pytest.fixture()
def session(app: Any) -> Iterator[Session]:
    with app.state.session_factory() as s:
        set_actor(s, None, "tests")
        yield s
        s.rollback()


def who(session: Session, role: str) -> Principal:
    user = user_by_email(session, DEMO_USERS[role])
    assert user is not None
    return principal_of(user)


def solution_id(session: Session, slug: str = "selfback") -> int:
    sid = session.scalar(select(Solution.id).where(Solution.slug == slug))
    assert sid is not None
    return sid


def scope_for(fw: Any) -> dict[str, Any]:
    """Scope answers that put the solution in a tier (the highest one where possible)."""
    answers = {
        "blaastempel-dk": {"K1": "I", "K2": "no"},
        "naevnet-sundhedsapps": {"Q1": "yes"},
        "nice-esf": {"S1": "yes", "S2": "yes", "S3": "yes", "S4": "yes", "S5": "no", "S6": "no",
                     "S7": "no", "P1": "intervention", "P2": "no"},
    }
    return answers.get(fw.id, {})


def start(session: Session, fw_id: str = "blaastempel-dk", version: str = "1.0",
          role: str = "assessor", registry: FrameworkRegistry = REGISTRY) -> Assessment:
    return svc.start_assessment(session, who(session, role), registry, AssessmentIn(
        solution_id=solution_id(session), framework_id=fw_id, framework_version=version))


def answer(session: Session, a: Assessment, code: str, value: Any, role: str = "assessor",
           registry: FrameworkRegistry = REGISTRY, **extra: Any) -> Any:
    existing = a.answer(code)
    return svc.save_answer(session, who(session, role), registry, a.id, code, AnswerIn(
        value=value, version=existing.version if existing else None, **extra))


def fill_all(session: Session, a: Assessment, registry: FrameworkRegistry = REGISTRY) -> None:
    fw = svc.framework_of(registry, a)
    if fw.scope_questions:
        svc.set_scope(session, who(session, "assessor"), registry, a.id,
                      ScopeIn(answers=scope_for(fw)))
    for c in fw.applicable_criteria(a.tier):
        answer(session, a, c.code, best_answer(c), registry=registry)


@pytest.mark.parametrize("path", FRAMEWORK_FILES, ids=[p.stem for p in FRAMEWORK_FILES])
def test_every_framework_can_be_completed_by_two_assessors(session: Session, path: Path) -> None:
    fw = load_framework(path)
    a = start(session, fw.id, fw.version)
    fill_all(session, a)
    assert a.tier in fw.tiers if fw.tiers else a.tier is None
    svc.submit(session, who(session, "assessor"), REGISTRY, a.id)
    svc.start_review(session, who(session, "assessor2"), REGISTRY, a.id)
    done = svc.complete(session, who(session, "assessor2"), REGISTRY, a.id, TransitionIn(comment="OK"))
    assert done.status == "completed" and done.completed_at is not None
    assert done.outcome is not None and done.result is not None and done.result["complete"]
    assert [t.to_status for t in done.transitions] == ["draft", "submitted", "in_review", "completed"]
    assert done.reviewer_id != done.author_id


def test_four_eyes_author_cannot_review(session: Session) -> None:
    a = start(session)
    fill_all(session, a)
    svc.submit(session, who(session, "assessor"), REGISTRY, a.id)
    with pytest.raises(Forbidden, match="four-eyes"):
        svc.start_review(session, who(session, "assessor"), REGISTRY, a.id)
    svc.start_review(session, who(session, "assessor2"), REGISTRY, a.id)
    with pytest.raises(Forbidden, match="reviewer"):
        svc.complete(session, who(session, "admin"), REGISTRY, a.id)


def test_submit_lists_missing_answers(session: Session) -> None:
    a = start(session)
    with pytest.raises(ValidationFailed) as exc:
        svc.submit(session, who(session, "assessor"), REGISTRY, a.id)
    assert "BT1.1" in exc.value.errors["missing"]


def test_completed_is_read_only_and_correction_copies_answers(session: Session) -> None:
    a = start(session)
    fill_all(session, a)
    svc.submit(session, who(session, "assessor"), REGISTRY, a.id)
    svc.start_review(session, who(session, "assessor2"), REGISTRY, a.id)
    svc.complete(session, who(session, "assessor2"), REGISTRY, a.id)
    with pytest.raises(Conflict, match="read-only"):
        answer(session, a, "BT1.1", "no")
    with pytest.raises(Conflict):
        svc.submit(session, who(session, "assessor"), REGISTRY, a.id)
    copy = svc.new_correction(session, who(session, "assessor2"), REGISTRY, a.id)
    assert copy.status == "draft" and copy.number == 2 and copy.parent_id == a.id
    assert copy.framework_version == a.framework_version and copy.tier == a.tier
    assert svc.answer_values(copy) == svc.answer_values(a)
    with pytest.raises(Conflict, match="already has a correction"):
        svc.new_correction(session, who(session, "assessor"), REGISTRY, a.id)
    answer(session, copy, "BT1.1", "no")  # the correction is editable
    assert a.answer("BT1.1").value != "no"


def test_return_needs_a_comment(session: Session) -> None:
    a = start(session)
    fill_all(session, a)
    svc.submit(session, who(session, "assessor"), REGISTRY, a.id)
    svc.start_review(session, who(session, "assessor2"), REGISTRY, a.id)
    with pytest.raises(ValidationFailed) as exc:
        svc.return_assessment(session, who(session, "assessor2"), REGISTRY, a.id, TransitionIn(comment=" "))
    assert "comment" in exc.value.errors
    back = svc.return_assessment(session, who(session, "assessor2"), REGISTRY, a.id,
                                 TransitionIn(comment="BT1.3: mangler dokumentation"))
    assert back.status == "returned"
    answer(session, a, "BT1.3", "yes")  # editable again
    svc.submit(session, who(session, "assessor"), REGISTRY, a.id)


def test_vendor_answers_own_solution_vendor_criteria_only(session: Session) -> None:
    a = start(session)
    ans, _ = answer(session, a, "BT1.1", "Selvhjælp ved lænderygsmerter", role="vendor")
    assert ans.source == "vendor" and ans.verification == "pending" and "leverandøren" in ans.provenance
    assessor_only = next(c for c in svc.framework_of(REGISTRY, a).applicable_criteria(a.tier)
                         if c.audience == "assessor")
    with pytest.raises(Forbidden, match="audience"):
        answer(session, a, assessor_only.code, best_answer(assessor_only), role="vendor")
    other = svc.start_assessment(session, who(session, "assessor"), REGISTRY, AssessmentIn(
        solution_id=solution_id(session, "liva") if session.scalar(
            select(Solution.id).where(Solution.slug == "liva")) else
        session.scalar(select(Solution.id).where(Solution.slug != "selfback").limit(1)),
        framework_id="blaastempel-dk", framework_version="1.0"))
    with pytest.raises((Forbidden, NotFound)):
        answer(session, other, "BT1.1", "x", role="vendor")
    # unverified vendor answers block submission; an assessor accepts or queries them
    svc.set_scope(session, who(session, "assessor"), REGISTRY, a.id,
                  ScopeIn(answers={"K1": "I", "K2": "no"}))
    fill_all_except = [c for c in svc.framework_of(REGISTRY, a).applicable_criteria(a.tier)
                       if c.code != "BT1.1"]
    for c in fill_all_except:
        answer(session, a, c.code, best_answer(c))
    with pytest.raises(ValidationFailed) as exc:
        svc.submit(session, who(session, "assessor"), REGISTRY, a.id)
    assert "BT1.1" in exc.value.errors["unverified"]
    with pytest.raises(ValidationFailed):
        svc.verify_answer(session, who(session, "assessor"), REGISTRY, a.id, "BT1.1",
                          VerifyIn(decision="queried"))
    svc.verify_answer(session, who(session, "assessor"), REGISTRY, a.id, "BT1.1",
                      VerifyIn(decision="queried", comment="Hvilken målgruppe?"))
    with pytest.raises(Forbidden):
        svc.verify_answer(session, who(session, "vendor"), REGISTRY, a.id, "BT1.1",
                          VerifyIn(decision="accepted"))
    svc.verify_answer(session, who(session, "assessor"), REGISTRY, a.id, "BT1.1",
                      VerifyIn(decision="accepted"))
    assert a.answer("BT1.1").source == "vendor"  # provenance stays visible
    svc.submit(session, who(session, "assessor"), REGISTRY, a.id)


@pytest.mark.parametrize(("code", "value", "reason"), [
    ("BT1.3", "maybe", "yes or no"),              # wrong type for yes/no
    ("BT1.3", 17, "yes or no"),
])
def test_bad_answers_are_refused(session: Session, code: str, value: Any, reason: str) -> None:
    a = start(session)
    fw = svc.framework_of(REGISTRY, a)
    crit = fw.criterion(code)
    if crit.answer_type not in ("yes_no", "yes_no_na"):
        pytest.skip(f"{code} is {crit.answer_type}")
    with pytest.raises(svc.AnswerRejected) as exc:
        answer(session, a, code, value)
    reason_given = exc.value.errors[code]
    assert reason in reason_given
    assert reason_given.in_language(translations("da").gettext).endswith("svaret skal være ja eller nej")


def test_choice_and_number_outside_their_range(session: Session) -> None:
    a = start(session)
    fw = svc.framework_of(REGISTRY, a)
    applicable = fw.applicable_criteria(a.tier)
    choice = next(c for c in applicable if c.answer_type == "choice")
    with pytest.raises(svc.AnswerRejected, match="not one of the options"):
        answer(session, a, choice.code, "no-such-option")
    number = next((c for c in applicable
                   if c.answer_type in ("number", "rating") and c.max is not None), None)
    if number is not None:
        with pytest.raises(svc.AnswerRejected, match="not between"):
            answer(session, a, number.code, number.max + 1)
    with pytest.raises(svc.AnswerRejected):
        answer(session, a, choice.code, best_answer(choice), evidence_url="ftp://x")


def test_answers_to_criteria_outside_the_tier_are_refused(session: Session) -> None:
    a = start(session)
    assert a.tier == "light"
    fw = svc.framework_of(REGISTRY, a)
    full_only = next(c for _, c in fw.all_criteria() if c.applies_to and "light" not in c.applies_to)
    with pytest.raises(svc.AnswerRejected, match="does not apply"):
        answer(session, a, full_only.code, best_answer(full_only))
    svc.set_scope(session, who(session, "assessor"), REGISTRY, a.id, ScopeIn(answers={"K1": "IIa"}))
    assert a.tier == "full"
    answer(session, a, full_only.code, best_answer(full_only))


def test_scope_decides_the_tier_and_criteria_wait_for_it(session: Session) -> None:
    a = start(session, "naevnet-sundhedsapps", "2024")
    assert a.tier is None
    with pytest.raises(ValidationFailed, match="scope"):
        answer(session, a, "N1.1", "x")
    with pytest.raises(svc.AnswerRejected):
        svc.set_scope(session, who(session, "assessor"), REGISTRY, a.id, ScopeIn(answers={"Q1": "perhaps"}))
    svc.set_scope(session, who(session, "assessor"), REGISTRY, a.id, ScopeIn(answers={"Q1": "no"}))
    assert a.tier == "other"


def test_stale_answer_version_gives_one_conflict(app: Any) -> None:
    factory = app.state.session_factory
    with factory() as s, s.begin():
        set_actor(s, None, "tests")
        a = start(s)
        aid = a.id
        answer(s, a, "BT1.3", "yes")
    with factory() as one, factory() as two:
        first = svc.get_assessment(one, who(one, "assessor"), aid)
        second = svc.get_assessment(two, who(two, "assessor2"), aid)
        read = first.answer("BT1.3").version
        assert second.answer("BT1.3").version == read
        svc.save_answer(one, who(one, "assessor"), REGISTRY, aid, "BT1.3", AnswerIn(value="no", version=read))
        one.commit()
        with pytest.raises(Conflict):
            svc.save_answer(two, who(two, "assessor2"), REGISTRY, aid, "BT1.3",
                            AnswerIn(value="yes", version=read))
            two.commit()
        two.rollback()
    with factory() as s:
        final = svc.get_assessment(s, who(s, "assessor"), aid)
        assert final.answer("BT1.3").value == "no"  # not lost, not overwritten
        assert final.answer("BT1.3").version == read + 1
        with pytest.raises(Conflict, match="send the version"):
            svc.save_answer(s, who(s, "assessor"), REGISTRY, aid, "BT1.3", AnswerIn(value="yes"))


def test_framework_version_is_pinned(session: Session, tmp_path: Path) -> None:
    old_file = next(p for p in FRAMEWORK_FILES if p.stem == "naevnet-sundhedsapps-2024")
    data = yaml.safe_load(old_file.read_text(encoding="utf-8"))
    data["version"] = "2099"
    data["valid_from"] = "2099-01-01"
    data["title_da"] = data["title_en"] = "Ny version"
    data["sections"][0]["criteria"] = data["sections"][0]["criteria"][:1]
    new = parse_framework(data)
    registry = FrameworkRegistry([(fw, REGISTRY.file(*fw.key)) for fw in REGISTRY])
    registry.add(new, tmp_path / "new.yaml")
    assert registry.latest("naevnet-sundhedsapps").version == "2099"
    a = start(session, "naevnet-sundhedsapps", "2024", registry=registry)
    fill_all(session, a, registry)
    old_fw = REGISTRY.get("naevnet-sundhedsapps", "2024")
    assert svc.framework_of(registry, a).version == "2024"
    assert svc.compute_score(svc.framework_of(registry, a), a).sections[0].applicable == tuple(
        c.code for c in old_fw.sections[0].criteria if c.applies(a.tier))
    with pytest.raises(ValidationFailed, match="no framework"):
        start(session, "naevnet-sundhedsapps", "1999", registry=registry)


def test_prefill_through_shared_concepts(session: Session) -> None:
    # a solution nobody else assesses, so the only source is the DTAC assessment below
    fresh = session.scalar(select(Solution.id).where(~Solution.id.in_(select(Assessment.solution_id)))
                           .order_by(Solution.id.desc()).limit(1))
    assert fresh is not None
    assessor = who(session, "assessor")

    def begin(fw_id: str, version: str) -> Assessment:
        return svc.start_assessment(session, assessor, REGISTRY, AssessmentIn(
            solution_id=fresh, framework_id=fw_id, framework_version=version))

    dtac = begin("nhs-dtac", "1.0")
    for c in REGISTRY.get("nhs-dtac", "1.0").applicable_criteria(None):
        if c.concept:
            answer(session, dtac, c.code, best_answer(c))
    bt = begin("blaastempel-dk", "1.0")
    suggestions = svc.prefill_suggestions(session, assessor, REGISTRY, bt.id)
    assert suggestions, "shared concepts should give suggestions"
    code, sug = next(iter(suggestions.items()))
    assert sug.provenance.startswith(f"Forudfyldt fra vurdering #{dtac.id} (NHS")
    assert sug.source_code in sug.provenance
    ans, _ = svc.confirm_prefill(session, assessor, REGISTRY, bt.id, code)
    assert ans.source == "prefill" and ans.provenance == sug.provenance and ans.value == sug.value
    assert code not in svc.prefill_suggestions(session, assessor, REGISTRY, bt.id)


def test_score_cache_recomputed_without_bumping_version(session: Session) -> None:
    a = start(session)
    version = a.version
    assert a.result is not None and a.score == 0
    _, score = answer(session, a, "BT1.3", "yes")
    assert a.score == pytest.approx(round(score.score, 2)) and a.score > 0
    assert a.version == version
    session.expire_all()
    again = session.get(Assessment, a.id)
    assert again.score == pytest.approx(round(score.score, 2))


def test_permissions(session: Session) -> None:
    for role in ("procurement", "approver", "org_reporter", "vendor"):
        with pytest.raises(Forbidden):
            start(session, role=role)
    a = start(session)
    with pytest.raises(Forbidden):
        svc.submit(session, who(session, "procurement"), REGISTRY, a.id)
    svc.get_assessment(session, who(session, "procurement"), a.id)  # staff may read
