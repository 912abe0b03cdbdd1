"""Shared fixtures: a real database built by the migrations, the app, clients, a browser.

The database is SQLite in a temporary folder, or PostgreSQL when TEST_DATABASE_URL is
set (CI runs the suite once for each). It is migrated and seeded once per run; tests
create records with unique names instead of assuming empty tables.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from app.audit.hook import set_actor
from app.db.engine import make_engine
from app.db.migrate import upgrade
from app.main import create_app
from app.registry import make_session_factory
from app.seed import seed_demo, seed_reference
from app.settings import PROJECT_ROOT, Settings, normalise_database_url
from tests.helpers import DEMO_USERS

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def _reset_postgres(url: str) -> None:
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    configured = os.environ.get("TEST_DATABASE_URL")
    if configured:
        url = normalise_database_url(configured)
        _reset_postgres(url)
    else:
        url = normalise_database_url(f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}")
    upgrade(url)
    engine = make_engine(url)
    with make_session_factory(engine)() as session, session.begin():
        set_actor(session, None, "tests:seed")
        seed_reference(session, PROJECT_ROOT / "data")
        seed_demo(session, PROJECT_ROOT / "data")
    engine.dispose()
    return url


@pytest.fixture(scope="session")
def settings(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(database_url=database_url, secret_key="test-secret-key-0123456789abcdef",
                    files_dir=tmp_path_factory.mktemp("files"))


@pytest.fixture(scope="session")
def app(settings: Settings) -> Litestar:
    return create_app(settings)


@pytest.fixture()
def client(app: Litestar) -> Iterator[TestClient[Litestar]]:
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture()
def db(app: Litestar) -> Iterator[Session]:
    with app.state.session_factory() as session:
        yield session


@pytest.fixture(scope="session")
def api_tokens(app: Litestar) -> dict[str, str]:
    from app.accounts.services import create_token, user_by_email

    tokens = {}
    with app.state.session_factory() as session, session.begin():
        for role, email in DEMO_USERS.items():
            user = user_by_email(session, email)
            assert user is not None
            tokens[role] = create_token(session, user, "tests")
    return tokens


@pytest.fixture()
def auth(api_tokens: dict[str, str]) -> Any:
    def headers(role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {api_tokens[role]}"}
    return headers


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def live_server(settings: Settings) -> Iterator[str]:
    import uvicorn

    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=port,
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("live server did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(f"chromium not found at {CHROMIUM} but REQUIRE_BROWSER=1")
        pytest.skip("Debian chromium is not installed (CI installs it and sets REQUIRE_BROWSER=1)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        instance = pw.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"])
        yield instance
        instance.close()


@pytest.fixture()
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="da-DK")
    pg = context.new_page()
    pg.set_default_timeout(10_000)
    yield pg
    context.close()
