"""WCAG 2.1 AA: axe-core audits every main page in a real browser (Debian chromium).

axe-core comes from the npm registry, pinned and hash-checked by `tools/fetch_axe.py`
(`make test` runs it). Each page is audited with the WCAG 2.0 and 2.1 level A and AA
rules; a violation of impact serious or critical fails the test with the rule, its
impact, what it means and the selectors of the offending elements.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from tests.helpers import DEMO_PASSWORD, DEMO_USERS, screenshot
from tools.fetch_axe import AXE_PATH, AXE_VERSION

pytestmark = pytest.mark.browser

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = ("serious", "critical")


def axe_source() -> str:
    if not AXE_PATH.is_file():
        message = (f"axe-core {AXE_VERSION} is missing at {AXE_PATH}: run `python3 tools/fetch_axe.py` "
                   "(make test does)")
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return AXE_PATH.read_text(encoding="utf-8")


def format_violations(url: str, violations: list[dict[str, Any]]) -> str:
    lines = [f"{len(violations)} serious/critical WCAG violation(s) on {url}:"]
    for v in violations:
        lines.append(f"- {v['id']} ({v['impact']}): {v['help']} <{v['helpUrl']}>")
        for node in v["nodes"][:10]:
            target = " ".join(" >> ".join(t) if isinstance(t, list) else t for t in node["target"])
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            lines.append(f"    {target}: {summary[:300]}")
        if len(v["nodes"]) > 10:
            lines.append(f"    … and {len(v['nodes']) - 10} more")
    return "\n".join(lines)


def audit(page: Any, name: str, *, disable: tuple[str, ...] = (), lang: str = "da") -> None:
    """Run axe on the page as it is now; fail on serious or critical violations."""
    assert page.evaluate("document.documentElement.lang") == lang
    if not page.evaluate("typeof window.axe === 'object'"):
        # page.evaluate runs through the DevTools protocol, which the page's
        # Content-Security-Policy (no inline script) does not govern; nothing is added to
        # the markup, so the audit sees the page exactly as a user gets it.
        page.evaluate(axe_source())
    options = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"],
               "rules": {rule: {"enabled": False} for rule in disable}}
    result = page.evaluate("options => axe.run(document, options)", options)
    blocking = [v for v in result["violations"] if v["impact"] in BLOCKING]
    screenshot(page, f"a11y-{name}")
    assert not blocking, format_violations(page.url, blocking)


def _log_in(page: Any, live_server: str, role: str) -> None:
    page.goto(f"{live_server}/login")
    page.get_by_label("E-mail").fill(DEMO_USERS[role])
    page.get_by_label("Adgangskode").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log ind").click()
    page.wait_for_load_state("networkidle")


@pytest.fixture()
def errors(page: Any) -> Iterator[list[str]]:
    found: list[str] = []
    page.on("pageerror", lambda exc: found.append(str(exc)))
    yield found
    assert not found, found


PUBLIC_PAGES = [
    ("home", "/"),
    ("login", "/login"),
    ("search", "/search?q=genoptr%C3%A6ning"),
    ("search-facets", "/search?q=genoptr%C3%A6ning&type=solution"),
    ("solutions", "/solutions"),
    ("solution-detail", "/solutions/selfback"),
    ("needs", "/needs"),
    ("need-detail", "/needs/svaer-overvaegt"),
    ("projects", "/projects"),
    ("vendors", "/vendors"),
    ("organisations", "/organisations"),
    ("frameworks", "/frameworks"),
    ("benchmark", "/benchmark"),
    ("benchmark-indicator-map", "/benchmark?indicator=kol-hjemmemonitorering"),
    ("solution-overview-map", "/solutions/liva/overview"),
    ("benchmark-organisation", "/benchmark/organisations/municipality:169"),
    ("benchmark-hospital", "/benchmark/organisations/hospital:rigshospitalet"),
    ("benchmark-region", "/benchmark/regions/1084"),
    ("register", "/register"),
    ("compare", "/compare?solutions=selfback,liva"),
]


@pytest.mark.parametrize(("name", "path"), PUBLIC_PAGES, ids=[p[0] for p in PUBLIC_PAGES])
def test_public_page_has_no_serious_violations(page: Any, live_server: str, errors: list[str],
                                               name: str, path: str) -> None:
    response = page.goto(f"{live_server}{path}")
    assert response is not None and response.status == 200, path
    page.wait_for_load_state("networkidle")
    audit(page, name)


def test_register_detail(page: Any, live_server: str, errors: list[str]) -> None:
    page.goto(f"{live_server}/register")
    link = page.locator("a[href^='/register/BT-']").first
    href = link.get_attribute("href")
    assert href, "the demo data has at least one register entry"
    page.goto(f"{live_server}{href}")
    audit(page, "register-detail")


def test_english_pages(page: Any, live_server: str, errors: list[str]) -> None:
    page.goto(f"{live_server}/lang/en?next=/")
    for name, path in (("home-en", "/"), ("solution-detail-en", "/solutions/selfback"),
                       ("benchmark-en", "/benchmark"), ("compare-en", "/compare?solutions=selfback,liva")):
        page.goto(f"{live_server}{path}")
        audit(page, name, lang="en")


def test_assessment_form(page: Any, live_server: str, errors: list[str], client: Any,
                         auth: Any) -> None:
    """A draft Nævnet assessment with the scope answered and some answers given, as its
    assessor sees it: scope, criteria of every kind, live score panel, workflow."""
    response = client.post("/api/assessments", headers=auth("assessor"), json={
        "solution_id": "selfback", "framework_id": "naevnet-sundhedsapps", "framework_version": "2024"})
    assert response.status_code == 201, response.text
    aid = response.json()["id"]
    response = client.put(f"/api/assessments/{aid}/scope", headers=auth("assessor"),
                          json={"answers": {"Q1": "no"}})
    assert response.status_code == 200, response.text
    for code, value in (("N1.1", "rct"), ("N2.1", "yes")):
        response = client.put(f"/api/assessments/{aid}/answers/{code}", headers=auth("assessor"),
                              json={"value": value, "comment": "Set i dokumentationen"})
        assert response.status_code == 200, response.text

    _log_in(page, live_server, "assessor")
    page.goto(f"{live_server}/assessments/{aid}")
    audit(page, "assessment-form")
    # after an answer is saved through HTMX (the criterion and the score panel are swapped)
    page.locator("form.criterion input[type=radio][value=yes]").last.check()
    page.wait_for_load_state("networkidle")
    audit(page, "assessment-form-after-save")
    page.goto(f"{live_server}/solutions/selfback/assessments")
    audit(page, "solution-assessments")
    page.goto(f"{live_server}/assessments/{aid}/result")
    audit(page, "assessment-result")


def test_approvals_dashboard(page: Any, live_server: str, errors: list[str]) -> None:
    _log_in(page, live_server, "approver")
    page.goto(f"{live_server}/approvals")
    audit(page, "approvals-dashboard")
    page.goto(f"{live_server}/solutions/selfback/assessments")
    page.goto(f"{live_server}/approvals/solutions/selfback")
    audit(page, "approvals-case")


def test_forms_for_staff(page: Any, live_server: str, errors: list[str]) -> None:
    _log_in(page, live_server, "admin")
    for name, path in (("solution-new", "/solutions/new"), ("reports", "/reports"),
                       ("benchmark-import", "/benchmark/import")):
        response = page.goto(f"{live_server}{path}")
        assert response is not None and response.status == 200, path
        audit(page, name)
    # the solution form with its error summary and messages next to the fields
    page.goto(f"{live_server}/solutions/new")
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_load_state("networkidle")
    audit(page, "solution-new-errors")


def test_the_audit_can_fail(page: Any, live_server: str) -> None:
    """The audit really runs: an unlabelled field and an image without text are reported."""
    page.goto(f"{live_server}/")
    page.evaluate("""() => {
        const main = document.querySelector('main');
        main.insertAdjacentHTML('beforeend', '<input id="a11y-probe" type="text"><img src="/x.png">');
    }""")
    with pytest.raises(AssertionError) as failure:
        audit(page, "probe")
    message = str(failure.value)
    assert "label (critical)" in message and "#a11y-probe" in message
    assert "image-alt (critical)" in message
