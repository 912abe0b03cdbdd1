"""The assessor finds their work: "Mine vurderinger" in the header with a count, the
workplace page, and "Start vurdering" on the solution page."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.helpers import browser_login, screenshot

pytestmark = pytest.mark.browser


def test_my_assessments_from_the_solution_page_to_the_workplace(live_server: str, page: Any) -> None:
    browser_login(page, live_server, "assessor")
    page.goto(f"{live_server}/solutions/selfback")
    page.click("[data-testid=start-assessment]")
    page.select_option("#framework", "mast@2010")
    page.click("main form[action$='/assessments'] button[type=submit]")
    page.wait_for_url(re.compile(r"/assessments/\d+$"))
    aid = page.url.rsplit("/", 1)[1]
    link = page.locator("[data-testid=my-assessments]")
    assert link.inner_text().startswith("Mine vurderinger")
    link.locator(".count-badge").wait_for()
    link.click()
    page.wait_for_url(re.compile(r"/assessments/mine$"))
    drafts = page.locator("section#drafts")
    assert drafts.locator(f"a[href='/assessments/{aid}']").count() == 1
    assert "Kladde" in drafts.inner_text()
    screenshot(page, "workplace-desktop")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, "workplace-390")
