"""Contract KPIs on a solution's page and the report form, as a person sees them: on a
desktop and on a phone (390 px) nothing scrolls sideways; screenshots for a look."""

from __future__ import annotations

from typing import Any

import pytest

from tests.helpers import browser_login, screenshot

pytestmark = pytest.mark.browser

WIDTHS = "[document.documentElement.scrollWidth, window.innerWidth]"


@pytest.mark.parametrize("width", [1280, 390])
def test_kpis_on_the_solution_page(browser: Any, live_server: str, width: int) -> None:
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="da-DK")
    page = context.new_page()
    page.goto(f"{live_server}/solutions/kol-telemedicin")
    page.wait_for_selector("#kpis-heading")
    section = page.locator(".contract-kpis")
    assert "Resultatmål i kontrakter" in section.inner_text()
    assert "Lovet i vurderingen" in section.inner_text()
    width_used, screen = page.evaluate(WIDTHS)
    assert width_used <= screen
    section.scroll_into_view_if_needed()
    screenshot(page, f"contract-kpis-{width}")
    context.close()


def test_the_report_form_on_a_phone(browser: Any, live_server: str) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="da-DK")
    page = context.new_page()
    browser_login(page, live_server, "vendor")
    page.goto(f"{live_server}/solutions/selfback/kpis/report")
    page.select_option("#f-kpi", "uptime")
    page.fill("#f-measured_on", "1.1.2024")
    page.fill("#f-value", "99,9")
    page.click("main button[type=submit]")
    page.wait_for_selector("#f-measured_on-error")
    assert "uden for kontrakten" in page.locator("#f-measured_on-error").inner_text()
    width_used, screen = page.evaluate(WIDTHS)
    assert width_used <= screen
    screenshot(page, "contract-kpis-form-390")
    context.close()
