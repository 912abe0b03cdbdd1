"""A solution's overview for buyers: the latest completed assessment of each framework
(never a draft or one in review), the approval today with its evidence plan ("overskredet"
for an overdue milestone, also on the public register)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.approvals import services as approvals
from app.assessment import services as assessments
from app.assessment.models import Assessment
from app.audit.hook import set_actor
from app.catalogue.models import Solution
from app.core import clock
from tests.approvals.helpers import completed_assessment, make_solution, user
from tests.helpers import login

HX = {"HX-Request": "true"}


def _result(score: float, label_da: str, label_en: str) -> dict[str, Any]:
    section = {"code": "BT1", "mode": "weighted", "scored": True, "score": score, "status": "passed",
               "conclusion": None, "answered": 4, "applicable": 4, "not_applicable": [], "missing": [],
               "failed_gates": [], "pending_gates": []}
    return {"score": score, "outcome": {"code": "ok", "label_da": label_da, "label_en": label_en},
            "complete": True, "missing": [], "failed_gates": [], "pending_gates": [], "sections": [section]}


def _assessment(db: Session, solution: Solution, status: str, result: dict[str, Any], days_ago: int) -> None:
    set_actor(db, None, "tests")
    db.add(Assessment(solution_id=solution.id, framework_id="blaastempel-dk", framework_version="1.0",
                      scope_answers={}, status=status, number=1, author_id=user(db, "assessor").id,
                      score=result["score"], outcome="ok", result=result,
                      completed_at=datetime.now(UTC) - timedelta(days=days_ago) if status == "completed" else None))
    db.commit()


def test_only_the_latest_completed_assessment_is_a_result(client: Any, db: Session, app: Any) -> None:
    solution = make_solution(db)
    _assessment(db, solution, "completed", _result(61.25, "Gammelt resultat", "Old result"), 40)
    _assessment(db, solution, "completed", _result(72.5, "Anbefales", "Recommended"), 5)
    _assessment(db, solution, "draft", _result(99.0, "Kladderesultat", "Draft result"), 0)
    _assessment(db, solution, "in_review", _result(98.0, "Kontrolresultat", "Review result"), 0)
    results = assessments.completed_results(db, app.state.frameworks, [solution.id], "da")[solution.id]
    assert [(r["outcome"], r["score"]) for r in results] == [("Anbefales", 72.5)]
    body = client.get(f"/solutions/{solution.slug}/overview", headers=HX).text
    assert "Anbefales" in body and ("72 %" in body or "73 %" in body)
    for hidden in ("Gammelt resultat", "Kladderesultat", "Kontrolresultat", "Foreløbig"):
        assert hidden not in body
    assert "Blåstempel DK 1.0" in body and "blaastempel-dk" not in body  # the framework in words
    completed = (datetime.now(UTC) - timedelta(days=5)).astimezone(clock.DANISH_TIME).date()
    assert f"{completed.day}. " in body and str(completed.year) in body and completed.isoformat() not in body
    assert "Score pr. afsnit" in body and "Bestået" in body
    english = client.get(f"/solutions/{solution.slug}/overview?lang=en", headers=HX).text
    assert "Recommended" in english and "Assessor organisation" in english


def test_an_assessment_without_answers_has_no_result(client: Any, db: Session, app: Any) -> None:
    solution = make_solution(db)
    empty = db.get(Assessment, completed_assessment(db, solution, reviewer="approver"))
    assert empty is not None
    set_actor(db, None, "tests")
    empty.answers.clear()  # completed, yet nothing answered (as old demo data was)
    db.flush()
    assessments.recompute(db, app.state.frameworks.get(empty.framework_id, empty.framework_version), empty)
    db.commit()
    body = client.get(f"/solutions/{solution.slug}/overview", headers=HX).text
    assert "Intet resultat: ingen kriterier er besvaret" in body


def test_the_pdf_link_is_for_those_who_may_read_assessments(client: Any, db: Session) -> None:
    solution = make_solution(db)
    _assessment(db, solution, "completed", _result(50.0, "Betinget", "Conditional"), 3)
    url = f"/solutions/{solution.slug}/overview"
    assert "Vurderingsrapport (PDF)" not in client.get(url, headers=HX).text
    login(client, "procurement")
    body = client.get(url, headers=HX).text
    assert f"/reports?kind=assessment&amp;solution={solution.slug}" in body


def test_selfback_approval_with_an_overdue_milestone(client: Any, db: Session) -> None:
    selfback = db.scalar(select(Solution).where(Solution.slug == "selfback"))
    view = approvals.public_statuses(db, [selfback.id])[selfback.id]
    assert view["status"] == "temporarily_approved" and view["register_number"].startswith("BT-")
    assert [m["status"] for m in view["milestones"]] == ["met", "overdue", "pending"]
    body = client.get("/solutions/selfback/overview", headers=HX).text
    assert "Midlertidigt godkendt" in body and view["register_number"] in body
    assert "Overskredet" in body and "Status i dag" in body
    start = date.fromisoformat(view["valid_from"])
    assert view["valid_from"] not in body and f"{start.day}. " in body
    assert "Overdue" in client.get("/solutions/selfback/overview?lang=en", headers=HX).text


def test_the_public_register_says_overskredet(client: Any, db: Session) -> None:
    selfback = db.scalar(select(Solution).where(Solution.slug == "selfback"))
    number = approvals.case_for(db, selfback).register_number
    assert "Overskredet" in client.get(f"/register/{number}").text
    assert "1 milepæl overskredet" in client.get("/register", params={"q": "SelfBack"}).text
    entry = next(e for e in client.get("/api/register", params={"q": "SelfBack"}).json()["items"]
                 if e["register_number"] == number)
    assert entry["evidence"]["overdue"] == 1 and entry["milestones"][1]["status"] == "overdue"


def test_the_solution_page_loads_the_overview_and_works_without_javascript(client: Any) -> None:
    page = client.get("/solutions/selfback").text
    assert 'hx-get="/solutions/selfback/overview"' in page
    full = client.get("/solutions/selfback/overview")
    assert full.status_code == 200 and "<html" in full.text and "Hvor den er i brug" in full.text
    assert client.get("/solutions/no-such-solution/overview").status_code == 404
