"""Approvals through the service layer and the JSON API: decisions, refusals naming the
rule, status on past dates, the register (JSON and CSV), the dashboard, expiry, iCal."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from app.approvals import lifecycle as lc
from app.approvals import services as svc
from app.approvals.models import ApprovalCase, ApprovalEvent
from app.approvals.seed import seed_decisions
from app.audit.models import AuditEvent
from app.core import clock
from app.core.clock import today
from app.settings import PROJECT_ROOT
from tests.approvals.helpers import completed_assessment, make_solution, temporary_body


def post(client: Any, auth: Any, slug: str, body: dict[str, Any], role: str = "approver") -> Any:
    return client.post(f"/api/approvals/{slug}/events", json=body, headers=auth(role))


def applied(client: Any, auth: Any, db: Any, days_ago: int = 60) -> tuple[str, int]:
    solution = make_solution(db)
    assessment = completed_assessment(db, solution, days_ago=days_ago - 5)
    r = post(client, auth, solution.slug, {"event": "apply", "on": (today() - timedelta(days=days_ago)).isoformat()})
    assert r.status_code == 201, r.text
    return solution.slug, assessment


def test_application_to_temporary_to_permanent(client: Any, auth: Any, db: Any) -> None:
    slug, aid = applied(client, auth, db)
    start = today() - timedelta(days=50)
    r = post(client, auth, slug, temporary_body(aid, start))
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["status"] == "temporarily_approved" and body["valid"] is True
    assert body["valid_until"] == lc.temporary_end(start).isoformat()
    number = body["register_number"]
    assert number.startswith(f"BT-{start.year}-")
    r = post(
        client,
        auth,
        slug,
        {
            "event": "approve",
            "on": today().isoformat(),
            "reason": "dokumenteret",
            "treatment_areas": ["kol"],
            "assessment_ids": [aid],
        },
    )
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["status"] == "approved" and body["register_number"] == number  # stable
    assert [h["event"] for h in body["history"]] == ["apply", "approve_temporarily", "approve"]
    assert body["history"][1]["actor"]["label"].startswith("godkender@")
    # status on past dates
    status = client.get(
        f"/api/solutions/{slug}/approval-status", params={"at": (start - timedelta(days=1)).isoformat()}
    ).json()
    assert status["status"] == "applied" and status["valid"] is False
    status = client.get(
        f"/api/solutions/{slug}/approval-status", params={"at": (start + timedelta(days=3)).isoformat()}
    ).json()
    assert status["status"] == "temporarily_approved" and status["register_number"] == number
    assert client.get(f"/api/solutions/{slug}/approval-status").json()["status"] == "approved"
    early = client.get(f"/api/solutions/{slug}/approval-status", params={"at": "2000-01-01"}).json()
    assert early["status"] == "none" and early["register_number"] is None
    assert client.get(f"/api/solutions/{slug}/approval-status", params={"at": "nope"}).status_code == 400
    # every change is audited
    case = db.scalar(select(ApprovalCase).where(ApprovalCase.register_number == number))
    audited = db.scalars(
        select(AuditEvent.entity_type).where(AuditEvent.entity_id == case.id, AuditEvent.entity_type == "approval_case")
    )
    assert len(list(audited)) >= 3


def test_second_temporary_approval_is_refused_with_the_rule(client: Any, auth: Any, db: Any) -> None:
    slug, aid = applied(client, auth, db, days_ago=500)
    start = today() - timedelta(days=480)
    assert post(client, auth, slug, temporary_body(aid, start)).status_code == 201
    r = post(
        client,
        auth,
        slug,
        {
            "event": "reject",
            "on": (start + timedelta(days=100)).isoformat(),
            "reason": "ingen effekt",
            "assessment_ids": [aid],
        },
    )
    assert r.status_code == 201, r.text
    assert (
        post(client, auth, slug, {"event": "apply", "on": (start + timedelta(days=200)).isoformat()}).status_code == 201
    )
    r = post(client, auth, slug, temporary_body(aid, start + timedelta(days=210)))
    assert r.status_code == 409
    body = r.json()
    assert body["detail"] == "rule T2: a solution may get only one temporary approval"
    assert body["errors"]["rule"] == "T2"


def test_bad_input_and_forbidden_decisions(client: Any, auth: Any, db: Any) -> None:
    slug, aid = applied(client, auth, db)
    # no completed assessment
    r = post(client, auth, slug, {"event": "approve", "reason": "x", "treatment_areas": ["kol"]})
    assert r.status_code == 409 and r.json()["errors"]["rule"] == "B1"
    # an assessor who authored the assessment may not decide (and assessors lack the permission anyway)
    assert post(client, auth, slug, temporary_body(aid, today()), role="assessor").status_code == 403
    # an admin who reviewed it may not decide on it: rule B2
    solution = db.scalar(
        select(ApprovalCase).join(ApprovalCase.solution).where(ApprovalCase.solution.has(slug=slug))
    ).solution
    reviewed_by_admin = completed_assessment(db, solution, author="assessor", reviewer="admin", days_ago=30)
    r = post(client, auth, slug, temporary_body(reviewed_by_admin, today()), role="admin")
    assert r.status_code == 409 and r.json()["errors"]["rule"] == "B2"
    # a date in the future: 400
    r = post(client, auth, slug, temporary_body(aid, today() + timedelta(days=3)))
    assert r.status_code == 400 and r.json()["errors"]["rule"] == "D1"
    # evidence due later than 3 months before the end
    r = post(client, auth, slug, temporary_body(aid, today(), evidence_due=(today() + timedelta(days=330)).isoformat()))
    assert r.status_code == 409 and r.json()["errors"]["rule"] == "T4" and "evidence_due" in r.json()["errors"]
    # unknown assessment, unknown area, unknown field
    r = post(client, auth, slug, temporary_body(999999, today()))
    assert r.status_code == 400 and "assessment_ids" in r.json()["errors"]
    assert post(client, auth, slug, temporary_body(aid, today(), treatment_areas=["x"])).status_code == 400
    assert post(client, auth, slug, {"event": "apply", "bogus": 1}).status_code == 400
    # anonymous
    assert client.post(f"/api/approvals/{slug}/events", json={"event": "apply"}).status_code == 401
    # extension beyond 12 months, then once only
    assert post(client, auth, slug, temporary_body(aid, today())).status_code == 201
    end = lc.temporary_end(today())
    r = post(
        client,
        auth,
        slug,
        {"event": "extend", "reason": "forsinket", "valid_until": lc.add_months(end, 13).isoformat()},
    )
    assert r.status_code == 409 and r.json()["errors"]["rule"] == "E2"
    ok = post(
        client, auth, slug, {"event": "extend", "reason": "forsinket", "valid_until": lc.add_months(end, 6).isoformat()}
    )
    assert ok.status_code == 201 and ok.json()["extended"] is True
    r = post(
        client, auth, slug, {"event": "extend", "reason": "igen", "valid_until": lc.add_months(end, 7).isoformat()}
    )
    assert r.status_code == 409 and r.json()["errors"]["rule"] == "E1"
    # stale version
    r = post(client, auth, slug, {"event": "revoke", "reason": "x", "version": 1})
    assert r.status_code == 409 and "changed by someone else" in r.json()["detail"]


def test_expiry_is_computed_on_read_and_recorded_by_the_job(client: Any, auth: Any, db: Any) -> None:
    slug, aid = applied(client, auth, db, days_ago=400)
    start = today() - timedelta(days=380)
    assert post(client, auth, slug, temporary_body(aid, start)).status_code == 201
    case = client.get(f"/api/approvals/{slug}").json()
    assert case["recorded_status"] == "temporarily_approved"
    assert case["status"] == "expired" and case["valid"] is False  # before the job has run
    assert "expire" in case["allowed_events"]
    listed = client.get("/api/register", params={"q": slug, "limit": 200}).json()["items"]
    assert [e["status"] for e in listed] == ["expired"]
    expired = svc.expire_due(db, today())
    assert slug in [c.solution.slug for c in expired]
    assert svc.expire_due(db, today()) == []  # idempotent
    db.commit()
    case = client.get(f"/api/approvals/{slug}").json()
    assert case["recorded_status"] == "expired" and case["history"][-1]["event"] == "expire"
    assert case["history"][-1]["on"] == (lc.temporary_end(start) + timedelta(days=1)).isoformat()


def test_register_json_csv_and_filters(client: Any) -> None:
    r = client.get("/api/register")
    assert r.status_code == 200
    body = r.json()
    assert set(body) == {"items", "total", "limit", "offset"}
    numbers = [e["register_number"] for e in body["items"]]
    assert all(n.startswith("BT-") for n in numbers) and len(set(numbers)) == len(numbers)
    statuses = {e["status"] for e in client.get("/api/register", params={"limit": 200}).json()["items"]}
    assert {"approved", "temporarily_approved", "revoked", "expired"} <= statuses
    temp = client.get("/api/register", params={"status": "temporarily_approved", "limit": 200}).json()
    assert temp["items"] and all(e["status"] == "temporarily_approved" and e["evidence"] for e in temp["items"])
    kol = client.get("/api/register", params={"treatment_area": "kol", "limit": 200}).json()["items"]
    assert kol and all("kol" in [t["code"] for t in e["treatment_areas"]] for e in kol)
    assert client.get("/api/register", params={"status": "bogus"}).status_code == 400
    liva = client.get("/api/register", params={"q": "liva"}).json()["items"][0]
    assert liva["in_use_by"] and liva["status"] == "approved"
    r = client.get("/api/register", params={"format": "csv"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert "attachment; filename=" in r.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert rows and set(rows[0]) == set(svc.REGISTER_CSV_COLUMNS)
    assert {row["register_number"] for row in rows} >= set(numbers)
    detail = client.get(f"/api/register/{liva['register_number']}").json()
    assert detail["history"] and "actor" not in detail["history"][0]
    assert client.get("/api/register/BT-1999-0001").status_code == 404


def test_demo_decisions_and_dashboard(client: Any, auth: Any, db: Any) -> None:
    assert seed_decisions(db, PROJECT_ROOT / "data") == 0  # seeding again changes nothing
    assert client.get("/api/approvals/dashboard").status_code == 401
    assert client.get("/api/approvals/dashboard", headers=auth("assessor")).status_code == 403
    d = client.get("/api/approvals/dashboard", headers=auth("approver")).json()
    assert d["by_status"]["extended"] >= 1 and d["by_status"]["became_permanent"] >= 1
    assert d["by_status"]["expired"] >= 1
    assert any(x["kind"] == "evidence_due" and x["days"] <= 30 for x in d["deadlines"])
    assert d["overdue_milestones"] and 0 < d["share_temporary_became_permanent"] <= 1
    assert d["median_days_application_to_decision"] > 0


def test_calendar_feed_needs_a_valid_token(client: Any, auth: Any, app: Any, db: Any) -> None:
    assert client.get("/approvals/calendar.ics").status_code in (401, 403)
    r = client.get("/approvals/calendar.ics", headers=auth("approver"))
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/calendar")
    assert "BEGIN:VCALENDAR" in r.text and "Endelig evidens senest: SelfBack" in r.text
    assert "X-WR-CALNAME:Blåstempel: Godkendelsesfrister" in r.text
    english = client.get("/approvals/calendar.ics", params={"lang": "en"}, headers=auth("approver"))
    assert "Final evidence due: SelfBack" in english.text and "Endelig" not in english.text
    from tests.approvals.helpers import user

    approver = user(db, "approver")
    token = svc.calendar_token(app.state.settings.secret_key, approver.id)
    ok = client.get("/approvals/calendar.ics", params={"user": approver.id, "token": token})
    assert ok.status_code == 200 and "BEGIN:VEVENT" in ok.text
    bad = client.get("/approvals/calendar.ics", params={"user": approver.id, "token": token[:-1] + "0"})
    assert bad.status_code == 403
    assessor = user(db, "assessor")
    other = svc.calendar_token(app.state.settings.secret_key, assessor.id)
    assert client.get("/approvals/calendar.ics", params={"user": assessor.id, "token": other}).status_code == 403


def test_events_are_history_with_who_when_why(db: Any) -> None:
    rows = list(db.scalars(select(ApprovalEvent).where(ApprovalEvent.kind == "revoke")))
    assert rows and all(r.reason and r.actor_label and r.on_date <= clock.today() + timedelta(days=1) for r in rows)
