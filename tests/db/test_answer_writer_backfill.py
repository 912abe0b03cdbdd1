"""The migration that adds assessment_answer_writer finds, in the audit trail of an
existing register, exactly the writers the services record from then on."""

from __future__ import annotations

from typing import Any

from alembic.script import ScriptDirectory
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.accounts.services import create_user, principal_of
from app.assessment import services as svc
from app.assessment.loader import load_framework, load_frameworks
from app.assessment.models import AnswerWriter
from app.assessment.schemas import AnswerIn, AssessmentIn, ScopeIn
from app.audit.hook import set_actor
from app.core.principal import Principal
from app.db.migrate import alembic_config
from tests.assessment.helpers import FRAMEWORKS_DIR, best_answer
from tests.helpers import unique

REGISTRY = load_frameworks(FRAMEWORKS_DIR)
FW = load_framework(FRAMEWORKS_DIR / "naevnet-sundhedsapps-2024.yaml")
SCOPE = {"Q1": "yes"}
CRITERIA = {c.code: best_answer(c) for c in FW.applicable_criteria(FW.classify(SCOPE))}
FIRST = next(iter(CRITERIA))


def backfill_writers(database_url: str) -> Any:
    """The migration's backfill, found by what it makes (the lead may renumber it)."""
    script = ScriptDirectory.from_config(alembic_config(database_url))
    found = [r for r in script.walk_revisions() if (r.doc or "").startswith("assessment_answer_writer")]
    assert len(found) == 1
    return found[0].module.backfill_writers


def writers(db: Session, *assessment_ids: int) -> dict[int, set[int]]:
    rows = db.execute(select(AnswerWriter.assessment_id, AnswerWriter.user_id)
                      .where(AnswerWriter.assessment_id.in_(assessment_ids)))
    found: dict[int, set[int]] = {a: set() for a in assessment_ids}
    for assessment_id, user_id in rows:
        found[assessment_id].add(user_id)
    return found


def test_the_backfill_finds_the_writers_the_services_record(db: Session, database_url: str) -> None:
    set_actor(db, None, "tests")
    people: dict[str, User] = {
        name: create_user(db, email=f"{unique(name)}@test.dk", name=name, role="assessor",
                          password="bagudfyld-1234")
        for name in ("creator", "scoper", "first", "overwriter", "clearer", "reviewer", "corrector")}

    def as_(name: str) -> Principal:
        """Act as `name`, with the audit trail naming them (as a request does)."""
        set_actor(db, people[name].id, name)
        return principal_of(people[name])

    def answer(name: str, code: str) -> None:
        existing = svc.get_assessment(db, as_(name), aid).answer(code)
        svc.save_answer(db, as_(name), REGISTRY, aid, code,
                        AnswerIn(value=CRITERIA[code], version=existing.version if existing else None))

    aid = svc.start_assessment(db, as_("creator"), REGISTRY, AssessmentIn(
        solution_id="selfback", framework_id=FW.id, framework_version=FW.version)).id
    svc.set_scope(db, as_("scoper"), REGISTRY, aid, ScopeIn(answers=SCOPE))
    answer("first", FIRST)
    for code in CRITERIA:  # overwrites the first writer's answer
        answer("overwriter", code)
    svc.clear_answer(db, as_("clearer"), REGISTRY, aid, FIRST)
    answer("overwriter", FIRST)
    svc.submit(db, as_("overwriter"), REGISTRY, aid)
    svc.start_review(db, as_("reviewer"), REGISTRY, aid)
    svc.complete(db, as_("reviewer"), REGISTRY, aid)
    correction = svc.new_correction(db, as_("corrector"), REGISTRY, aid).id
    db.commit()

    recorded = writers(db, aid, correction)
    ids = {name: user.id for name, user in people.items()}
    assert recorded[aid] == {ids["scoper"], ids["first"], ids["overwriter"], ids["clearer"]}
    assert recorded[correction] == recorded[aid] | {ids["corrector"]}
    try:
        db.execute(delete(AnswerWriter))  # the table as the migration makes it: empty
        backfill_writers(database_url)(db.connection())
        assert writers(db, aid, correction) == recorded
    finally:
        db.rollback()
