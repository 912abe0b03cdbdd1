"""A vendor hands in evidence (file and/or note) for its own temporary approval's milestone;
the approver sees and downloads it; others cannot; hostile files change nothing."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from sqlalchemy import func, select

from app.approvals.models import ApprovalEvent
from app.audit.models import AuditEvent
from app.files.models import EvidenceFile
from app.notifications.models import Notification
from tests.files import samples
from tests.files.helpers import other_vendor_headers, temporary_approval


def _submit(client: Any, headers: dict[str, str], slug: str, milestone: int, name: str | None = "data.pdf",
            content: bytes = samples.PDF, note: str | None = "Første dataudtræk") -> Any:
    # as a browser sends a form whose file field is left empty: a part with no file name
    files = {"file": (name or "", content if name is not None else b"", "application/pdf")}
    data = {"note": note} if note is not None else {}
    return client.post(f"/api/approvals/{slug}/milestones/{milestone}/evidence", headers=headers,
                       files=files, data=data)


def _file_count(db: Any) -> int:
    return db.scalar(select(func.count()).select_from(EvidenceFile))


def test_vendor_hands_in_evidence_and_the_approver_downloads_it(client: Any, auth: Any, db: Any) -> None:
    solution, milestone = temporary_approval(client, auth, db)
    r = _submit(client, auth("vendor"), solution.slug, milestone, name="../../Milepæl 1\r\n.pdf")
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["event"] == "submit_evidence" and body["reason"] == "Første dataudtræk"
    assert body["from_status"] == body["to_status"] == "temporarily_approved"
    [shown] = body["files"]
    assert shown["name"] == "Milepæl 1.pdf" and shown["kind"] == "pdf" and shown["size"] == len(samples.PDF)
    assert shown["sha256"] == hashlib.sha256(samples.PDF).hexdigest()

    case = client.get(f"/api/approvals/{solution.slug}", headers=auth("approver")).json()
    assert case["milestones"][0]["status"] == "pending"  # the approver decides whether it is met
    assert [f["id"] for f in case["files"]["milestones"][str(milestone)]] == [shown["id"]]
    assert case["history"][-1]["event"] == "submit_evidence"

    r = client.get(f"/api/approvals/{solution.slug}/files/{shown['id']}", headers=auth("approver"))
    assert r.status_code == 200 and r.content == samples.PDF
    assert r.headers["content-type"].startswith("application/pdf")
    assert r.headers["x-content-type-options"] == "nosniff"
    assert "attachment" in r.headers["content-disposition"]
    assert "filename*=UTF-8''Milep%C3%A6l%201.pdf" in r.headers["content-disposition"]
    db.expire_all()
    audited = db.scalars(select(AuditEvent).where(AuditEvent.entity_type == "evidence_file",
                                                  AuditEvent.entity_id == shown["id"])).all()
    assert audited and audited[0].action == "create"


def _evidence_mails(db: Any, solution_name: str) -> list[Notification]:
    db.expire_all()
    notes = db.scalars(select(Notification).where(Notification.kind == "milestone_evidence")).all()
    return [n for n in notes if n.context["solution_name"] == solution_name]


def test_the_approvers_are_told_of_evidence_handed_in_and_of_nothing_refused(client: Any, auth: Any,
                                                                              db: Any) -> None:
    solution, milestone = temporary_approval(client, auth, db)
    assert _submit(client, auth("vendor"), solution.slug, milestone, note="  ", name=None).status_code == 400
    assert _evidence_mails(db, solution.name) == []
    assert _submit(client, auth("vendor"), solution.slug, milestone).status_code == 201
    mails = _evidence_mails(db, solution.name)
    assert mails and {n.user.role for n in mails} == {"approver"}
    assert mails[0].context["path"] == f"/approvals/solutions/{solution.slug}"


def test_a_note_alone_is_evidence_but_nothing_is_not(client: Any, auth: Any, db: Any) -> None:
    solution, milestone = temporary_approval(client, auth, db)
    assert _submit(client, auth("vendor"), solution.slug, milestone, name=None).status_code == 201
    r = _submit(client, auth("vendor"), solution.slug, milestone, name=None, note="  ")
    assert r.status_code == 400 and r.json()["errors"]["rule"] == "D7" and "file" in r.json()["errors"]


def test_a_met_milestone_takes_no_more_evidence(client: Any, auth: Any, db: Any) -> None:
    solution, milestone = temporary_approval(client, auth, db)
    r = client.post(f"/api/approvals/{solution.slug}/events", headers=auth("approver"),
                    json={"event": "complete_milestone", "milestone_id": milestone,
                          "evidence_url": "https://example.dk/data"})
    assert r.status_code == 201, r.text
    r = _submit(client, auth("vendor"), solution.slug, milestone)
    assert r.status_code == 409 and r.json()["errors"]["rule"] == "M3"


@pytest.mark.parametrize(("name", "content", "says"), [
    ("rapport.pdf", samples.EXE, "is a program"),
    ("tom.pdf", b"", "is empty"),
    ("bombe.docx", samples.zip_bomb_docx(), "compressed"),
    ("tekst.pdf", b"plain words", "not a PDF"),
])
def test_hostile_files_are_refused_and_nothing_is_recorded(client: Any, auth: Any, db: Any, name: str,
                                                           content: bytes, says: str) -> None:
    solution, milestone = temporary_approval(client, auth, db)
    files_before = _file_count(db)
    r = _submit(client, auth("vendor"), solution.slug, milestone, name=name, content=content)
    assert r.status_code == 400, r.text
    assert says in r.json()["errors"]["file"] and name in r.json()["errors"]["file"]
    db.expire_all()
    assert _file_count(db) == files_before
    assert not db.scalars(select(ApprovalEvent).where(ApprovalEvent.solution_id == solution.id,
                                                      ApprovalEvent.kind == "submit_evidence")).all()


def test_a_request_far_over_the_limit_is_refused_before_it_is_read(client: Any, auth: Any, db: Any,
                                                                  app: Any) -> None:
    solution, milestone = temporary_approval(client, auth, db)
    too_big = b"%PDF-1.4\n" + b"0" * (app.state.settings.file_max_bytes + 512 * 1024)
    r = _submit(client, auth("vendor"), solution.slug, milestone, content=too_big)
    assert r.status_code == 413 and "25 MB" in r.json()["errors"]["file"]


def test_only_the_vendor_of_the_solution_and_approvers_see_the_files(client: Any, auth: Any, db: Any,
                                                                    app: Any) -> None:
    solution, milestone = temporary_approval(client, auth, db)
    file_id = _submit(client, auth("vendor"), solution.slug, milestone).json()["files"][0]["id"]
    url = f"/api/approvals/{solution.slug}/files/{file_id}"
    other = other_vendor_headers(app)
    for headers, status in ((auth("vendor"), 200), (auth("admin"), 200), (auth("approver"), 200),
                            (other, 403), (auth("org_reporter"), 403), (auth("assessor"), 403),
                            (auth("procurement"), 403), ({}, 401)):
        assert client.get(url, headers=headers).status_code == status, headers
    assert "files" not in str(client.get(f"/api/approvals/{solution.slug}", headers=other).json()["files"])
    assert client.get(f"/api/approvals/{solution.slug}", headers=other).json()["files"]["milestones"] == {}
    assert _submit(client, other, solution.slug, milestone).status_code == 403
    assert _submit(client, {}, solution.slug, milestone).status_code == 401
