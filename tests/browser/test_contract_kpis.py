"""Contract KPIs on a solution's page, the report form and the import, as a person sees
them: on a desktop and on a phone (390 px) nothing scrolls sideways, axe finds no serious
violation; screenshots for a look."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.test_accessibility import audit
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
    audit(page, f"contract-kpis-{width}")
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
    audit(page, "contract-kpis-form-390")
    context.close()


def test_the_import_report(page: Any, live_server: str) -> None:
    browser_login(page, live_server, "org_reporter")
    page.goto(f"{live_server}/kpis/import")
    page.set_input_files("#import-file", files=[{"name": "kpis.csv", "mimeType": "text/csv", "buffer": (
        b"solution;organisation;kpi;measured_on;value\nselfback;municipality:169;nps;2026-10-20;7\n")}])
    page.click("main button[type=submit]")
    page.wait_for_selector("#import-errors")
    assert "ukendt KPI" in page.locator("#import-errors").inner_text()
    screenshot(page, "contract-kpis-import")
    audit(page, "contract-kpis-import")
