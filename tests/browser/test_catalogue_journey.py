"""A procurement officer's journey through the catalogue in a real browser (Debian chromium)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.helpers import DEMO_PASSWORD, DEMO_USERS, screenshot, unique

pytestmark = pytest.mark.browser


def _log_in(page: Any, live_server: str, role: str, next_path: str) -> None:
    page.goto(f"{live_server}/login?next={next_path}")
    page.get_by_label("E-mail").fill(DEMO_USERS[role])
    page.get_by_label("Adgangskode").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log ind").click()
    page.wait_for_url(f"{live_server}{next_path}")


def test_procurement_creates_a_solution_and_finds_it(page: Any, live_server: str) -> None:
    from playwright.sync_api import expect

    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    _log_in(page, live_server, "procurement", "/solutions")
    expect(page.get_by_role("heading", level=1)).to_have_text("Løsninger")
    screenshot(page, "catalogue-solutions-list")

    page.get_by_role("link", name="Opret løsning").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Opret løsning")

    name = unique("Rygrobot")
    page.get_by_role("textbox", name="Navn", exact=True).fill(name)
    page.get_by_role("combobox", name="Leverandør", exact=True).select_option(label="SelfBack")
    page.get_by_role("combobox", name="Formål", exact=True).select_option(label="Behandling")
    page.get_by_role("combobox", name="Målgruppe", exact=True).select_option(label="Borgere")
    page.get_by_role("combobox", name="Oprindelse", exact=True).select_option(label="Privat")
    page.get_by_label("Lænderygsmerter").check()
    page.get_by_role("combobox", name="CE-klasse", exact=True).select_option(label="CE klasse I")
    page.get_by_label("Teknologisk modenhed (TRL)").fill("12")

    # First without a short description, with a TRL out of range and no regulation:
    # nothing is saved and each message stands next to its field.
    page.get_by_role("button", name="Gem").click()
    expect(page.get_by_role("heading", name="Formularen indeholder fejl")).to_be_visible()
    expect(page.locator("#f-short_description_da-error")).to_have_text(re.compile("Skal udfyldes"))
    expect(page.locator("#f-trl-error")).to_be_visible()
    expect(page.locator("#f-regulation-error")).to_be_visible()
    expect(page.get_by_role("textbox", name="Navn", exact=True)).to_have_value(name)
    expect(page.get_by_label("Lænderygsmerter")).to_be_checked()
    screenshot(page, "catalogue-solution-form-errors")

    short = page.get_by_role("textbox", name="Kort beskrivelse (dansk)")
    short.fill("Robotstøttet træning mod lænderygsmerter.")
    page.get_by_label("Teknologisk modenhed (TRL)").fill("6")
    page.get_by_label("Regulering").select_option(label="MDR (forordning om medicinsk udstyr)")
    page.get_by_label("Konsekvensanalyse (DPIA) udført").check()
    page.get_by_role("button", name="Gem").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    assert re.search(r"/solutions/rygrobot-[0-9a-f]+$", page.url), page.url
    expect(page.locator("section[aria-labelledby=facts-heading] dl.facts")).to_contain_text("Lænderygsmerter")
    expect(page.locator("section[aria-labelledby=facts-heading] dl.facts")).to_contain_text("CE klasse I")
    expect(page.get_by_role("heading", name="Ændringshistorik")).to_be_visible()
    screenshot(page, "catalogue-solution-detail")

    # Find it again in the list: the results follow the search box as one types (HTMX)
    page.get_by_role("navigation", name="Hovedmenu").get_by_role("link", name="Løsninger").click()
    page.get_by_label("Søg i navne").press_sequentially(name[:14], delay=20)
    expect(page.locator("#results")).to_contain_text(name)
    expect(page.locator("#result-count")).to_have_text(re.compile(r"Viser 1–\d+ af \d+"))
    expect(page).to_have_url(re.compile(r"[?&]q=Rygrobot"))
    page.get_by_label("Behandlingsområde").select_option(label="KOL (kronisk obstruktiv lungesygdom)")
    expect(page.locator("#results")).not_to_contain_text(name)
    page.get_by_label("Behandlingsområde").select_option(label="Lænderygsmerter")
    expect(page.locator("#results")).to_contain_text(name)
    expect(page).to_have_url(re.compile(r"treatment_area=laenderygsmerter"))
    screenshot(page, "catalogue-solutions-filtered")

    # The pushed URL holds the filters: reloading shows the same results without HTMX
    page.reload()
    expect(page.get_by_label("Søg i navne")).to_have_value(name[:14])
    expect(page.locator("#results")).to_contain_text(name)
    page.get_by_role("link", name=name).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    assert not errors, errors


def test_need_endorsement_and_english(page: Any, live_server: str) -> None:
    from playwright.sync_api import expect

    _log_in(page, live_server, "org_reporter", "/needs")
    expect(page.locator("#results tbody tr").first).to_be_visible()
    screenshot(page, "catalogue-needs-list")
    # "Svær overvægt" is not yet endorsed by the reporter's municipality (Høje-Taastrup)
    page.goto(f"{live_server}/needs/svaer-overvaegt")
    expect(page.get_by_role("heading", name="Tilslutninger")).to_be_visible()
    count = int(page.locator("#endorsement-count").inner_text().replace(".", ""))
    page.get_by_label("Kommentar (valgfri)").fill("Vi ser det samme i Høje-Taastrup.")
    page.get_by_role("button", name="Tilslut på vegne af Høje-Taastrup").click()
    # HTMX swaps the endorsement box in place: the count goes up without a page load
    expect(page.locator("#endorsement-count")).to_have_text(str(count + 1))
    expect(page.get_by_text("Tilslutningen er registreret")).to_be_visible()
    expect(page.get_by_text("Høje-Taastrup har tilsluttet sig dette behov.")).to_be_visible()
    expect(page.locator(".endorsers")).to_contain_text("Vi ser det samme i Høje-Taastrup.")
    screenshot(page, "catalogue-need-detail")

    page.get_by_role("link", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", name="Endorsements")).to_be_visible()
    page.goto(f"{live_server}/solutions/selfback")
    expect(page.locator("section[aria-labelledby=facts-heading] dl.facts")).to_contain_text("Low back pain")
    screenshot(page, "catalogue-solution-detail-en")
    page.get_by_role("link", name="Dansk").click()
    expect(page.locator("html")).to_have_attribute("lang", "da")
