"""Nothing a person types is silently changed or dropped: numbers typed the Danish or the
English way are stored as meant, what cannot be stored is refused beside its field with
the typed text still on screen, and "Gemt" shows only for what the server stored."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.helpers import browser_login, screenshot

pytestmark = pytest.mark.browser


def _start(page: Any, base: str) -> str:
    page.goto(f"{base}/solutions/selfback/assessments")
    page.select_option("#framework", "blaastempel-dk@1.0")
    page.click("main form[action$='/assessments'] button[type=submit]")
    page.wait_for_url(re.compile(r"/assessments/\d+$"))
    return str(page.url)


def _type(page: Any, selector: str, text: str) -> None:
    """Types like a person (key by key) and leaves the field, which saves it."""
    field = page.locator(selector)
    field.fill("")
    field.press_sequentially(text)
    with page.expect_response(lambda r: "/answers/" in r.url):
        field.press("Tab")


def _stored(page: Any, url: str, selector: str) -> str:
    page.goto(url)
    return str(page.locator(selector).input_value())


NUMBER = "#c-BT2_2-value"


@pytest.mark.parametrize(("lang", "typed", "shown"), [
    ("da", "1,5", "1,5"), ("da", "1.234,5", "1.234,5"), ("da", "1.5", "1,5"),
    ("en", "1.5", "1.5"), ("en", "1,234.5", "1,234.5"), ("en", "1,5", "1.5"),
])
def test_a_number_is_stored_as_typed_in_either_language(live_server: str, page: Any, lang: str,
                                                        typed: str, shown: str) -> None:
    browser_login(page, live_server, "assessor")
    url = _start(page, live_server) + f"?lang={lang}"
    page.goto(url)
    _type(page, NUMBER, typed)
    form = page.locator("#c-BT2_2")
    form.locator(".saved").wait_for()  # the saved form is swapped in just after the response
    assert form.locator(".field-error").count() == 0
    assert _stored(page, url, NUMBER) == shown


def test_a_refused_number_stays_on_screen_with_the_reason_and_no_saved_mark(
        live_server: str, page: Any) -> None:
    browser_login(page, live_server, "assessor")
    url = _start(page, live_server)
    _type(page, NUMBER, "2,5")
    _type(page, NUMBER, "-3")
    form = page.locator("#c-BT2_2")
    error = form.locator("#c-BT2_2-value-error")
    error.wait_for()
    assert error.is_visible() and "Ikke gemt" in error.inner_text() and "-3" in error.inner_text()
    assert page.locator(NUMBER).input_value() == "-3"
    assert page.locator(NUMBER).get_attribute("aria-invalid") == "true"
    assert form.locator(".saved").count() == 0  # no "✓ Gemt" for what was not stored
    screenshot(page, "typed-refused-number-desktop")
    page.set_viewport_size({"width": 390, "height": 844})
    form.scroll_into_view_if_needed()
    form.screenshot(path=str(screenshot(page, "typed-refused-number-390").with_name(
        "typed-refused-number-390-criterion.png")))
    for text in ("abc", "1,2,3"):
        _type(page, NUMBER, text)
        page.wait_for_function("t => (document.querySelector('#c-BT2_2-value-error') || {}).innerText"
                               "?.includes(t)", arg=text)
        assert "er ikke et tal" in page.locator("#c-BT2_2-value-error").inner_text() or \
            "kan ikke læses" in page.locator("#c-BT2_2-value-error").inner_text()
        assert page.locator(NUMBER).input_value() == text
    assert _stored(page, url, NUMBER) == "2,5"  # the stored answer is untouched


def test_an_invalid_evidence_link_keeps_the_comment_and_says_why(live_server: str, page: Any) -> None:
    browser_login(page, live_server, "assessor")
    url = _start(page, live_server)
    form = page.locator("#c-BT2_1")
    with page.expect_response(lambda r: "/answers/BT2.1" in r.url):
        form.locator("input[value=yes]").check()
    form.locator("summary", has_text="Kommentar").click()
    form.locator("[name=comment]").fill("Målt i pilotprojektet i Aarhus")
    with page.expect_response(lambda r: "/answers/BT2.1" in r.url):  # leaving it saves it
        form.locator("[name=comment]").press("Tab")
    _type(page, "#c-BT2_1-evidence", "www.eksempel.dk/rapport")
    assert form.locator("[name=comment]").input_value() == "Målt i pilotprojektet i Aarhus"
    assert form.locator("#c-BT2_1-evidence").input_value() == "www.eksempel.dk/rapport"
    error = form.locator("#c-BT2_1-evidence-error")
    error.wait_for()
    assert error.is_visible() and "http(s)-link" in error.inner_text()
    assert form.locator(".saved").count() == 0
    screenshot(page, "typed-refused-link")
    _type(page, "#c-BT2_1-evidence", "https://eksempel.dk/rapport")
    form.locator(".saved").wait_for()
    assert form.locator(".saved").is_visible() and form.locator(".field-error").count() == 0
    page.goto(url)
    assert page.locator("#c-BT2_1-comment").input_value() == "Målt i pilotprojektet i Aarhus"
    assert page.locator("#c-BT2_1-evidence").input_value() == "https://eksempel.dk/rapport"


def test_catalogue_numbers_are_read_as_typed_or_refused(live_server: str, page: Any) -> None:
    browser_login(page, live_server, "procurement")
    page.goto(f"{live_server}/needs/new")
    page.fill("#f-title", "Behov for hjemmemonitorering af KOL")
    page.fill("#f-description", "Borgere med KOL skal kunne måle iltmætning hjemme.")
    if not page.locator("#f-organisation_id").input_value():
        page.select_option("#f-organisation_id", index=1)
    page.fill("#f-affected_patients", "1.500,5")
    page.click("main form button[type=submit]")
    assert page.locator("#f-affected_patients").input_value() == "1.500,5"  # refused: not whole
    assert page.locator(".has-error #f-affected_patients").count() == 1
    assert page.locator(".has-error").count() == 1
    page.fill("#f-affected_patients", "abc")
    page.click("main form button[type=submit]")
    assert "er ikke et tal" in page.locator(".has-error:has(#f-affected_patients)").inner_text()
    screenshot(page, "typed-refused-need-number")
    page.fill("#f-affected_patients", "1.500")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert "1.500" in page.locator("main").inner_text()


def test_text_typed_while_a_save_is_on_its_way_is_kept_and_saved(live_server: str, page: Any) -> None:
    browser_login(page, live_server, "assessor")
    url = _start(page, live_server)
    form = page.locator("#c-BT2_1")
    form.locator("summary", has_text="Kommentar").click()
    held: list[Any] = []
    page.route("**/answers/BT2.1", lambda route: held.append(route))  # on its way until released
    form.locator("input[value=yes]").check()
    for _ in range(100):  # the route handler runs while Playwright waits
        if held:
            break
        page.wait_for_timeout(20)
    assert len(held) == 1
    comment = page.locator("#c-BT2_1-comment")
    comment.press_sequentially("Målt i Aarhus")
    with page.expect_response(lambda r: "/answers/BT2.1" in r.url):
        held[0].continue_()
    page.unroute("**/answers/BT2.1")
    form.locator(".saved").wait_for()
    # the swapped-in form gets the letters back once HTMX has settled it (fails on a timeout if not)
    page.wait_for_function("() => document.querySelector('#c-BT2_1-comment').value === 'Målt i Aarhus'")
    assert page.evaluate("document.activeElement.id") == "c-BT2_1-comment"
    page.wait_for_load_state("networkidle")  # the kept letters' own save has landed
    comment.press_sequentially(" og Odense")
    with page.expect_response(lambda r: "/answers/BT2.1" in r.url):
        comment.press("Tab")
    page.wait_for_load_state("networkidle")  # letters typed during a save are saved after it
    form.locator(".saved").wait_for()
    page.goto(url)
    assert page.locator("#c-BT2_1-comment").input_value() == "Målt i Aarhus og Odense"
    assert page.locator("#c-BT2_1 input[value=yes]").is_checked()


DATE = "#c-BT5_3-value"


def test_a_date_is_read_the_danish_way_and_a_half_typed_one_keeps_the_stored_answer(
        live_server: str, page: Any) -> None:
    browser_login(page, live_server, "assessor")
    url = _start(page, live_server)
    with page.expect_response(lambda r: "/answers/BT5.1" in r.url):  # the date follows up on it
        page.locator("#c-BT5_1 input[value=nhs_dtac]").check()
    page.wait_for_function("() => !document.querySelector('#c-BT5_3-value').closest('fieldset').disabled")
    _type(page, DATE, "3.12.2026")
    page.locator("#c-BT5_3 .saved").wait_for()
    assert _stored(page, url, DATE) == "03.12.2026"
    _type(page, DATE, "17.5")  # half-typed: refused, not taken for "no date"
    error = page.locator("#c-BT5_3-value-error")
    error.wait_for()
    assert "ikke en hel dato" in error.inner_text() and "17.5" in error.inner_text()
    assert page.locator(DATE).input_value() == "17.5"
    assert page.locator("#c-BT5_3 .saved").count() == 0
    page.locator("#c-BT5_3").screenshot(path=str(screenshot(page, "typed-refused-date")))
    assert _stored(page, url, DATE) == "03.12.2026"
    _type(page, DATE, "17. maj 2027")
    page.locator("#c-BT5_3 .saved").wait_for()
    assert _stored(page, url, DATE) == "17.05.2027"


def test_a_project_date_is_typed_the_danish_way(live_server: str, page: Any) -> None:
    browser_login(page, live_server, "procurement")
    page.goto(f"{live_server}/projects/new")
    page.fill("#f-name", "Hjemmemonitorering af KOL i Vejle")
    if not page.locator("#f-owner_id").input_value():
        page.select_option("#f-owner_id", index=1)
    page.select_option("#f-stage", index=1)
    page.fill("#f-start_date", "1.2")
    page.click("main form button[type=submit]")
    assert "ikke en hel dato" in page.locator(".has-error:has(#f-start_date)").inner_text()
    assert page.locator("#f-start_date").input_value() == "1.2"
    page.fill("#f-start_date", "1.2.2027")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert page.locator(".has-error").count() == 0, page.locator(".has-error").all_inner_texts()
    assert "1. feb. 2027" in page.locator("main").inner_text()
    page.goto(page.url + "/edit")
    assert page.locator("#f-start_date").input_value() == "01.02.2027"
