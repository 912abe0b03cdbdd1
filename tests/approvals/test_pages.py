"""HTML pages: the public register, the dashboard, the case page and its forms."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from app.approvals import lifecycle as lc
from app.approvals import services as svc
from app.core import clock
from app.web.i18n import day
from tests.approvals.helpers import completed_assessment, make_solution
from tests.helpers import login


def test_register_is_public_and_filterable(client: Any) -> None:
    r = client.get("/register")
    assert r.status_code == 200 and "Liva" in r.text and "BT-" in r.text
    assert "<script>" not in r.text
    r = client.get("/register", params={"status": "revoked"})
    assert "Ada" in r.text and "Liva" not in r.text
    number = re.search(r'href="/register/(BT-\d{4}-\d{4})"', r.text).group(1)
    detail = client.get(f"/register/{number}")
    assert detail.status_code == 200 and ("no longer valid" in detail.text or "ikke længere" in detail.text)


def test_dashboard_needs_an_approver(client: Any) -> None:
    assert client.get("/approvals", follow_redirects=False).status_code in (302, 303)
    login(client, "approver")
    r = client.get("/approvals")
    assert r.status_code == 200 and "calendar.ics?user=" in r.text and "SelfBack" in r.text
    assert "&amp;lang=da" in r.text  # a calendar program has no language cookie
    assert "&amp;lang=en" in client.get("/approvals?lang=en").text


def test_refusal_is_shown_next_to_the_form(client: Any, db: Any) -> None:
    solution = make_solution(db)
    aid = completed_assessment(db, solution, author="assessor", reviewer="assessor2")
    login(client, "approver")
    page = client.get(f"/approvals/solutions/{solution.slug}")
    assert page.status_code == 200 and 'id="form-apply"' in page.text
    token = client.cookies.get("csrftoken", "")
    r = client.post(f"/approvals/solutions/{solution.slug}",
                    data={"event": "apply", "on": clock.today().isoformat(), "_csrf_token": token},
                    follow_redirects=False)
    assert r.status_code == 303
    end_too_late = (clock.today() + timedelta(days=340)).isoformat()
    r = client.post(f"/approvals/solutions/{solution.slug}", data={
        "event": "approve_temporarily", "on": clock.today().isoformat(), "evidence_due": end_too_late,
        "milestone_title_1": "Data", "milestone_due_1": (clock.today() + timedelta(days=30)).isoformat(),
        "treatment_areas": "kol", "assessment_ids": str(aid), "reason": "lovende", "_csrf_token": token})
    assert r.status_code == 409 and r.headers["content-type"].startswith("text/html")
    assert 'id="form-approve_temporarily-errors"' in r.text
    # the refusal is in Danish with its date as Danish writes it, without the rule's code (the API keeps it)
    latest = lc.latest_evidence_due(lc.temporary_end(clock.today()))
    assert ("den endelige evidens skal foreligge senest 3 måneder før godkendelsen udløber "
            f"(senest {day(latest, 'da')})") in r.text, r.text
    assert "regel T4" not in r.text and "rule T4" not in r.text and latest.isoformat() not in r.text
    english = client.post(f"/approvals/solutions/{solution.slug}?lang=en", data={
        "event": "approve_temporarily", "on": clock.today().isoformat(), "evidence_due": end_too_late,
        "milestone_title_1": "Data", "milestone_due_1": (clock.today() + timedelta(days=30)).isoformat(),
        "treatment_areas": "kol", "assessment_ids": str(aid), "reason": "lovende", "_csrf_token": token})
    assert english.status_code == 409
    assert ("final evidence is due no later than 3 months before the end of the approval "
            f"(at the latest {day(latest, 'en')})") in english.text and "rule T4" not in english.text
    badge = client.get(f"/approvals/solutions/{solution.slug}/badge")
    assert badge.status_code == 200 and "approval-status" in badge.text


def test_dates_are_typed_the_danish_way_and_half_typed_ones_are_refused(client: Any, db: Any) -> None:
    solution = make_solution(db)
    login(client, "approver")
    client.get(f"/approvals/solutions/{solution.slug}")
    token = client.cookies.get("csrftoken", "")
    url = f"/approvals/solutions/{solution.slug}"
    half = client.post(url, data={"event": "apply", "on": "3.12", "_csrf_token": token})
    assert half.status_code == 400 and 'id="apply-on-error"' in half.text
    assert "“3.12” er ikke en hel dato" in half.text and 'value="3.12"' in half.text
    db.expire_all()
    assert svc.case_for(db, solution) is None  # nothing recorded
    today = clock.today()
    typed = f"{today.day}.{today.month}.{today.year}"
    r = client.post(url, data={"event": "apply", "on": typed, "_csrf_token": token},
                    follow_redirects=False)
    assert r.status_code == 303
    aid = completed_assessment(db, solution, author="assessor", reviewer="assessor2")
    milestone = client.post(url, data={
        "event": "approve_temporarily", "on": typed, "milestone_title_1": "Data", "milestone_due_1": "1.3",
        "treatment_areas": "kol", "assessment_ids": str(aid), "reason": "lovende", "_csrf_token": token})
    assert milestone.status_code == 400 and "milepæl 1: “1.3” er ikke en hel dato" in milestone.text
    assert 'value="1.3"' in milestone.text
