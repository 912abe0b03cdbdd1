"""Search as you type, narrow by two facets, open a result (Debian chromium)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.helpers import screenshot

pytestmark = pytest.mark.browser


def test_search_as_you_type_with_two_facets(page: Any, live_server: str) -> None:
    from playwright.sync_api import expect

    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{live_server}/solutions")
    page.get_by_label("Søg i løsninger, projekter og behov").fill("genoptræning")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/search\?q="))
    box = page.get_by_label("Søg efter", exact=True)
    box.fill("")
    box.type("genoptræn", delay=40)
    page.wait_for_url(re.compile(r"q=genoptr%C3%A6n(&|$)"))
    expect(page.locator("#search-results mark").first).to_be_visible()
    screenshot(page, "search-1-typed")

    page.locator("fieldset", has=page.locator("legend", has_text="Type")) \
        .get_by_label(re.compile(r"^Løsning")).check()
    page.wait_for_url(re.compile(r"type=solution"))
    purpose = page.locator("fieldset", has=page.locator("legend", has_text="Formål"))
    purpose.locator("input[type=checkbox]").first.check()
    page.wait_for_url(re.compile(r"purpose="))
    expect(page.locator("#search-results .hit").first).to_be_visible()
    assert page.locator("#search-results input[name=type]:checked").count() == 1
    assert page.locator("#search-results input[name=purpose]:checked").count() == 1
    screenshot(page, "search-2-two-facets")

    first = page.locator("#search-results .hit-title").first
    title = first.inner_text()
    first.click()
    page.wait_for_url(re.compile(r"/solutions/"))
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    screenshot(page, "search-3-opened")
    page.go_back()
    page.wait_for_url(re.compile(r"purpose="))
    assert not errors, errors
