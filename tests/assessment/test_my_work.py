"""The assessor's workplace: "Mine vurderinger" lists drafts, returned ones and those
waiting for review; the four-eyes rule decides who sees an assessment to review."""

from __future__ import annotations

from typing import Any

from tests.helpers import login


def _ids(body: dict[str, Any], kind: str) -> set[int]:
    return {item["id"] for item in body[kind]}


def test_drafts_go_to_the_author_and_the_review_to_the_other_assessor(client: Any, auth: Any) -> None:
    started = client.post("/api/assessments", headers=auth("assessor"), json={
        "solution_id": "selfback", "framework_id": "mast", "framework_version": "2010"})
    assert started.status_code == 201, started.text
    aid = started.json()["id"]
    mine = client.get("/api/assessments/mine", headers=auth("assessor")).json()
    assert aid in _ids(mine, "drafts") and mine["counts"]["drafts"] == len(mine["drafts"])
    other = client.get("/api/assessments/mine", headers=auth("assessor2")).json()
    assert aid not in _ids(other, "drafts") | _ids(other, "to_review")
    assert client.get("/api/assessments/mine").status_code == 401


def test_the_workplace_page_and_the_header_count(client: Any) -> None:
    login(client, "assessor")
    page = client.get("/assessments/mine")
    assert page.status_code == 200 and "Mine vurderinger" in page.text and "Mine kladder" in page.text
    assert 'href="/assessments/mine"' in client.get("/solutions").text
    count = client.get("/assessments/mine", headers={"HX-Request": "true"})
    assert count.status_code == 200 and len(count.text) < 300
    solution = client.get("/solutions/selfback").text
    assert 'data-testid="start-assessment"' in solution and "Start vurdering" in solution
