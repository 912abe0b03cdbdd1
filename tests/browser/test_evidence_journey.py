"""A vendor hands in a file as evidence for its temporary approval's milestone in a real
browser; the approvers get a mail (sent by `notify send`'s sender to a real SMTP server);
the approver follows its link, logs in, sees the evidence on the case page and downloads it."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar

from app.notifications.config import MailSettings, SmtpServer
from app.notifications.sender import Sender
from app.notifications.transport import SmtpTransport
from tests.conftest import DEMO_USERS, _free_port
from tests.files import samples
from tests.files.helpers import temporary_approval
from tests.helpers import browser_login, screenshot
from tests.notifications.smtp_server import PASSWORD, USER, client_tls, make_certificate, smtp_server

pytestmark = pytest.mark.browser

EVIDENCE = samples.PDF + b"% delrapport\n" * 20_000


def _mailed_link(app: Litestar, base_url: str, tmp_path: Path, address: str, solution_name: str) -> str:
    """Send the pending mail through a real SMTP server; the link in the approver's mail."""
    cert, port = make_certificate(tmp_path), _free_port()
    server = SmtpServer("smtp", "127.0.0.1", port, USER, PASSWORD)
    sender = Sender(app.state.session_factory, SmtpTransport(server, timeout=5, tls=client_tls(cert)),
                    MailSettings(smtp=server, mail_from="Blåstempel <noreply@blaastempel.example.dk>"), base_url)
    with smtp_server(port, cert) as inbox:
        sender.run()
    [mail] = [m for m in inbox.to(address) if str(m["Subject"]).startswith(f"Evidens indsendt for {solution_name}:")]
    assert str(mail["Subject"]) == f"Evidens indsendt for {solution_name}: Første data"
    body = mail.get_content()
    assert "Vurder, om milepælen er opfyldt." in body
    link = re.search(rf"{re.escape(base_url)}/approvals/solutions/\S+", body)
    assert link is not None, body
    return link.group(0)


def test_vendor_hands_in_evidence_and_the_approver_downloads_it(page: Any, live_server: str, client: Any,
                                                               auth: Any, db: Any, tmp_path: Path,
                                                               app: Litestar) -> None:
    from playwright.sync_api import expect

    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    solution, _milestone = temporary_approval(client, auth, db)
    case_url = f"{live_server}/approvals/solutions/{solution.slug}"

    browser_login(page, live_server, "vendor")
    page.goto(case_url)
    form = page.locator("#form-submit_evidence")
    form.get_by_label("Fil (valgfri)").set_input_files(
        {"name": "Delrapport milepæl 1.pdf", "mimeType": "application/pdf", "buffer": EVIDENCE})
    form.get_by_label("Note (valgfri)").fill("Delrapporten om rekruttering")
    form.get_by_role("button", name="Aflever evidensen").click()
    plan = page.locator("section[aria-labelledby=plan-heading]")
    expect(plan.get_by_role("link", name="Delrapport milepæl 1.pdf")).to_be_visible()
    expect(plan).to_contain_text("260 kB")
    screenshot(page, "evidence-vendor")

    assert _mailed_link(app, live_server, tmp_path, DEMO_USERS["approver"], solution.name) == case_url
    page.context.clear_cookies()
    browser_login(page, live_server, "approver")
    page.goto(case_url)
    history = page.locator("section[aria-labelledby=history-heading]")
    expect(history).to_contain_text("Evidens afleveret")
    expect(history).to_contain_text("Delrapporten om rekruttering")
    with page.expect_download() as download_info:
        page.locator("section[aria-labelledby=plan-heading]").get_by_role(
            "link", name="Delrapport milepæl 1.pdf").click()
    download = download_info.value
    assert download.suggested_filename == "Delrapport milepæl 1.pdf"
    saved = tmp_path / "downloaded.pdf"
    shutil.copy(download.path(), saved)
    assert saved.read_bytes() == EVIDENCE
    screenshot(page, "evidence-approver")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(case_url)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(page, "evidence-approver-390")
    assert not errors


def test_an_assessor_attaches_a_file_to_an_answer(page: Any, live_server: str, client: Any, auth: Any) -> None:
    from playwright.sync_api import expect

    r = client.post("/api/assessments", headers=auth("assessor"), json={
        "solution_id": "selfback", "framework_id": "blaastempel-dk", "framework_version": "1.0"})
    assert r.status_code == 201, r.text
    browser_login(page, live_server, "assessor")
    page.goto(f"{live_server}/assessments/{r.json()['id']}")
    files = page.locator("#c-BT1_3-files")
    files.get_by_text("Vedhæft en fil").click()
    files.get_by_label("Fil", exact=True).set_input_files(
        {"name": "Risikovurdering.xlsx", "mimeType": "application/octet-stream", "buffer": samples.xlsx_bytes()})
    files.get_by_role("button", name="Upload").click()
    files = page.locator("#c-BT1_3-files")
    expect(files.get_by_role("link", name="Risikovurdering.xlsx")).to_be_visible()
    files.scroll_into_view_if_needed()
    page.screenshot(path=str(screenshot(page, "answer-files").with_name("answer-files-viewport.png")))
