"""Danish pages in a real browser (Debian chromium), issue 18: table headings and cells never
break inside a word ("Behandlingsområd|er"), at desktop, tablet and phone widths; the register,
the benchmark and an approval case read in Danish (dates, no rule codes) and are photographed."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import DEMO_PASSWORD, DEMO_USERS
from tests.web.language_check import problems

pytestmark = pytest.mark.browser

SHOTS = Path(os.environ.get("DANISH_SHOTS", "/tmp/danish"))

# Every word (a run of letters and digits: a compound may break after its hyphen, "Høje-|Taastrup",
# a long link at its punctuation) of every heading and cell of the page's tables must lie on one
# line: a word broken across two lines has client rectangles on two lines.
SPLIT_WORDS = """(selector) => {
  const split = [];
  for (const cell of document.querySelectorAll(selector)) {
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const style = getComputedStyle(node.parentElement);
      if (style.display === 'none' || node.parentElement.closest('.visually-hidden')) continue;
      const re = /[\\p{L}\\p{N}]+/gu;
      let m;
      while ((m = re.exec(node.data)) !== null) {
        const range = document.createRange();
        range.setStart(node, m.index);
        range.setEnd(node, m.index + m[0].length);
        const lines = new Set(Array.from(range.getClientRects()).filter(r => r.width > 0).map(r => Math.round(r.top)));
        if (lines.size > 1) split.push(m[0]);
      }
    }
  }
  return split;
}"""


def _shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


@pytest.mark.parametrize("width", [1280, 1024, 768, 390])
def test_register_and_benchmark_tables_never_break_a_word(browser: Any, live_server: str, width: int) -> None:
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="da-DK")
    page = context.new_page()
    try:
        for path, table in [("/register", ".register-table"), ("/benchmark", "table"),
                            ("/benchmark/organisations/municipality:169", "table")]:
            page.goto(f"{live_server}{path}")
            cells = f"{table} th, {table} td"
            assert page.locator(cells).count() > 6, path
            assert page.evaluate(SPLIT_WORDS, cells) == [], (path, width)
            if path == "/register":  # the page never scrolls sideways; a wide table scrolls in its own box
                assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), width
            if path == "/register" and width in (1280, 390):
                _shot(page, f"register-{width}")
    finally:
        context.close()


def _visible_problems(page: Any) -> list[str]:
    return problems(page.locator("main").inner_text(), "da")


def test_register_benchmark_and_approval_case_read_in_danish(page: Any, live_server: str) -> None:
    from playwright.sync_api import expect

    page.goto(f"{live_server}/register")
    expect(page.get_by_role("columnheader", name="Behandlingsområder og indikationer")).to_be_visible()
    assert _visible_problems(page) == []
    _shot(page, "register-da")

    page.goto(f"{live_server}/benchmark")
    expect(page.locator("p.lead")).to_contain_text(re.compile(r"Status pr\. \d{1,2}\. [a-zæøå]+\.? \d{4}\."))
    assert _visible_problems(page) == []
    _shot(page, "benchmark-da")

    page.goto(f"{live_server}/login")
    page.get_by_label("E-mail").fill(DEMO_USERS["approver"])
    page.get_by_label("Adgangskode").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log ind").click()
    page.goto(f"{live_server}/approvals/solutions/sindro")
    assert _visible_problems(page) == []
    _shot(page, "approval-case-da")
