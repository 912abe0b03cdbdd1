"""An admin uploads a framework version in the browser, reads the differences, publishes it,
and an assessor can start it at once. On a server and scratch database of its own:
publishing changes the app's frameworks."""

from __future__ import annotations

import copy
import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from app.main import create_app
from app.settings import Settings
from tests.assessment.helpers import FRAMEWORKS_DIR
from tests.browser.test_accessibility import audit
from tests.conftest import _free_port
from tests.helpers import browser_login, screenshot
from tests.scratch import drop_postgres, scratch_database

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def library_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    import uvicorn

    url = scratch_database(tmp_path_factory.mktemp("library-browser"), "library_browser")
    app = create_app(Settings(database_url=url, secret_key="library-browser-key-0123456789abcdef"))
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
    app.state.engine.dispose()
    if url.startswith("postgresql"):
        drop_postgres(url)


def _dtac_1_1(folder: Path) -> Path:
    data = yaml.safe_load((FRAMEWORKS_DIR / "nhs-dtac-1.0.yaml").read_text(encoding="utf-8"))
    new = copy.deepcopy(data)
    new["version"], new["superseded"] = "1.1", False
    criteria = {c["code"]: c for s in new["sections"] for c in s["criteria"]}
    criteria["C1.2"]["question_da"] = "Er produktets kliniske sikkerhedsansvarlige (CSO) registreret?"
    criteria["D1.1"]["weight"], criteria["D1.2"]["weight"] = 5, 15
    criteria["C3.1"]["gate"] = False
    new["sections"][0]["criteria"].append({"code": "A99", "question_da": "Kontaktperson for tilgængelighed",
                                           "question_en": "Accessibility contact", "answer_type": "text"})
    path = folder / "nhs-dtac-1.1.yaml"
    path.write_text(yaml.safe_dump(new, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def test_upload_see_the_differences_and_publish(library_server: str, page: Any, tmp_path: Path) -> None:
    base = library_server
    bad = tmp_path / "ødelagt.yaml"
    bad.write_bytes("titel: æøå".encode("latin-1"))
    browser_login(page, base, "admin")
    page.goto(f"{base}/admin/frameworks")
    assert page.locator("h1").inner_text() == "Rammeværksbibliotek"
    page.set_input_files("#upload-file", str(bad))
    page.click("section.import-form button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "ødelagt.yaml: filen er ikke UTF-8-tekst" in page.locator("#upload-error").inner_text()
    Path("/tmp/library").mkdir(exist_ok=True)
    page.screenshot(path="/tmp/library/refused-1280.png", full_page=True)

    page.set_input_files("#upload-file", str(_dtac_1_1(tmp_path)))
    page.click("section.import-form button[type=submit]")
    page.wait_for_url(re.compile(r"/admin/frameworks/uploads/\d+$"))
    assert page.locator("#upload-status").inner_text() == "Kladde"
    assert page.locator("#count-added").inner_text() == "1"
    assert page.locator("#count-reweighted").inner_text() == "2"
    assert page.locator("#count-gates").inner_text() == "1"
    assert "CSO" in page.locator("#diff-reworded").inner_text()
    reweighted = page.locator("#diff-reweighted").inner_text()
    assert "D1.1" in reweighted and "Vægt" in reweighted
    audit(page, "framework upload diff")
    page.screenshot(path="/tmp/library/diff-1280.png", full_page=True)
    screenshot(page, "framework-library-01-diff")
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path="/tmp/library/diff-390.png", full_page=True)
    screenshot(page, "framework-library-02-diff-390")
    too_wide = page.evaluate("""[...document.querySelectorAll('body *')]
        .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1 && !e.closest('.table-wrap'))
        .map(e => e.tagName + '.' + e.className + '#' + e.id)""")
    assert not too_wide
    page.set_viewport_size({"width": 1280, "height": 900})

    page.click("#publish")
    page.wait_for_load_state("networkidle")
    assert page.locator("#upload-status").inner_text() == "Udgivet"
    assert page.locator("#publish").count() == 0
    page.goto(f"{base}/admin/frameworks")
    page.screenshot(path="/tmp/library/list-1280.png", full_page=True)
    audit(page, "framework library")
    page.goto(f"{base}/admin/frameworks?lang=en")
    assert page.locator("h1").inner_text() == "Framework library"
    assert "Published upload" in page.locator("main").inner_text()
    audit(page, "framework library (English)", lang="en")
    assert "nhs-dtac-1.1.yaml" in page.locator("main").inner_text()

    page.context.clear_cookies()
    browser_login(page, base, "assessor")
    page.goto(f"{base}/solutions/selfback/assessments")
    options = page.locator("select[name=framework] option").all_inner_texts()
    assert any("1.1" in text for text in options), options
