"""The evidence forms and lists on the approval case page: the vendor hands in a file, the
approver sees it (Danish size and date) and downloads it; refusals name the field in Danish."""

from __future__ import annotations

from typing import Any

from tests.files import samples
from tests.files.helpers import temporary_approval
from tests.helpers import login


def _hand_in(client: Any, slug: str, milestone: int, name: str, content: bytes, note: str = "") -> Any:
    token = client.cookies.get("csrftoken", "")
    return client.post(f"/approvals/solutions/{slug}/evidence", follow_redirects=False,
                       data={"milestone_id": str(milestone), "note": note, "_csrf_token": token},
                       files={"file": (name, content, "application/octet-stream")})


def test_vendor_hands_in_on_the_page_and_the_approver_downloads(client: Any, auth: Any, db: Any) -> None:
    solution, milestone = temporary_approval(client, auth, db)
    login(client, "vendor")
    page = client.get(f"/approvals/solutions/{solution.slug}")
    assert page.status_code == 200 and 'id="form-submit_evidence"' in page.text
    assert "Aflever evidens for en milepæl" in page.text and "højst 25 MB" in page.text
    big_enough = samples.PDF + b"%" * 1_234_000
    r = _hand_in(client, solution.slug, milestone, "Dataudtræk juni.pdf", big_enough, "Se side 3")
    assert r.status_code == 303, r.text

    login(client, "approver")
    page = client.get(f"/approvals/solutions/{solution.slug}").text
    assert "Dataudtræk juni.pdf" in page and "1,2 MB" in page and "Evidens afleveret" in page
    assert "Se side 3" in page
    link = page.split('href="/approvals/solutions/')[1].split('"')[0]
    r = client.get(f"/approvals/solutions/{link}")
    assert r.status_code == 200 and r.content == big_enough
    assert r.headers["x-content-type-options"] == "nosniff"

    login(client, "org_reporter")  # sees the case, not the evidence
    page = client.get(f"/approvals/solutions/{solution.slug}").text
    assert "Dataudtræk juni.pdf" not in page and "Se side 3" not in page
    assert client.get(f"/approvals/solutions/{link}").status_code == 403


def test_a_renamed_program_is_refused_in_danish_naming_the_field(client: Any, auth: Any, db: Any) -> None:
    solution, milestone = temporary_approval(client, auth, db)
    login(client, "vendor")
    client.get(f"/approvals/solutions/{solution.slug}")
    r = _hand_in(client, solution.slug, milestone, "faktura.pdf", samples.EXE)
    assert r.status_code == 400
    assert "Fil: faktura.pdf er et program" in r.text
    assert "Dataudtræk" not in r.text


def test_anonymous_is_sent_to_log_in(client: Any, auth: Any, db: Any) -> None:
    solution, _milestone = temporary_approval(client, auth, db)
    client.cookies.clear()
    r = client.get(f"/approvals/solutions/{solution.slug}/files/1", follow_redirects=False)
    assert r.status_code in (302, 303) and "/login" in r.headers["location"]
