"""A buyer's facts filled in through the solution's edit form in a real browser: a price with
Danish decimals and a study are stored as meant and shown on the page in Danish; a bad DOI is
refused beside its field with nothing saved."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.helpers import browser_login, screenshot

pytestmark = pytest.mark.browser


def _save(page: Any) -> None:
    with page.expect_navigation():
        page.click("main form.form button[type=submit]")


def test_edit_form_stores_danish_decimals_and_a_study(live_server: str, page: Any) -> None:
    browser_login(page, live_server, "procurement")
    page.goto(f"{live_server}/solutions/digirehab/edit?lang=da")
    page.fill("#f-price_dkk", "1.250,50")
    page.select_option("#f-price_unit", "per_citizen_per_year")
    page.select_option("#f-free_for_municipalities", "false")
    page.fill("#f-indications", "R26, DR54")
    row = "#f-studies-0-"
    page.select_option(f"{row}design", "cohort")
    page.fill(f"{row}participants", "1.200")
    page.fill(f"{row}year", "2024")
    page.fill(f"{row}country", "dk")
    page.fill(f"{row}main_result", "Færre plejetimer (demo)")
    page.fill(f"{row}doi", "ikke-en-doi")
    _save(page)
    error = page.locator(f"{row}doi-error")
    assert error.is_visible() and "ikke en DOI" in error.inner_text()
    assert page.locator("#f-price_dkk").input_value() == "1.250,50"  # kept as typed
    assert "Studie 1: DOI" in page.locator("#error-summary").inner_text()

    page.fill(f"{row}doi", "")
    _save(page)
    assert re.search(r"/solutions/digirehab$", page.url)
    facts = page.locator("[data-testid=buyer-facts]")
    text = facts.inner_text()
    assert "1.250,50 kr. pr. borger pr. år" in text and "Gratis for kommuner\nNej" in text
    assert "R54 Alderdomssvækkelse" in text and "Kohorteundersøgelse" in text
    assert "1.200 deltagere" in text and "Danmark, 2024" in text
    page.goto(f"{live_server}/solutions/digirehab/edit")
    assert page.locator("#f-price_dkk").input_value() == "1.250,50"
    assert page.locator(f"{row}participants").input_value() == "1.200"


@pytest.mark.parametrize("lang", ["da", "en"])
def test_buyer_facts_fit_a_phone(live_server: str, page: Any, lang: str) -> None:
    page.goto(f"{live_server}/lang/{lang}?next=/solutions/selfback")
    facts = page.locator("[data-testid=buyer-facts]")
    assert ("Facts for buyers" if lang == "en" else "Fakta for indkøbere") in facts.inner_text()
    screenshot(page, f"solution-buyer-facts-{lang}-desktop")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server}/solutions/liva")
    widest = page.evaluate("""() => Math.max(...[...document.querySelectorAll(
        '[data-testid=buyer-facts], [data-testid=buyer-facts] *')].map(e => e.getBoundingClientRect().right))""")
    assert widest <= 390, widest
    screenshot(page, f"solution-buyer-facts-{lang}-390")
