"""Helpers for tests: demo accounts, unique names, logging in, screenshots."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from litestar.testing import TestClient

from app.settings import PROJECT_ROOT

DEMO_PASSWORD = "blaastempel-demo"
DEMO_USERS = {
    "admin": "admin@demo.blaastempel.dk",
    "approver": "godkender@demo.blaastempel.dk",
    "assessor": "bedoemmer1@demo.blaastempel.dk",
    "assessor2": "bedoemmer2@demo.blaastempel.dk",
    "procurement": "indkoeb@demo.blaastempel.dk",
    "org_reporter": "rapportoer@demo.blaastempel.dk",
    "vendor": "leverandoer@demo.blaastempel.dk",
}
def unique(prefix: str = "t") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def login(client: TestClient[Any], role: str) -> TestClient[Any]:
    """Log the test client in through the real login form (CSRF included)."""
    client.get("/login")
    token = client.cookies.get("csrftoken", "")
    response = client.post("/login", data={"email": DEMO_USERS[role], "password": DEMO_PASSWORD,
                                           "_csrf_token": token}, follow_redirects=False)
    assert response.status_code in (302, 303), response.text
    return client


SCREENSHOT_DIR = PROJECT_ROOT / "var" / "screenshots"


def browser_login(page: Any, base: str, role: str) -> None:
    """Log in as the demo user of `role` in a Playwright page, as a person would."""
    page.goto(f"{base}/login")
    page.fill("#email", DEMO_USERS[role])
    page.fill("#password", DEMO_PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_load_state("networkidle")


def screenshot(page: Any, name: str) -> Path:
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOT_DIR / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
