"""Saving a search in a real browser: from the search page's "Gem søgning" to the list of
saved searches, a refused empty name beside its field, and both pages on a phone."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import delete
from sqlalchemy.orm import Session

from app.accounts.services import user_by_email
from app.notifications.models import SavedSearch
from tests.browser.test_accessibility import audit
from tests.helpers import DEMO_USERS, browser_login, screenshot

pytestmark = pytest.mark.browser


@pytest.fixture()
def clean(db: Session) -> Iterator[None]:
    yield
    user = user_by_email(db, DEMO_USERS["procurement"])
    db.rollback()
    db.execute(delete(SavedSearch).where(SavedSearch.user_id == user.id))
    db.commit()


def _widest(page: Any) -> float:
    return float(page.evaluate("() => Math.max(...[...document.querySelectorAll('main, main *')]"
                               ".map(e => e.getBoundingClientRect().right))"))


def test_save_a_search_and_find_it_on_the_list(live_server: str, page: Any, clean: None) -> None:
    browser_login(page, live_server, "procurement")
    page.goto(f"{live_server}/search?q=KOL&lang=da")
    with page.expect_navigation():
        page.get_by_role("link", name="Gem søgning").click()
    assert page.locator("#f-name").input_value() == "KOL"
    page.fill("#f-name", " ")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert "giv søgningen et navn" in page.locator("#f-name-error").inner_text()
    audit(page, "saved-search-new")
    screenshot(page, "saved-search-new-error")
    page.fill("#f-name", "KOL-løsninger")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert page.url.endswith("/account/searches?done=saved")
    item = page.locator(".saved-search")
    assert "KOL-løsninger" in item.inner_text() and "Besked slået til" in item.inner_text()
    audit(page, "saved-searches")
    screenshot(page, "saved-searches-da-desktop")
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    assert _widest(page) <= 390
    screenshot(page, "saved-searches-da-390")
    page.goto(f"{live_server}/account/searches?lang=en")
    assert "Switch alerts off" in page.locator(".saved-search").inner_text()
    assert _widest(page) <= 390
    screenshot(page, "saved-searches-en-390")
    page.goto(f"{live_server}/account/searches/new?q=KOL&purpose=treatment&lang=da")
    assert _widest(page) <= 390
    screenshot(page, "saved-search-new-da-390")
    page.goto(f"{live_server}/search?q=KOL&lang=da")
    screenshot(page, "search-with-save-da-390")
