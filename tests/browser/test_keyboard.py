"""The assessment form by keyboard alone (WCAG 2.1.1, 2.4.1, 2.4.7), in Debian chromium.

Only key presses and typing drive the page: no mouse, no `.click()`, no `.fill()`. An
assessor logs in, skips to the content, tabs to the criteria still unanswered, answers a
number, a yes/no and a text criterion, and submits the assessment for review. The API
then proves the answers were saved and the assessment submitted. Every element that
takes focus on the way must show it (an outline or a box shadow).
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.approvals.helpers import make_solution
from tests.helpers import DEMO_PASSWORD, DEMO_USERS, screenshot

pytestmark = pytest.mark.browser

FOCUSED = """() => {
    const el = document.activeElement;
    if (!el || el === document.body) return null;
    const style = getComputedStyle(el);
    const box = el.getBoundingClientRect();
    return {id: el.id, tag: el.tagName.toLowerCase(), type: el.getAttribute('type') || '',
            name: el.getAttribute('name') || '', value: el.value || '',
            text: (el.innerText || '').trim().slice(0, 80),
            href: el.getAttribute('href') || '', formAction: el.form ? el.form.action : '',
            outline: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0,
            shadow: style.boxShadow !== 'none',
            visible: box.width > 0 && box.height > 0 && box.bottom > 0 && box.right > 0};
}"""


def focused(page: Any) -> dict[str, Any] | None:
    return page.evaluate(FOCUSED)


def assert_focus_visible(page: Any, info: dict[str, Any] | None) -> None:
    assert info is not None, "focus was lost (document.body has it)"
    assert info["visible"], f"the focused element is off screen: {info}"
    assert info["outline"] or info["shadow"], f"no visible focus indicator on {info}"


def tab_to(page: Any, matches: Any, *, limit: int = 250, key: str = "Tab") -> dict[str, Any]:
    """Press Tab until the focused element matches; every stop must show its focus."""
    seen = []
    for _ in range(limit):
        page.keyboard.press(key)
        info = focused(page)
        assert_focus_visible(page, info)
        seen.append(info["id"] or info["text"] or info["tag"])
        if matches(info):
            return info
    raise AssertionError(f"not reached by {key} within {limit} stops; went through {seen[-30:]}")


def log_in_as_assessor(page: Any, landing: str, tabs: int) -> None:
    """On the login page: Tab (at most `tabs` times) to the e-mail field, type the demo
    assessor's login, Enter, and wait for `landing`."""
    tab_to(page, lambda i: i["id"] == "email", limit=tabs)
    page.keyboard.type(DEMO_USERS["assessor"])
    tab_to(page, lambda i: i["id"] == "password", limit=1)
    page.keyboard.type(DEMO_PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(landing)


def wait_for_answer(client: Any, auth: Any, aid: int, code: str, value: Any, timeout: float = 8) -> None:
    deadline = time.monotonic() + timeout
    found = None
    while time.monotonic() < deadline:
        answers = client.get(f"/api/assessments/{aid}", headers=auth("assessor")).json()["answers"]
        found = next((a["value"] for a in answers if a["criterion_code"] == code), None)
        if found == value:
            return
        time.sleep(0.1)
    raise AssertionError(f"{code} is {found!r}, expected {value!r}")


def _draft(client: Any, auth: Any, db: Any) -> tuple[int, list[str]]:
    """A draft Nævnet assessment (tier "other") with every required answer but three."""
    solution = make_solution(db)
    headers = auth("assessor")
    response = client.post("/api/assessments", headers=headers, json={
        "solution_id": solution.slug, "framework_id": "naevnet-sundhedsapps", "framework_version": "2024"})
    assert response.status_code == 201, response.text
    aid = response.json()["id"]
    assert client.put(f"/api/assessments/{aid}/scope", headers=headers,
                      json={"answers": {"Q1": "no"}}).status_code == 200
    framework = client.get("/api/frameworks/naevnet-sundhedsapps/2024").json()
    left = ["N3.2", "N3.3", "N4.1"]  # number, yes/no (a gate), text: for the keyboard
    for section in framework["sections"]:
        for c in section["criteria"]:
            if c["code"] in left or "medical_device" in (c.get("applies_to") or ["other"]):
                continue
            value = {"yes_no": "yes", "choice": (c.get("options") or [{}])[0].get("value"),
                     "number": 1, "evidence_link": "https://example.org/studie",
                     "text": "Beskrevet"}.get(c["answer_type"], "yes")
            if c["code"] == "N3.1":
                value = "subscription"  # a paid app, so its price (N3.2) applies
            response = client.put(f"/api/assessments/{aid}/answers/{c['code']}", headers=headers,
                                  json={"value": value})
            assert response.status_code == 200, response.text
    return aid, left


def test_assessment_form_by_keyboard_alone(page: Any, live_server: str, client: Any, auth: Any,
                                           db: Any) -> None:
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    aid, left = _draft(client, auth, db)
    before = client.get(f"/api/assessments/{aid}", headers=auth("assessor")).json()
    assert before["status"] == "draft"

    # Log in: the first Tab reaches the skip link, Enter moves focus into <main>.
    page.goto(f"{live_server}/login?next=/assessments/{aid}")
    page.keyboard.press("Tab")
    info = focused(page)
    assert_focus_visible(page, info)
    assert info["href"] == "#main", info
    screenshot(page, "keyboard-01-skip-link")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    assert page.url.endswith("#main")
    # The next Tab starts inside main, past the header's menu and search box.
    log_in_as_assessor(page, f"{live_server}/assessments/{aid}", tabs=3)
    page.wait_for_load_state("networkidle")

    # N3.2, a number: type it, then Tab away (the change saves it through HTMX).
    tab_to(page, lambda i: i["id"] == "c-N3_2-value")
    page.keyboard.type("3")
    page.keyboard.press("Tab")
    page.locator("#c-N3_2.answered").wait_for()
    # the new score is announced through a live region that outlives the swap
    status = page.locator("#score-status")
    assert status.get_attribute("role") == "status"
    page.wait_for_function("() => document.querySelector('#score-status').innerText.includes('påkrævede svar mangler')")
    screenshot(page, "keyboard-02-number-saved")

    # N3.3, yes/no: Tab lands on the radio group, Space picks "yes", arrows move the choice
    # (each change is saved), and focus stays on the radio after the form is swapped.
    tab_to(page, lambda i: i["name"] == "value" and i["type"] == "radio"
           and i["id"].startswith("c-N3_3-"))
    page.keyboard.press("Space")
    page.locator("#c-N3_3.answered").wait_for()
    page.wait_for_load_state("networkidle")
    assert page.evaluate("document.activeElement.id") == "c-N3_3-yes"
    # Changing one's mind quickly (the second key while the first save is on its way)
    # must still save the last choice.
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowLeft")
    wait_for_answer(client, auth, aid, "N3.3", "yes")
    page.wait_for_function("() => document.querySelector('#c-N3_3-yes').checked")
    assert page.evaluate("document.activeElement.id") == "c-N3_3-yes"
    assert_focus_visible(page, focused(page))
    screenshot(page, "keyboard-03-radio-saved")

    # N4.1, free text, with the optional comment behind a <details> opened by Enter.
    tab_to(page, lambda i: i["id"] == "c-N4_1-value")
    page.keyboard.type("Prisen er 0 kr. for borgeren")
    tab_to(page, lambda i: i["tag"] == "summary", limit=1)
    page.keyboard.press("Enter")
    page.locator("#c-N4_1.answered").wait_for()
    page.wait_for_load_state("networkidle")
    tab_to(page, lambda i: i["id"] == "c-N4_1-comment", limit=2)
    page.keyboard.type("Oplyst af leverandøren")
    page.keyboard.press("Tab")
    page.wait_for_function("() => document.querySelector('#c-N4_1 .provenance') !== null")
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-testid=missing-count]").inner_text().strip() == "0"
    screenshot(page, "keyboard-04-all-answered")

    # The answers are saved: read them back through the API.
    saved = client.get(f"/api/assessments/{aid}", headers=auth("assessor")).json()
    answers = {a["criterion_code"]: a for a in saved["answers"]}
    assert set(left) <= set(answers), sorted(answers)
    assert float(answers["N3.2"]["value"]) == 3
    assert answers["N3.3"]["value"] == "yes"
    assert answers["N4.1"]["value"] == "Prisen er 0 kr. for borgeren"
    assert answers["N4.1"]["comment"] == "Oplyst af leverandøren"

    # Submit for review: reached with Tab, triggered with Enter.
    tab_to(page, lambda i: i["tag"] == "button" and i["formAction"].endswith(f"/assessments/{aid}/submit"))
    screenshot(page, "keyboard-05-submit-focused")
    with page.expect_navigation():  # the form posts and redirects; wait for the new page
        page.keyboard.press("Enter")
    assert page.locator("[data-testid=status]").inner_text().strip() == "Indsendt"
    after = client.get(f"/api/assessments/{aid}", headers=auth("assessor")).json()
    assert after["status"] == "submitted"
    assert not errors, errors


def test_a_choice_made_while_the_saved_form_settles_is_saved(page: Any, live_server: str, client: Any,
                                                             auth: Any, db: Any) -> None:
    """HTMX wires a swapped-in form up only when it settles (20 ms on, more on a busy
    machine); a key pressed in between must still be saved. The settling is stretched here
    so the key lands in it every time."""
    aid, _ = _draft(client, auth, db)
    page.goto(f"{live_server}/login?next=/assessments/{aid}")
    log_in_as_assessor(page, f"{live_server}/assessments/{aid}", tabs=40)
    page.evaluate("htmx.config.defaultSettleDelay = 1500")
    tab_to(page, lambda i: i["type"] == "radio" and i["id"].startswith("c-N3_3-"))
    page.keyboard.press("Space")
    wait_for_answer(client, auth, aid, "N3.3", "yes")
    page.wait_for_function("() => document.querySelector('#c-N3_3.answered:not(.htmx-settling)') !== null")
    page.keyboard.press("ArrowRight")  # "no", saved; the saved form is swapped in and settles
    page.wait_for_function("() => document.querySelector('#c-N3_3.htmx-settling') !== null")
    assert page.evaluate("document.activeElement.id") == "c-N3_3-no"
    page.keyboard.press("ArrowLeft")  # "yes", on the form that is still settling
    wait_for_answer(client, auth, aid, "N3.3", "yes")
    page.wait_for_function("() => document.querySelector('#c-N3_3.answered:not(.htmx-settling)') !== null")
    assert page.evaluate("document.querySelector('#c-N3_3-yes').checked")
