"""Files on an assessment's answers: attached by who may answer, kept when the answer
changes or is cleared, taken off with an audit trail (the bytes stay), seen only by who
may see the assessment; the criterion form lists them with Danish sizes."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from app.audit.models import AuditEvent
from tests.files import samples
from tests.files.helpers import other_vendor_headers
from tests.helpers import login


def _start(client: Any, auth: Any) -> int:
    r = client.post("/api/assessments", headers=auth("assessor"), json={
        "solution_id": "selfback", "framework_id": "blaastempel-dk", "framework_version": "1.0"})
    assert r.status_code == 201, r.text
    return r.json()["id"]


def _attach(client: Any, headers: dict[str, str], aid: int, code: str, name: str, content: bytes) -> Any:
    return client.post(f"/api/assessments/{aid}/answers/{code}/files", headers=headers,
                       files={"file": (name, content, "application/octet-stream")})


def test_files_outlive_answer_changes_and_removal_is_audited(client: Any, auth: Any, db: Any) -> None:
    aid = _start(client, auth)
    base = f"/api/assessments/{aid}"
    first = client.put(f"{base}/answers/BT1.1", headers=auth("vendor"), json={"value": "Selvhjælp"})
    assert first.status_code == 200, first.text
    manual = samples.docx_bytes()
    r = _attach(client, auth("vendor"), aid, "BT1.1", "Brugervejledning.docx", manual)
    assert r.status_code == 201, r.text
    docx = r.json()
    assert docx["kind"] == "docx" and docx["criterion_code"] == "BT1.1"
    sheet = _attach(client, auth("assessor"), aid, "BT1.1", "tal.xlsx", samples.xlsx_bytes()).json()
    assert sheet["kind"] == "xlsx"

    version = first.json()["answer"]["version"]
    changed = client.put(f"{base}/answers/BT1.1", headers=auth("vendor"),
                         json={"value": "Genoptræning", "version": version})
    assert changed.status_code == 200, changed.text
    assert client.delete(f"{base}/answers/BT1.1", headers=auth("vendor")).status_code == 200
    listed = client.get(f"{base}/files", headers=auth("assessor")).json()
    assert [f["id"] for f in listed["BT1.1"]] == [docx["id"], sheet["id"]]

    assert client.delete(f"{base}/answers/BT1.1/files/{sheet['id']}", headers=auth("vendor")).status_code == 403
    removed = client.delete(f"{base}/answers/BT1.1/files/{docx['id']}", headers=auth("vendor"))
    assert removed.status_code == 200 and removed.json()["removed_at"]
    listed = client.get(f"{base}/files", headers=auth("assessor")).json()["BT1.1"]
    assert listed[0]["removed_at"] and not listed[1]["removed_at"]
    download = client.get(f"{base}/files/{docx['id']}", headers=auth("assessor"))
    assert download.status_code == 200 and download.content == manual
    assert download.headers["x-content-type-options"] == "nosniff"
    db.expire_all()
    changes = db.scalars(select(AuditEvent).where(AuditEvent.entity_type == "evidence_file",
                                                  AuditEvent.entity_id == docx["id"],
                                                  AuditEvent.action == "update")).all()
    assert changes and changes[-1].after and changes[-1].after.get("removed_at")


def test_who_may_attach_and_see(client: Any, auth: Any, app: Any) -> None:
    aid = _start(client, auth)
    base = f"/api/assessments/{aid}"
    # a vendor answers only vendor criteria; BT1.3 is the assessor's
    assert _attach(client, auth("vendor"), aid, "BT1.3", "x.pdf", samples.PDF).status_code == 403
    file_id = _attach(client, auth("assessor"), aid, "BT1.3", "x.pdf", samples.PDF).json()["id"]
    other = other_vendor_headers(app)
    for headers, status in ((auth("assessor"), 200), (auth("vendor"), 200), (auth("approver"), 200),
                            (other, 404), (auth("org_reporter"), 404), ({}, 401)):
        assert client.get(f"{base}/files/{file_id}", headers=headers).status_code == status, headers
    assert _attach(client, other, aid, "BT1.1", "x.pdf", samples.PDF).status_code == 404
    assert _attach(client, auth("org_reporter"), aid, "BT1.1", "x.pdf", samples.PDF).status_code == 403
    assert _attach(client, {}, aid, "BT1.1", "x.pdf", samples.PDF).status_code == 401


def test_the_criterion_form_lists_files_and_refuses_in_danish(client: Any, auth: Any) -> None:
    aid = _start(client, auth)
    _attach(client, auth("assessor"), aid, "BT1.3", "Risikovurdering.pdf", samples.PDF + b" " * 340_000)
    login(client, "assessor")
    page = client.get(f"/assessments/{aid}").text
    assert "Risikovurdering.pdf" in page and "340 kB" in page and 'id="answer-files-form"' in page
    token = client.cookies.get("csrftoken", "")
    r = client.post(f"/assessments/{aid}/files", follow_redirects=False,
                    data={"criterion": "BT1.3", "_csrf_token": token},
                    files={"file-BT1.3": ("../../program.pdf", samples.EXE, "application/pdf")})
    assert r.status_code == 400 and "program.pdf er et program" in r.text
    r = client.post(f"/assessments/{aid}/files", follow_redirects=False,
                    data={"criterion": "BT1.3", "_csrf_token": token},
                    files={"file-BT1.3": ("skema.xlsx", samples.xlsx_bytes(), "application/octet-stream")})
    assert r.status_code == 303, r.text
    assert "skema.xlsx" in client.get(f"/assessments/{aid}").text
