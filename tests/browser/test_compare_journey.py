"""Pick two solutions in the search results, compare them, and open the comparison again
from its URL (Debian chromium). Also the solution page's buyer overview as HTMX loads it."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.helpers import screenshot

pytestmark = pytest.mark.browser


def _compared(page: Any) -> list[str]:
    return page.locator("#compare-table thead th a").all_inner_texts()


def test_pick_two_from_search_results_and_compare(page: Any, live_server: str) -> None:
    from playwright.sync_api import expect

    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{live_server}/search?q=genoptr%C3%A6ning&type=solution")
    picks = page.locator("#search-results input.compare-pick")
    expect(picks.first).to_be_visible()
    url_before = page.url
    picks.nth(0).check()
    picks.nth(1).check()
    page.wait_for_timeout(400)  # a click on a pick must not start a search (which would clear the picks)
    assert page.url == url_before and picks.nth(0).is_checked() and picks.nth(1).is_checked()
    chosen = [picks.nth(i).get_attribute("value") for i in (0, 1)]
    page.get_by_test_id("compare-submit").click()
    page.wait_for_url(re.compile(r"/compare\?"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Sammenlign løsninger")
    names = _compared(page)
    assert len(names) == 2
    rows = page.locator("#compare-table tbody tr").count()
    screenshot(page, "compare-1-desktop")

    link = page.locator("#compare-link").get_attribute("href")
    assert link == f"/compare?solutions={chosen[0]}%2C{chosen[1]}"
    page.goto(f"{live_server}{link}")
    assert _compared(page) == names and page.locator("#compare-table tbody tr").count() == rows
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, width
    screenshot(page, "compare-2-390px")
    assert not errors, errors


def test_solution_page_loads_assessments_approval_and_use(page: Any, live_server: str) -> None:
    from playwright.sync_api import expect

    page.goto(f"{live_server}/solutions/selfback")
    expect(page.get_by_role("heading", name="Hvor den er i brug")).to_be_visible()
    in_use = page.request.get(f"{live_server}/api/solutions/selfback/adoption").json()["in_use"]
    expect(page.locator(".in-use-count")).to_contain_text(re.compile(rf"I brug hos {in_use} organisation"))
    expect(page.locator("#buyer-overview")).to_contain_text("Overskredet")
    screenshot(page, "solution-selfback-buyer")
