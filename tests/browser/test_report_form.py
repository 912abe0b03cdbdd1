"""The report form finds a solution by its name: typing "SelfBack" suggests it, picking it
fills in the solution behind the scenes, and the PDF made is SelfBack's."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from pypdf import PdfReader

from tests.helpers import browser_login, screenshot

pytestmark = pytest.mark.browser


def test_type_selfback_pick_it_and_get_its_report(live_server: str, page: Any) -> None:
    browser_login(page, live_server, "approver")
    page.goto(f"{live_server}/reports")
    field = page.locator("#assessment-solution")
    field.press_sequentially("Self", delay=30)
    page.locator("#assessment-solution-options option[value='SelfBack']").wait_for(state="attached")
    field.fill("SelfBack")  # what choosing the suggestion does: the field holds its name
    page.wait_for_function("() => document.getElementById('assessment-solution-id').value !== ''")
    screenshot(page, "report-form-selfback")
    page.locator("#report-assessment button[type=submit]").click()
    page.wait_for_url(re.compile(r"/reports/jobs/[0-9a-f]{32}$"))
    link = page.locator("a[href$='/download']")
    link.wait_for(timeout=120_000)
    response = page.request.get(live_server + link.get_attribute("href"))
    assert response.ok
    text = "\n".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(response.body())).pages)
    assert "Vurderingsrapport" in text and "SelfBack" in text
