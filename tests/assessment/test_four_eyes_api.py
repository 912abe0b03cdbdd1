"""The four-eyes rule through the JSON API, for each part a person can play in an
assessment: its creator, a co-author who wrote one answer (even one since overwritten),
whoever answered the scope questions, its submitter, its reviewer, an admin who wrote
the answers and submitted, and an approver who once wrote an answer. Nobody who made an
assessment reviews or completes it (rule F1, 403); nobody who made or reviewed it
decides on an approval resting on it (rule B2, 409)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.accounts.services import create_token, create_user
from app.assessment.loader import load_framework
from app.assessment.models import AnswerWriter
from app.audit.hook import set_actor
from tests.approvals.helpers import make_solution
from tests.assessment.helpers import FRAMEWORKS_DIR, best_answer
from tests.helpers import login, unique

FW = load_framework(FRAMEWORKS_DIR / "naevnet-sundhedsapps-2024.yaml")
SCOPE = {"Q1": "yes"}
CRITERIA = {c.code: best_answer(c) for c in FW.applicable_criteria(FW.classify(SCOPE))}
FIRST, *REST = CRITERIA


@dataclass(frozen=True)
class Person:
    id: int
    headers: dict[str, str]


Make = Callable[[str], Person]


@pytest.fixture()
def person(app: Any) -> Make:
    """A new user with the role, and their bearer token."""
    def make(role: str) -> Person:
        with app.state.session_factory() as s, s.begin():
            set_actor(s, None, "tests")
            user = create_user(s, email=f"{unique('fire-oejne')}@test.dk", name=unique("Fire Øjne"),
                               role=role, password="fire-øjne-test-1234")
            return Person(user.id, {"Authorization": f"Bearer {create_token(s, user, 'tests')}"})
    return make


# ---- one assessment through the API, each step by whoever the test says ------------------------


def start(client: Any, who: Person, solution: str = "selfback") -> int:
    r = client.post("/api/assessments", headers=who.headers, json={
        "solution_id": solution, "framework_id": FW.id, "framework_version": FW.version})
    assert r.status_code == 201, r.text[:400]
    return r.json()["id"]


def set_scope(client: Any, aid: int, who: Person) -> None:
    r = client.put(f"/api/assessments/{aid}/scope", headers=who.headers, json={"answers": SCOPE})
    assert r.status_code == 200, r.text[:400]


def write(client: Any, aid: int, who: Person, codes: list[str], value: Any = None) -> None:
    """Answer `codes` (changing an existing answer with the version read)."""
    versions = {a["criterion_code"]: a["version"]
                for a in client.get(f"/api/assessments/{aid}", headers=who.headers).json()["answers"]}
    for code in codes:
        r = client.put(f"/api/assessments/{aid}/answers/{code}", headers=who.headers,
                       json={"value": CRITERIA[code] if value is None else value, "version": versions.get(code)})
        assert r.status_code == 200, r.text[:400]


def act(client: Any, aid: int, action: str, who: Person) -> Any:
    return client.post(f"/api/assessments/{aid}/{action}", headers=who.headers, json={"comment": "ok"})


def done(client: Any, aid: int, action: str, who: Person) -> None:
    r = act(client, aid, action, who)
    assert r.status_code == 200, r.text[:400]


def allowed(client: Any, aid: int, who: Person) -> list[str]:
    return client.get(f"/api/assessments/{aid}", headers=who.headers).json()["allowed_actions"]


def made(client: Any, *, creator: Person, scope: Person, first: Person, rest: Person, submitter: Person,
         solution: str = "selfback") -> int:
    """A submitted assessment: created, scoped, answered (the first criterion, then the
    rest) and submitted by the people given."""
    aid = start(client, creator, solution)
    set_scope(client, aid, scope)
    write(client, aid, first, [FIRST])
    write(client, aid, rest, REST)
    done(client, aid, "submit", submitter)
    return aid


def refused_review(client: Any, aid: int, who: Person, what: str) -> None:
    r = act(client, aid, "review", who)
    assert r.status_code == 403, r.text[:400]
    body = r.json()
    assert body["errors"]["rule"] == "F1", body
    assert body["detail"].startswith("rule F1: four-eyes rule: ") and f"({what} assessment #{aid})" in body["detail"]
    assert "review" not in allowed(client, aid, who)


def reviewed_by_someone_else(client: Any, aid: int, reviewer: Person) -> None:
    assert "review" in allowed(client, aid, reviewer)
    done(client, aid, "review", reviewer)
    r = act(client, aid, "complete", reviewer)
    assert r.status_code == 200 and r.json()["status"] == "completed", r.text[:400]


# ---- reviews -------------------------------------------------------------------------------------


def _creator(client: Any, person: Make) -> tuple[int, Person]:
    creator, maker = person("assessor"), person("assessor")
    return made(client, creator=creator, scope=maker, first=maker, rest=maker, submitter=maker), creator


def _co_author(client: Any, person: Make) -> tuple[int, Person]:
    maker, co_author = person("assessor"), person("assessor")
    return made(client, creator=maker, scope=maker, first=co_author, rest=maker, submitter=maker), co_author


def _overwritten_co_author(client: Any, person: Make) -> tuple[int, Person]:
    """The co-author's one answer was replaced by the maker's: no answer names them now."""
    maker, co_author = person("assessor"), person("assessor")
    aid = start(client, maker)
    set_scope(client, aid, maker)
    write(client, aid, co_author, [FIRST])
    write(client, aid, maker, list(CRITERIA))
    done(client, aid, "submit", maker)
    return aid, co_author


def _scope_writer(client: Any, person: Make) -> tuple[int, Person]:
    maker, scoper = person("assessor"), person("assessor")
    return made(client, creator=maker, scope=scoper, first=maker, rest=maker, submitter=maker), scoper


def _submitter(client: Any, person: Make) -> tuple[int, Person]:
    maker, submitter = person("assessor"), person("assessor")
    return made(client, creator=maker, scope=maker, first=maker, rest=maker, submitter=submitter), submitter


def _admin_wrote_and_submitted(client: Any, person: Make) -> tuple[int, Person]:
    creator, admin = person("assessor"), person("admin")
    return made(client, creator=creator, scope=admin, first=admin, rest=admin, submitter=admin), admin


REVIEW_CASES = {
    "creator": (_creator, "you created"),
    "co-author of one answer": (_co_author, "you wrote answers in"),
    "co-author of an answer since overwritten": (_overwritten_co_author, "you wrote answers in"),
    "scope answers": (_scope_writer, "you wrote answers in"),
    "submitter": (_submitter, "you submitted"),
    "admin who wrote the answers and submitted": (_admin_wrote_and_submitted, "you wrote answers in"),
}


@pytest.mark.parametrize("case", REVIEW_CASES)
def test_no_one_who_made_an_assessment_may_review_it(client: Any, person: Make, case: str) -> None:
    build, what = REVIEW_CASES[case]
    aid, barred = build(client, person)
    refused_review(client, aid, barred, what)
    reviewed_by_someone_else(client, aid, person("assessor"))


def test_a_reviewer_who_wrote_an_answer_after_returning_it_may_not_review_it_again(
        client: Any, person: Make) -> None:
    maker, reviewer = person("assessor"), person("assessor")
    aid = made(client, creator=maker, scope=maker, first=maker, rest=maker, submitter=maker)
    done(client, aid, "review", reviewer)
    done(client, aid, "return", reviewer)
    write(client, aid, reviewer, [FIRST])
    done(client, aid, "submit", maker)
    refused_review(client, aid, reviewer, "you wrote answers in")


def test_completing_is_refused_to_a_reviewer_who_became_a_writer(client: Any, db: Session,
                                                                 person: Make) -> None:
    """Answers are locked in review, so only a save that raced the submission can make the
    reviewer a writer; completing checks the rule again."""
    maker, reviewer = person("assessor"), person("assessor")
    aid = made(client, creator=maker, scope=maker, first=maker, rest=maker, submitter=maker)
    done(client, aid, "review", reviewer)
    db.add(AnswerWriter(assessment_id=aid, user_id=reviewer.id))
    db.commit()
    assert allowed(client, aid, reviewer) == ["return"]
    r = act(client, aid, "complete", reviewer)
    assert r.status_code == 403 and r.json()["errors"]["rule"] == "F1", r.text[:400]
    assert client.get(f"/api/assessments/{aid}", headers=reviewer.headers).json()["status"] == "in_review"


# ---- approval decisions ------------------------------------------------------------------------


def decide(client: Any, slug: str, aid: int, who: Person) -> Any:
    return client.post(f"/api/approvals/{slug}/events", headers=who.headers, json={
        "event": "approve", "reason": "dokumenteret effekt", "treatment_areas": ["kol"],
        "assessment_ids": [aid]})


def apply_for(client: Any, slug: str, who: Person) -> None:
    r = client.post(f"/api/approvals/{slug}/events", headers=who.headers, json={"event": "apply"})
    assert r.status_code == 201, r.text[:400]


def refused_decision(client: Any, slug: str, aid: int, who: Person, what: str) -> None:
    r = decide(client, slug, aid, who)
    assert r.status_code == 409, r.text[:400]
    body = r.json()
    assert body["errors"]["rule"] == "B2" and f"({what} assessment #{aid})" in body["detail"], body


def approved_by_someone_else(client: Any, slug: str, aid: int, approver: Person) -> None:
    r = decide(client, slug, aid, approver)
    assert r.status_code == 201 and r.json()["status"] == "approved", r.text[:400]
    assert r.json()["register_number"]


@pytest.mark.parametrize(("part", "what"), [("creator", "you created"), ("rest", "you wrote answers in"),
                                            ("submitter", "you submitted"), ("reviewer", "you reviewed")])
def test_an_admin_who_made_or_reviewed_the_assessment_may_not_decide_on_it(
        client: Any, db: Session, person: Make, part: str, what: str) -> None:
    admin, approver = person("admin"), person("approver")
    parts = {name: person("assessor") for name in ("creator", "scope", "first", "rest", "submitter", "reviewer")}
    parts[part] = admin
    slug = make_solution(db).slug
    reviewer = parts.pop("reviewer")
    aid = made(client, solution=slug, **parts)
    reviewed_by_someone_else(client, aid, reviewer)
    apply_for(client, slug, approver)
    refused_decision(client, slug, aid, admin, what)
    approved_by_someone_else(client, slug, aid, approver)


def test_an_admin_who_wrote_every_answer_and_submitted_may_neither_review_nor_approve(
        client: Any, db: Session, person: Make) -> None:
    admin, creator, reviewer, approver = person("admin"), person("assessor"), person("assessor"), person("approver")
    slug = make_solution(db).slug
    aid = made(client, solution=slug, creator=creator, scope=admin, first=admin, rest=admin, submitter=admin)
    refused_review(client, aid, admin, "you wrote answers in")
    reviewed_by_someone_else(client, aid, reviewer)
    apply_for(client, slug, admin)
    refused_decision(client, slug, aid, admin, "you wrote answers in")
    approved_by_someone_else(client, slug, aid, approver)


def test_an_approver_who_once_wrote_an_answer_may_not_decide_on_it(client: Any, db: Session,
                                                                    person: Make) -> None:
    maker, co_author, reviewer, approver = (person("assessor"), person("assessor"), person("assessor"),
                                            person("approver"))
    slug = make_solution(db).slug
    aid = made(client, solution=slug, creator=maker, scope=maker, first=co_author, rest=maker, submitter=maker)
    reviewed_by_someone_else(client, aid, reviewer)
    promoted = db.get(User, co_author.id)
    assert promoted is not None
    set_actor(db, None, "tests")
    promoted.role = "approver"  # the assessor who wrote an answer has become an approver
    db.commit()
    apply_for(client, slug, approver)
    refused_decision(client, slug, aid, co_author, "you wrote answers in")
    approved_by_someone_else(client, slug, aid, approver)


def test_the_refusal_is_danish_on_the_page(client: Any, auth: Any) -> None:
    assessor = Person(0, auth("assessor"))
    aid = made(client, creator=assessor, scope=assessor, first=assessor, rest=assessor, submitter=assessor)
    login(client, "assessor")
    form = {"_csrf_token": client.cookies.get("csrftoken", "")}
    danish = client.post(f"/assessments/{aid}/review", data=form)
    assert danish.status_code == 403
    box = danish.text.split('id="workflow-error"')[1].split("</div>")[0]
    assert "regel F1" not in box  # the rule's code stays in the API
    assert ("firøjnesprincippet: den, der har oprettet en vurdering, skrevet et af dens svar eller "
            f"indsendt den, må ikke kontrollere eller afslutte den (du har oprettet vurdering #{aid})") in box, box
    assert "F1</li>" not in box
    english = client.post(f"/assessments/{aid}/review?lang=en", data=form)
    assert english.status_code == 403 and f"(you created assessment #{aid})" in english.text
