"""An approver takes a solution from application to temporary approval to permanent
approval in a real browser; screenshots of the dashboard and the public register."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest

from app.approvals import lifecycle as lc
from app.core import clock
from app.web.i18n import day
from tests.approvals.helpers import completed_assessment, make_solution
from tests.helpers import DEMO_PASSWORD, DEMO_USERS, screenshot

pytestmark = pytest.mark.browser


def _log_in(page: Any, live_server: str, role: str, next_path: str) -> None:
    page.goto(f"{live_server}/login?next={next_path}")
    page.get_by_label("E-mail").fill(DEMO_USERS[role])
    page.get_by_label("Adgangskode").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log ind").click()
    page.wait_for_url(f"{live_server}{next_path}")


def test_application_to_temporary_to_permanent_approval(page: Any, live_server: str, db: Any) -> None:
    from playwright.sync_api import expect

    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    # The assessment a decision needs (authored by bedoemmer1, reviewed by bedoemmer2).
    solution = make_solution(db)
    completed_assessment(db, solution, author="assessor", reviewer="assessor2", days_ago=5)
    today = clock.today()

    _log_in(page, live_server, "approver", "/approvals")
    expect(page.get_by_role("heading", level=1)).to_have_text("Godkendelser")
    expect(page.locator("#deadline-heading")).to_be_visible()
    screenshot(page, "approvals-dashboard")

    page.goto(f"{live_server}/approvals/solutions/{solution.slug}")
    form = page.locator("#form-apply")
    form.get_by_role("button").click()
    expect(page.locator(".status").first).to_have_text("Ansøgning under behandling")

    # First with final evidence due too late: refused, the rule next to the form.
    form = page.locator("#form-approve_temporarily")
    form.get_by_label("Endelig evidens senest").fill((today + timedelta(days=340)).isoformat())
    form.locator("#approve_temporarily-milestone_title_1").fill("Første patientdata")
    form.locator("#approve_temporarily-milestone_due_1").fill((today + timedelta(days=60)).isoformat())
    form.get_by_label("KOL").check()
    form.get_by_label("Begrundelse").fill("Lav risiko og lovende evidens.")
    form.get_by_role("button").click()
    errors_box = page.locator("#form-approve_temporarily-errors")
    # the refusal in Danish with a Danish date, without the rule's code (the API keeps it)
    latest = lc.latest_evidence_due(lc.temporary_end(today))
    expect(errors_box).to_contain_text(f"den endelige evidens skal foreligge senest 3 måneder før godkendelsen "
                                       f"udløber (senest {day(latest, 'da')})")
    expect(errors_box).not_to_contain_text("regel T4")
    screenshot(page, "approvals-case-refused")

    form = page.locator("#form-approve_temporarily")
    form.get_by_label("Endelig evidens senest").fill("")
    form.get_by_role("button").click()
    expect(page.locator(".status").first).to_have_text("Midlertidigt godkendt")
    number = page.locator("a[href^='/register/BT-']").first.inner_text()
    assert re.fullmatch(r"BT-\d{4}-\d{4}", number)

    form = page.locator("#form-approve")
    form.get_by_label("Begrundelse").fill("Evidensen er dokumenteret.")
    form.get_by_role("button").click()
    expect(page.locator(".status").first).to_have_text("Godkendt")
    expect(page.locator("section[aria-labelledby=history-heading] table tbody tr")).to_have_count(3)
    screenshot(page, "approvals-case")

    # The public register, without logging in.
    page.context.clear_cookies()
    page.goto(f"{live_server}/register")
    expect(page.get_by_role("heading", level=1)).to_have_text("Register over godkendte løsninger")
    screenshot(page, "register")
    page.get_by_label("Status").select_option("temporarily_approved")
    expect(page.locator("#results tbody tr").first).to_contain_text("Midlertidigt godkendt")
    page.goto(f"{live_server}/register?q={solution.name}")
    expect(page.locator("#results")).to_contain_text(number)
    page.goto(f"{live_server}/solutions/{solution.slug}")
    expect(page.locator("#approval-status")).to_contain_text(number)
    assert errors == []
