"""The assessment JSON API: frameworks, starting, answering, workflow, errors."""

from __future__ import annotations

from typing import Any

import pytest

from app.assessment.loader import load_framework
from tests.assessment.helpers import FRAMEWORK_FILES, best_answer
from tests.assessment.test_workflow import scope_for


def _start(client: Any, auth: Any, fw: str = "blaastempel-dk", version: str = "1.0") -> dict[str, Any]:
    response = client.post("/api/assessments", headers=auth("assessor"), json={
        "solution_id": "selfback", "framework_id": fw, "framework_version": version})
    assert response.status_code == 201, response.text
    return response.json()


def test_framework_list_and_detail(client: Any) -> None:
    items = client.get("/api/frameworks").json()
    assert {"id", "version", "title_da", "publisher", "superseded"} <= set(items[0])
    assert {(i["id"], i["version"]) for i in items} >= {("blaastempel-dk", "1.0"), ("nhs-dtac", "1.0")}
    detail = client.get("/api/frameworks/blaastempel-dk/1.0").json()
    assert detail["sections"] and detail["tiers"] == ["light", "full"]
    assert client.get("/api/frameworks/blaastempel-dk/9.9").status_code == 404


@pytest.mark.parametrize("path", FRAMEWORK_FILES, ids=[p.stem for p in FRAMEWORK_FILES])
def test_full_assessment_through_the_api(client: Any, auth: Any, path: Any) -> None:
    fw = load_framework(path)
    a = _start(client, auth, fw.id, fw.version)
    if fw.scope_questions:
        r = client.put(f"/api/assessments/{a['id']}/scope", headers=auth("assessor"),
                       json={"answers": scope_for(fw)})
        assert r.status_code == 200, r.text
        a = r.json()
    for c in fw.applicable_criteria(a["tier"]):
        r = client.put(f"/api/assessments/{a['id']}/answers/{c.code}", headers=auth("assessor"),
                       json={"value": best_answer(c), "comment": "ok"})
        assert r.status_code == 200, r.text
    base = f"/api/assessments/{a['id']}"
    assert client.post(f"{base}/submit", headers=auth("assessor")).status_code == 200
    assert client.post(f"{base}/review", headers=auth("assessor")).status_code == 403
    assert client.post(f"{base}/review", headers=auth("assessor2")).status_code == 200
    done = client.post(f"{base}/complete", headers=auth("assessor2"), json={"comment": "fint"})
    assert done.status_code == 200, done.text
    body = done.json()
    assert body["status"] == "completed" and body["result"]["complete"]
    assert body["result"]["outcome"] is not None
    assert [t["to_status"] for t in body["transitions"]] == ["draft", "submitted", "in_review", "completed"]


def test_detail_scores_missing_and_bad_answers(client: Any, auth: Any) -> None:
    a = _start(client, auth)
    base = f"/api/assessments/{a['id']}"
    bad = client.put(f"{base}/answers/BT1.3", headers=auth("assessor"), json={"value": "kanske"})
    assert bad.status_code == 400 and "BT1.3" in bad.json()["errors"]
    ok = client.put(f"{base}/answers/BT1.3", headers=auth("assessor"), json={"value": "yes"})
    assert ok.status_code == 200 and ok.json()["answer"]["version"] == 1
    stale = client.put(f"{base}/answers/BT1.3", headers=auth("assessor"), json={"value": "no", "version": 0})
    assert stale.status_code == 409
    detail = client.get(base, headers=auth("assessor")).json()
    assert detail["result"]["sections"][0]["code"] and "BT1.1" in detail["result"]["missing"]
    assert detail["framework"]["version"] == "1.0"
    refused = client.post(f"{base}/submit", headers=auth("assessor"))
    assert refused.status_code == 400 and "missing" in refused.json()["errors"]
    cleared = client.delete(f"{base}/answers/BT1.3", headers=auth("assessor"))
    assert cleared.status_code == 200
    listed = client.get("/api/solutions/selfback/assessments", headers=auth("assessor")).json()
    assert any(x["id"] == a["id"] for x in listed)


def test_access_rules(client: Any, auth: Any) -> None:
    assert client.post("/api/assessments", json={"solution_id": "selfback", "framework_id": "mast",
                                                 "framework_version": "2010"}).status_code == 401
    assert client.post("/api/assessments", headers=auth("procurement"), json={
        "solution_id": "selfback", "framework_id": "mast", "framework_version": "2010"}).status_code == 403
    a = _start(client, auth)
    assert client.get(f"/api/assessments/{a['id']}").status_code == 401
    assert client.get(f"/api/assessments/{a['id']}", headers=auth("vendor")).status_code == 200
    vendor = client.put(f"/api/assessments/{a['id']}/answers/BT1.1", headers=auth("vendor"),
                        json={"value": "Selvhjælp"})
    assert vendor.status_code == 200 and vendor.json()["answer"]["verification"] == "pending"
    verify = client.post(f"/api/assessments/{a['id']}/answers/BT1.1/verify", headers=auth("assessor"),
                         json={"decision": "accepted"})
    assert verify.status_code == 200 and verify.json()["verification"] == "accepted"
    assert client.post(f"/api/assessments/{a['id']}/return", headers=auth("assessor2"),
                       json={"comment": "x"}).status_code == 409
    assert client.get(f"/api/assessments/{a['id']}/prefill", headers=auth("assessor")).status_code == 200
