"""A solution's approval status in search: the facet and the badge follow the decisions and
the passing of time, as the register reads them (lifecycle.effective_status)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from litestar import Litestar

from app.approvals import search_index
from app.approvals import services as svc
from app.approvals.models import ApprovalCase
from app.core import clock
from tests.approvals.helpers import completed_assessment, make_solution, temporary_body


def _status(client: Any, name: str) -> str | None:
    hits = client.get("/api/search", params={"q": _own(name), "type": "solution"}).json()["hits"]
    return next(h["approval_status"] for h in hits if h["title"].replace("<mark>", "").replace("</mark>", "") == name)


def _own(name: str) -> str:
    """The name's own word ("Godkendelsestest-5d9953b6e0" -> "5d9953b6e0"): the other tests'
    solutions share the first, and a query finding few is widened (relaxed)."""
    return name.rsplit("-", 1)[1]


def _facet(client: Any, name: str, status: str) -> int:
    return client.get("/api/search", params={"q": _own(name), "approval_status": status, "limit": 0}).json()["total"]


def _event(client: Any, auth: Any, slug: str, body: dict[str, Any]) -> None:
    r = client.post(f"/api/approvals/{slug}/events", json=body, headers=auth("approver"))
    assert r.status_code == 201, r.text


def test_the_facet_and_badge_follow_each_decision(client: Any, auth: Any, db: Any) -> None:
    solution = make_solution(db)
    name, slug = solution.name, solution.slug
    assert _status(client, name) == "none" and _facet(client, name, "none") == 1
    aid = completed_assessment(db, solution, days_ago=55)
    _event(client, auth, slug, {"event": "apply", "on": (clock.today() - timedelta(days=60)).isoformat()})
    assert _status(client, name) == "applied"
    _event(client, auth, slug, temporary_body(aid, clock.today() - timedelta(days=50)))
    assert _status(client, name) == "temporarily_approved"
    assert _facet(client, name, "temporarily_approved") == 1 and _facet(client, name, "approved") == 0
    _event(client, auth, slug, {"event": "revoke", "on": clock.today().isoformat(), "reason": "bivirkninger"})
    assert _status(client, name) == "revoked" and _facet(client, name, "revoked") == 1


def test_an_approval_past_its_end_reads_expired_once_the_day_passes(
        client: Any, auth: Any, db: Any, app: Litestar, monkeypatch: pytest.MonkeyPatch) -> None:
    solution = make_solution(db)
    aid = completed_assessment(db, solution, days_ago=380)
    _event(client, auth, solution.slug, {"event": "apply", "on": (clock.today() - timedelta(days=390)).isoformat()})
    start = clock.today() - timedelta(days=364)  # a temporary approval runs 12 months: today is its last day
    _event(client, auth, solution.slug, temporary_body(aid, start))
    assert db.get(ApprovalCase, svc.case_for(db, solution).id).valid_until == clock.today()
    assert _status(client, solution.name) == "temporarily_approved"
    indexer = app.state.search_indexer
    indexer.requeue_dated()  # what other tests left due
    monkeypatch.setattr(search_index, "today", lambda: clock.today() + timedelta(days=1))
    assert indexer.requeue_dated() >= 1
    indexer.drain()
    assert _status(client, solution.name) == "expired"  # no expiry event recorded yet
    assert indexer.requeue_dated() == 0  # each document once


def test_the_search_page_shows_the_badge_and_facet_in_the_page_language(client: Any, db: Any) -> None:
    solution = make_solution(db)
    page = client.get("/search", params={"q": _own(solution.name)}, headers={"Accept-Language": "da"}).text
    assert '<span class="tag tag-approval" data-approval="none">Ikke ansøgt</span>' in page
    assert "<legend>Godkendelsesstatus</legend>" in page and "Ikke ansøgt <span class=\"count\">(1)" in page
    client.get("/lang/en", params={"next": "/"})
    english = client.get("/search", params={"q": _own(solution.name)}).text
    assert '<span class="tag tag-approval" data-approval="none">Not applied</span>' in english
    client.get("/lang/da", params={"next": "/"})
