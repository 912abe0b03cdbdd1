"""Browser journey: an assessor uploads a completed DTAC form on the solution's assessments
page and sees what was imported and what could not be mapped; then a bad file is refused
on the assessment page with the reason beside the upload."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.assessment.dtac_forms import SAMPLE_NAME, dtac_docx, sample_odt
from tests.helpers import browser_login, screenshot

pytestmark = pytest.mark.browser


def test_upload_a_completed_dtac_form(live_server: str, page: Any, tmp_path: Path) -> None:
    form = tmp_path / SAMPLE_NAME
    form.write_bytes(sample_odt())
    browser_login(page, live_server, "assessor")
    page.goto(f"{live_server}/solutions/selfback/assessments")
    page.set_input_files("#import-file", str(form))
    page.click("section.import-form button[type=submit]")
    page.wait_for_url(re.compile(r"/assessments/\d+/imports/\d+$"))
    assert "48 svar blev importeret" in page.locator("#import-summary").inner_text()
    rows = page.locator("#unmapped tbody tr")
    assert rows.count() == 7
    assert rows.nth(6).locator("th").inner_text().strip() == "D1.2"
    assert "User journeys to follow" in rows.nth(6).inner_text()
    screenshot(page, "form-import-01-result")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, "form-import-02-result-390")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    page.set_viewport_size({"width": 1280, "height": 900})
    # the code links to the question on the assessment form, which names the import
    rows.nth(6).locator("th a").click()
    page.wait_for_url(re.compile(r"/assessments/\d+#c-D1_2$"))
    assert SAMPLE_NAME in page.locator("#latest-import").inner_text()
    wrong = tmp_path / "renamed.odt"
    wrong.write_bytes(dtac_docx({"C1.1": "Yes"}))
    page.set_input_files("#import-file", str(wrong))
    page.click("section.import-form button[type=submit]")
    page.wait_for_load_state("networkidle")
    error = page.locator("#import-error").inner_text()
    assert "renamed.odt: er et Word-dokument (DOCX) med endelsen .odt" in error
    screenshot(page, "form-import-03-refused")
