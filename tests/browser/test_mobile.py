"""A phone (390 × 844): no page scrolls sideways, the header folds into a menu, and on list
and search pages the results come first with the filters behind a "Filtre" button."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser.test_accessibility import audit
from tests.helpers import DEMO_PASSWORD, DEMO_USERS, screenshot

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}

PUBLIC = ["/", "/login", "/search?q=genoptr%C3%A6ning", "/search?q=genoptr%C3%A6ning&type=solution",
          "/solutions", "/solutions/selfback", "/projects", "/projects/ai-fraktur-herlev", "/needs",
          "/needs/svaer-overvaegt", "/vendors", "/organisations", "/organisations/municipality:169",
          "/frameworks", "/frameworks/naevnet-sundhedsapps/2024", "/benchmark",
          "/benchmark/organisations/municipality:169", "/benchmark/organisations/hospital:rigshospitalet",
          "/benchmark/regions/1084", "/register", "/reports", "/compare?solutions=selfback,liva,digirehab",
          "/solutions/selfback/overview"]
APPROVER = ["/approvals", "/approvals/solutions/selfback", "/solutions/selfback/assessments"]
ADMIN = ["/admin/frameworks", "/solutions/new", "/solutions/selfback/edit", "/projects/new",
         "/projects/ai-fraktur-herlev/edit", "/needs/new", "/vendors/new", "/benchmark/import", "/reports"]
REPORTER = ["/benchmark/import", "/benchmark/organisations/municipality:169"]

WIDTHS = "[document.documentElement.scrollWidth, window.innerWidth]"


@pytest.fixture()
def phone(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport=PHONE, locale="da-DK", has_touch=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    context.close()
    assert not errors, errors


def _log_in(page: Any, live_server: str, role: str) -> None:
    page.goto(f"{live_server}/login")
    page.get_by_label("E-mail").fill(DEMO_USERS[role])
    page.get_by_label("Adgangskode").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log ind").click()
    page.wait_for_load_state("networkidle")


def _too_wide(page: Any, live_server: str, paths: list[str]) -> list[str]:
    """The pages (with what sticks out) whose document is wider than the screen."""
    found = []
    for path in paths:
        response = page.goto(f"{live_server}{path}")
        assert response is not None and response.status == 200, path
        page.wait_for_load_state("networkidle")
        width, screen = page.evaluate(WIDTHS)
        if width > screen:
            wide = page.evaluate("""w => [...document.querySelectorAll('body *')]
                .filter(e => e.getBoundingClientRect().right > w)
                .slice(0, 5).map(e => e.tagName.toLowerCase() + (e.className ? '.' + e.className : ''))""", screen)
            found.append(f"{path}: {width} px > {screen} px ({', '.join(wide)})")
    return found


def _draft_assessment(client: Any, auth: Any) -> int:
    """A Nævnet draft by the demo assessor with the scope and two answers given."""
    headers = auth("assessor")
    response = client.post("/api/assessments", headers=headers, json={
        "solution_id": "selfback", "framework_id": "naevnet-sundhedsapps", "framework_version": "2024"})
    assert response.status_code == 201, response.text
    aid: int = response.json()["id"]
    assert client.put(f"/api/assessments/{aid}/scope", headers=headers,
                      json={"answers": {"Q1": "no"}}).status_code == 200
    response = client.put(f"/api/assessments/{aid}/answers/N1.1", headers=headers, json={
        "value": "rct", "comment": "https://eksempel.dk/dokumentation/studier/randomiseret-kontrolleret-forsoeg"})
    assert response.status_code == 200, response.text
    return aid


def test_no_page_is_wider_than_a_phone(phone: Any, live_server: str) -> None:
    too_wide = _too_wide(phone, live_server, PUBLIC)
    phone.goto(f"{live_server}/register")
    entry = phone.locator("a[href^='/register/BT-']").first.get_attribute("href")
    assert entry, "the demo data has a register entry"
    too_wide += _too_wide(phone, live_server, [entry])
    assert not too_wide, "\n".join(too_wide)


@pytest.mark.parametrize(("role", "paths"), [("approver", APPROVER), ("admin", ADMIN),
                                             ("org_reporter", REPORTER)])
def test_no_staff_page_is_wider_than_a_phone(phone: Any, live_server: str, role: str,
                                             paths: list[str]) -> None:
    _log_in(phone, live_server, role)
    too_wide = _too_wide(phone, live_server, paths)
    assert not too_wide, "\n".join(too_wide)


def test_the_assessment_form_fits_a_phone(phone: Any, live_server: str, client: Any, auth: Any) -> None:
    aid = _draft_assessment(client, auth)
    _log_in(phone, live_server, "assessor")
    paths = [f"/assessments/{aid}", f"/assessments/{aid}/result", "/assessments/mine",
             "/solutions/selfback/assessments"]
    too_wide = _too_wide(phone, live_server, paths)
    assert not too_wide, "\n".join(too_wide)
    phone.goto(f"{live_server}/assessments/{aid}")
    audit(phone, "phone-assessment-form")


@pytest.mark.parametrize("path", ["/", "/search?q=genoptr%C3%A6ning", "/solutions/selfback", "/benchmark",
                                  "/register"])
def test_phone_pages_pass_the_accessibility_audit(phone: Any, live_server: str, path: str) -> None:
    phone.goto(f"{live_server}{path}")
    phone.wait_for_load_state("networkidle")
    audit(phone, "phone" + path.split("?")[0].replace("/", "-").rstrip("-"))
    phone.get_by_role("button", name="Menu").click()
    audit(phone, "phone-menu" + path.split("?")[0].replace("/", "-").rstrip("-"))


def test_the_menu_opens_and_closes_with_the_keyboard(phone: Any, live_server: str) -> None:
    from playwright.sync_api import expect

    _log_in(phone, live_server, "assessor")
    phone.goto(f"{live_server}/solutions/selfback")
    button = phone.get_by_role("button", name="Menu")
    nav = phone.get_by_role("navigation", name="Hovedmenu")
    expect(button).to_have_attribute("aria-expanded", "false")
    expect(nav).to_be_hidden()
    button.focus()
    phone.keyboard.press("Enter")
    expect(button).to_have_attribute("aria-expanded", "true")
    expect(nav).to_be_visible()
    mine = phone.locator("[data-testid=my-assessments]")
    expect(mine).to_be_visible()
    expect(mine.locator(".count-badge")).to_be_visible()
    expect(phone.get_by_role("link", name="English")).to_be_visible()
    expect(phone.get_by_role("button", name="Log ud")).to_be_visible()
    expect(phone.locator("#header-q")).to_be_visible()
    assert phone.evaluate(WIDTHS)[0] <= PHONE["width"]
    screenshot(phone, "phone-menu-open")
    phone.keyboard.press("Tab")
    phone.keyboard.press("Escape")
    expect(button).to_have_attribute("aria-expanded", "false")
    expect(button).to_be_focused()
    expect(nav).to_be_hidden()
    phone.keyboard.press("Space")
    expect(nav).to_be_visible()
    mine.click()
    phone.wait_for_url("**/assessments/mine")


def test_the_desktop_header_has_no_menu_button(page: Any, live_server: str) -> None:
    from playwright.sync_api import expect

    page.goto(f"{live_server}/")
    expect(page.get_by_role("button", name="Menu")).to_be_hidden()
    expect(page.get_by_role("navigation", name="Hovedmenu")).to_be_visible()
    expect(page.locator("#header-q")).to_be_visible()


def test_without_script_the_menu_and_filters_stay_open(browser: Any, live_server: str) -> None:
    context = browser.new_context(viewport=PHONE, locale="da-DK", java_script_enabled=False)
    page = context.new_page()
    try:
        for path in ("/", "/solutions"):
            page.goto(f"{live_server}{path}")
            assert page.get_by_role("navigation", name="Hovedmenu").is_visible()
            assert not page.get_by_role("button", name="Menu").is_visible()
            assert page.evaluate(WIDTHS)[0] <= PHONE["width"], path
        assert page.locator("#filter-q").is_visible()
    finally:
        context.close()


def _top(locator: Any) -> float:
    box = locator.bounding_box()
    assert box is not None
    return float(box["y"])


def test_search_results_come_before_the_facets_on_a_phone(phone: Any, live_server: str) -> None:
    from playwright.sync_api import expect

    phone.goto(f"{live_server}/search?q=genoptr%C3%A6ning")
    first_hit = phone.locator("#search-results .hit").first
    facets = phone.locator("#search-results fieldset.facet")
    toggle = phone.get_by_role("button", name="Filtre")
    expect(first_hit).to_be_visible()
    expect(facets.first).to_be_hidden()
    assert _top(first_hit) < PHONE["height"], "the first result is on the first screen"
    screenshot(phone, "phone-search")
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(facets.first).to_be_visible()
    screenshot(phone, "phone-search-filters")
    # choosing a facet swaps the results and the facets in; the filters stay open
    facets.first.locator("input[type=checkbox]").first.check()
    phone.wait_for_url("**type=*")
    phone.wait_for_load_state("networkidle")
    expect(phone.get_by_role("button", name="Filtre")).to_have_attribute("aria-expanded", "true")
    expect(facets.first).to_be_visible()
    toggle.click()
    expect(facets.first).to_be_hidden()


def test_list_results_come_before_the_filters_on_a_phone(phone: Any, live_server: str) -> None:
    from playwright.sync_api import expect

    for path in ("/solutions", "/needs", "/register"):
        phone.goto(f"{live_server}{path}")
        results = phone.locator("#results table").first
        field = phone.locator("form.filters .field").first
        expect(results).to_be_visible()
        expect(field).to_be_hidden()
        phone.get_by_role("button", name="Filtre").click()
        expect(field).to_be_visible()
        assert _top(phone.get_by_role("button", name="Filtre")) < _top(results)
    screenshot(phone, "phone-register-filters")


def test_facets_stand_beside_the_results_on_a_desktop(page: Any, live_server: str) -> None:
    from playwright.sync_api import expect

    page.set_viewport_size(DESKTOP)
    page.goto(f"{live_server}/search?q=genoptr%C3%A6ning")
    facets = page.locator("#search-results .facets")
    hits = page.locator("#search-results .search-hits")
    expect(page.get_by_role("button", name="Filtre")).to_be_hidden()
    expect(page.locator("#search-results fieldset.facet").first).to_be_visible()
    facet_box, hit_box = facets.bounding_box(), hits.bounding_box()
    assert facet_box and hit_box and facet_box["x"] + facet_box["width"] <= hit_box["x"]
    assert abs(facet_box["y"] - hit_box["y"]) < 5, "side by side, not stacked"
    page.goto(f"{live_server}/solutions")
    expect(page.locator("#filter-q")).to_be_visible()
    expect(page.get_by_role("heading", name="Filtrér")).to_be_visible()
