"""The benchmark pages in a real browser (Debian chromium): national overview, an
organisation against its peers, a region, and an org_reporter's import."""

from __future__ import annotations

from typing import Any

import pytest

from tests.helpers import DEMO_PASSWORD, DEMO_USERS, screenshot

pytestmark = pytest.mark.browser


def test_benchmark_pages(page: Any, live_server: str) -> None:
    from playwright.sync_api import expect

    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    page.goto(f"{live_server}/benchmark")
    expect(page.get_by_role("heading", level=1)).to_have_text("National benchmark af udbredelse")
    expect(page.get_by_role("img", name="Udbredelsesgrad af prioriterede løsninger pr. region")).to_be_visible()
    expect(page.locator("#table-regions tbody tr")).to_have_count(5)
    expect(page.locator("#table-heat tbody tr").first).to_be_visible()
    screenshot(page, "benchmark-national")

    with page.expect_download() as download:
        page.locator("a[href='/benchmark?format=csv&table=regions']").click()
    assert download.value.suggested_filename == "benchmark-regions.csv"

    page.get_by_label("Vis en organisation sammenlignet med lignende enheder").select_option(
        value="municipality:169")
    page.get_by_role("button", name="Vis", exact=True).click()
    page.wait_for_url(f"{live_server}/benchmark/organisations/municipality:169")
    expect(page.get_by_role("heading", level=1)).to_have_text("Høje-Taastrup")
    expect(page.get_by_role("img", name="Udbredelsesgrad i sammenligningsgruppen")).to_be_visible()
    expect(page.locator("#table-peers tr.self")).to_have_count(1)
    expect(page.locator("#table-indicators")).to_be_visible()
    screenshot(page, "benchmark-organisation")

    page.get_by_role("navigation", name="Brødkrumme").get_by_role("link", name="Region Hovedstaden").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Region Hovedstaden")
    expect(page.locator("#table-members tbody tr").first).to_be_visible()
    screenshot(page, "benchmark-region")

    page.goto(f"{live_server}/benchmark/organisations/hospital:rigshospitalet")
    expect(page.get_by_role("heading", level=1)).to_have_text("Rigshospitalet")
    screenshot(page, "benchmark-hospital")
    assert errors == []


def test_org_reporter_imports_a_file(page: Any, live_server: str, tmp_path: Any) -> None:
    from playwright.sync_api import expect

    page.goto(f"{live_server}/login?next=/benchmark/import")
    page.get_by_label("E-mail").fill(DEMO_USERS["org_reporter"])
    page.get_by_label("Adgangskode").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log ind").click()
    page.wait_for_url(f"{live_server}/benchmark/import")
    bad = tmp_path / "bad.csv"
    bad.write_text("organisation,solution,status,effective_from\n"
                   "municipality:169,selfback,bogus,2026-03-01\n"
                   "municipality:101,selfback,pilot,2026-03-01\n", encoding="utf-8")
    page.get_by_label("Fil (.csv eller .xlsx)").set_input_files(str(bad))
    page.get_by_role("button", name="Importér").click()
    expect(page.get_by_role("alert")).to_contain_text("Intet blev importeret")
    expect(page.locator("#import-errors tbody tr")).to_have_count(2)
    screenshot(page, "benchmark-import-rejected")
    good = tmp_path / "good.csv"
    good.write_text("organisation,solution,status,effective_from,active_users\n"
                    "municipality:169,liva,pilot,2026-03-01,25\n", encoding="utf-8")
    page.get_by_label("Fil (.csv eller .xlsx)").set_input_files(str(good))
    page.get_by_role("button", name="Importér").click()
    expect(page.get_by_role("status")).to_contain_text("Filen blev importeret")
    screenshot(page, "benchmark-import-done")
