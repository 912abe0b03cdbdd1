"""Browser journey: an assessor fills the Nævnet form (live score), a second assessor
reviews and completes it, and the result page shows the outcome."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.helpers import browser_login, screenshot

pytestmark = pytest.mark.browser


def _logout(page: Any) -> None:
    page.click("header form.inline button")
    page.wait_for_load_state("networkidle")


def test_assessment_journey(live_server: str, page: Any) -> None:
    base = live_server
    browser_login(page, base, "assessor")
    page.goto(f"{base}/solutions/selfback/assessments")
    page.select_option("#framework", "naevnet-sundhedsapps@2024")
    page.click("main form[action$='/assessments'] button[type=submit]")
    page.wait_for_url(re.compile(r"/assessments/\d+$"))
    url = page.url
    # scope first: the tier decides the criteria
    page.check("input[name=Q1][value=no]")
    page.click("section.scope button[type=submit]")
    page.wait_for_url(url)
    assert page.locator("[data-testid=tier]").inner_text().strip() == "Øvrige"
    screenshot(page, "assessment-01-form")
    score = page.locator("[data-testid=overall-score]")
    before = score.inner_text()
    missing = page.locator("[data-testid=missing-count]")
    missing_before = int(missing.inner_text())
    forms = page.locator("form.criterion")
    for i in range(forms.count()):
        form = page.locator("form.criterion").nth(i)
        form_id = form.get_attribute("id")
        if "not-applicable" in (form.get_attribute("class") or ""):
            continue  # a follow-up its parent's answer has ruled out (e.g. a price when free)
        kind = ""
        if form.locator("input[type=radio][value=yes]").count():
            form.locator("input[type=radio][value=yes]").check()
            kind = "radio"
        elif form.locator("input[type=radio]").count():
            form.locator("input[type=radio]").first.check()
            kind = "radio"
        elif form.locator("select[name=value]").count():
            options = form.locator("select[name=value] option").all()
            form.locator("select[name=value]").select_option(options[1].get_attribute("value"))
            kind = "select"
        elif form.locator("input[type=url][name=value]").count():
            form.locator("input[type=url][name=value]").fill("https://example.org/evidens")
            form.locator("input[type=url][name=value]").press("Tab")
            kind = "url"
        elif form.locator("input[inputmode=decimal][name=value]").count():
            form.locator("input[inputmode=decimal][name=value]").fill("1")
            form.locator("input[inputmode=decimal][name=value]").press("Tab")
            kind = "number"
        elif form.locator("textarea[name=value]").count():
            form.locator("textarea[name=value]").fill("Beskrevet i dokumentationen")
            form.locator("textarea[name=value]").press("Tab")
            kind = "text"
        assert kind, form_id
        page.locator(f"#{form_id}.answered").wait_for()
        if i == 0:
            page.wait_for_function(  # the live score panel updates without a page reload
                "n => +document.querySelector('[data-testid=missing-count]').innerText < n",
                arg=missing_before)
            screenshot(page, "assessment-02-first-answer")
    assert page.locator("[data-testid=missing-count]").inner_text().strip() == "0"
    assert missing_before > 0
    assert before == score.inner_text() == "–"  # Nævnet's sections are not scored: no overall score
    screenshot(page, "assessment-03-filled")
    with page.expect_navigation():  # the form posts and redirects; wait for the new page
        page.click("form[action$='/submit'] button")
    assert page.locator("[data-testid=status]").inner_text().strip() in ("Indsendt", "submitted")
    assert page.locator("form[action$='/review']").count() == 0  # the author cannot review
    _logout(page)

    browser_login(page, base, "assessor2")
    page.goto(url)
    with page.expect_navigation():  # the form posts and redirects; wait for the new page
        page.click("form[action$='/review'] button")
    screenshot(page, "assessment-04-in-review")
    with page.expect_navigation():  # completing is final: a confirmation page first
        page.click("[data-testid=complete]")
    assert page.locator("[data-testid=outcome-to-be]").inner_text().strip()
    screenshot(page, "assessment-04b-confirm-complete")
    page.click("form[action$='/complete'] button[type=submit]")
    page.wait_for_url(re.compile(r"/result$"))
    assert page.locator("[data-testid=outcome]").inner_text().strip() not in ("", "Intet resultat endnu")
    assert page.locator("[data-testid=status]").inner_text().strip() in ("Afsluttet", "completed")
    assert page.locator("ol.history li").count() == 4
    screenshot(page, "assessment-05-result")


def test_workflow_box_speaks_danish_with_values(live_server: str, page: Any) -> None:
    """The "Arbejdsgang" box lists what stops submission in Danish, codes filled in."""
    base = live_server
    browser_login(page, base, "assessor")
    page.goto(f"{base}/solutions/selfback/assessments")
    page.select_option("#framework", "blaastempel-dk@1.0")
    page.click("main form[action$='/assessments'] button[type=submit]")
    page.wait_for_url(re.compile(r"/assessments/\d+$"))
    box = page.locator("section.workflow")
    box.scroll_into_view_if_needed()
    text = box.inner_text()
    assert "Arbejdsgang" in text and "ubesvarede" in text and "unanswered" not in text
    full = screenshot(page, "assessment-workflow-da")
    box.screenshot(path=str(full.with_name("assessment-workflow-da-box.png")))


def test_a_follow_up_greys_and_comes_back_as_its_parent_changes(live_server: str, page: Any) -> None:
    """DTAC 1.0 C2.3 "Nej" (no personal data): C2.3.1/C2.3.2 are greyed, disabled and say
    when they apply; "Ja" brings them back without a page reload."""
    base = live_server
    browser_login(page, base, "assessor")
    page.goto(f"{base}/solutions/selfback/assessments")
    page.select_option("#framework", "nhs-dtac@1.0")
    page.click("main form[action$='/assessments'] button[type=submit]")
    page.wait_for_url(re.compile(r"/assessments/\d+$"))
    assert "erstattet" in page.locator("#superseded-warning").inner_text()
    follow_up = page.locator("#c-C2_3_2")
    assert "not-applicable" in follow_up.get_attribute("class")
    assert follow_up.locator("input[type=radio]").first.is_disabled()
    assert follow_up.locator(".condition").inner_text().strip() == "gælder kun når C2.3 = Ja"
    page.locator("#c-C2_3-yes").check()
    page.locator("#c-C2_3.answered").wait_for()
    page.wait_for_function("() => !document.querySelector('#c-C2_3_2').classList.contains('not-applicable')")
    assert not page.locator("#c-C2_3_2 input[type=radio]").first.is_disabled()
    page.locator("#c-C2_3_2 input[type=radio][value=not_available]").check()
    page.locator("#c-C2_3_2.answered").wait_for()
    failed = page.locator("#score-panel .alert-error")
    failed.wait_for()
    assert "C2.3.2" in failed.inner_text()  # under a "Ja" the missing DPIA fails the gate
    page.locator("#c-C2_3-no").check()
    page.wait_for_function("() => document.querySelector('#c-C2_3_2').classList.contains('not-applicable')")
    assert page.locator("#score-panel .alert-error").count() == 0  # under a "Nej" it counts no more
    kept = page.locator("#c-C2_3_2")
    assert kept.locator("input[value=not_available]").is_checked()  # the answer is kept, greyed
    assert kept.locator("[data-testid=not-applicable]").inner_text().strip() == "Gælder ikke"
    kept.scroll_into_view_if_needed()
    screenshot(page, "assessment-follow-up-greyed")
    page.set_viewport_size({"width": 390, "height": 844})
    kept.scroll_into_view_if_needed()
    screenshot(page, "assessment-follow-up-greyed-390")
