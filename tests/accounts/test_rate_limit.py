"""Login rate limiting per client address (app/accounts/ratelimit.py): after N failed
logins from one address within the window, every login from it answers 429 -- across
accounts, and with the right password too -- until the window has passed. Other routes
are never limited. The app here has its own small limit and a fake clock. The failures
are kept in the database, so another app on it (another worker) counts them too."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.models import login_failure
from app.accounts.ratelimit import LoginRateLimiter
from app.accounts.services import create_user
from app.audit.hook import set_actor
from app.main import create_app
from app.settings import Settings
from tests.helpers import unique

LIMIT = 3
WINDOW = 60
PASSWORD = "rate-limit-password"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def limited_app(settings: Settings) -> Iterator[Litestar]:
    app = create_app(replace(settings, login_rate_limit=LIMIT, login_rate_window=WINDOW))
    yield app
    app.state.engine.dispose()


def _reset(app: Litestar) -> None:
    with app.state.session_factory() as session, session.begin():
        app.state.login_limiter.reset(session)


@pytest.fixture()
def clock(limited_app: Litestar) -> Iterator[FakeClock]:
    fake = FakeClock()
    limiter: LoginRateLimiter = limited_app.state.login_limiter
    limiter.clock = fake
    _reset(limited_app)
    yield fake
    _reset(limited_app)


@pytest.fixture(scope="module")
def user_email(limited_app: Litestar) -> str:
    email = f"{unique('rate')}@example.dk"
    with limited_app.state.session_factory() as session, session.begin():
        set_actor(session, None, "tests:rate-limit")
        create_user(session, email=email, name="Rate Test", role="procurement", password=PASSWORD)
    return email


@pytest.fixture()
def web(limited_app: Litestar) -> Iterator[TestClient[Litestar]]:
    with TestClient(limited_app) as client:
        client.get("/login")
        yield client


def attempt(client: TestClient[Any], email: str, password: str) -> Any:
    return client.post("/login", data={"email": email, "password": password,
                                       "_csrf_token": client.cookies.get("csrftoken", "")},
                       follow_redirects=False)


def fail_n_times(client: TestClient[Any], n: int) -> None:
    for _ in range(n):  # a different (unknown) account every time
        response = attempt(client, f"{unique('nobody')}@example.dk", "guess-123456")
        assert response.status_code == 400, response.text


def test_the_attempt_after_the_limit_is_refused_across_accounts(web: Any, clock: FakeClock) -> None:
    fail_n_times(web, LIMIT)
    response = attempt(web, f"{unique('other')}@example.dk", "guess-123456")
    assert response.status_code == 429
    assert int(response.headers["retry-after"]) == WINDOW
    assert "For mange mislykkede loginforsøg" in response.text
    assert f"Vent {WINDOW} sekunder" in response.text
    assert 'name="email"' in response.text, "the throttled answer is the login page, not an error page"


def test_a_correct_password_is_refused_while_throttled(web: Any, clock: FakeClock, user_email: str) -> None:
    fail_n_times(web, LIMIT)
    response = attempt(web, user_email, PASSWORD)
    assert response.status_code == 429
    assert "blaastempel_session" not in response.headers.get("set-cookie", "")
    assert web.get("/api/me").json()["authenticated"] is False


def test_attempts_are_allowed_again_after_the_window(web: Any, clock: FakeClock, user_email: str) -> None:
    fail_n_times(web, LIMIT)
    clock.now += WINDOW - 10
    response = attempt(web, user_email, PASSWORD)
    assert response.status_code == 429 and int(response.headers["retry-after"]) == 10
    clock.now += 10
    response = attempt(web, user_email, PASSWORD)
    assert response.status_code in (302, 303), response.text


def test_the_window_slides(web: Any, clock: FakeClock) -> None:
    fail_n_times(web, LIMIT - 1)
    clock.now += 40
    fail_n_times(web, 1)  # LIMIT failures in the window: the next attempt waits for the oldest
    response = attempt(web, "x@example.dk", "guess")
    assert response.status_code == 429 and int(response.headers["retry-after"]) == WINDOW - 40
    clock.now += WINDOW - 40
    fail_n_times(web, 1)  # the oldest failure left the window: one more try


def test_throttled_message_in_english(web: Any, clock: FakeClock) -> None:
    web.get("/lang/en")
    fail_n_times(web, LIMIT)
    response = attempt(web, "x@example.dk", "guess")
    assert response.status_code == 429
    assert f"Too many failed logins from your address. Wait {WINDOW} seconds" in response.text


def test_successful_logins_are_not_counted(web: Any, clock: FakeClock, user_email: str) -> None:
    for _ in range(LIMIT * 3):
        assert attempt(web, user_email, PASSWORD).status_code in (302, 303)
    fail_n_times(web, LIMIT - 1)
    assert attempt(web, user_email, PASSWORD).status_code in (302, 303)


def test_other_routes_are_not_limited(web: Any, clock: FakeClock, limited_app: Litestar) -> None:
    fail_n_times(web, LIMIT)
    assert attempt(web, "x@example.dk", "guess").status_code == 429
    for path in ("/", "/login", "/solutions", "/search?q=diabetes", "/api/solutions", "/health"):
        assert web.get(path).status_code == 200, path
    with limited_app.state.session_factory() as session, session.begin():
        from app.accounts.services import create_token, user_by_email
        token = create_token(session, user_by_email(session, "admin@demo.blaastempel.dk"), "rate")
    me = web.get("/api/me", headers={"Authorization": f"Bearer {token}"}).json()
    assert me["authenticated"] and me["role"] == "admin", "bearer tokens are not throttled"


def test_the_shared_test_app_has_the_default_limit(app: Litestar) -> None:
    limiter: LoginRateLimiter = app.state.login_limiter
    assert (limiter.max_failures, limiter.window) == (10, 60)


# ---- the limiter itself ---------------------------------------------------------------------


def test_another_worker_counts_the_same_failures(web: Any, clock: FakeClock, settings: Settings) -> None:
    """Two apps on one database are two worker processes: failures in one count in the other."""
    fail_n_times(web, LIMIT - 1)
    other = create_app(replace(settings, login_rate_limit=LIMIT, login_rate_window=WINDOW))
    other.state.login_limiter.clock = clock
    try:
        with TestClient(other) as elsewhere:
            elsewhere.get("/login")
            fail_n_times(elsewhere, 1)
            assert attempt(elsewhere, "x@example.dk", "guess").status_code == 429
        assert attempt(web, "x@example.dk", "guess").status_code == 429
    finally:
        other.state.engine.dispose()


def test_addresses_are_counted_separately(db: Session) -> None:
    clock = FakeClock()
    limiter = LoginRateLimiter("test-separate", 2, 60, clock)
    limiter.record_failure(db, "10.0.0.1")
    limiter.record_failure(db, "10.0.0.1")
    assert limiter.retry_after(db, "10.0.0.1") == 60
    assert limiter.retry_after(db, "10.0.0.2") is None
    assert LoginRateLimiter("test-other-scope", 2, 60, clock).retry_after(db, "10.0.0.1") is None
    clock.now += 60
    assert limiter.retry_after(db, "10.0.0.1") is None
    db.rollback()


@pytest.mark.parametrize(("limit", "window"), [(0, 60), (5, 0)])
def test_zero_turns_the_limit_off(db: Session, limit: int, window: int) -> None:
    limiter = LoginRateLimiter("test-off", limit, window, FakeClock())
    for _ in range(100):
        limiter.record_failure(db, "10.0.0.1")
    assert limiter.retry_after(db, "10.0.0.1") is None
    db.rollback()


def test_failures_past_the_window_are_deleted(db: Session) -> None:
    clock = FakeClock()
    limiter = LoginRateLimiter("test-sweep", 3, 60, clock)
    for i in range(250):
        limiter.record_failure(db, f"10.0.{i // 256}.{i % 256}")
    clock.now += 61
    limiter.record_failure(db, "10.9.9.9")
    kept = db.scalars(select(login_failure.c.client_key).where(login_failure.c.scope == "test-sweep")).all()
    assert kept == ["10.9.9.9"], "the table holds one window of failures"
    db.rollback()


def test_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BLAASTEMPEL_LOGIN_RATE_LIMIT", "25")
    monkeypatch.setenv("BLAASTEMPEL_LOGIN_RATE_WINDOW", "300")
    settings = Settings.from_env()
    assert (settings.login_rate_limit, settings.login_rate_window) == (25, 300)
    monkeypatch.setenv("BLAASTEMPEL_LOGIN_RATE_LIMIT", "lots")
    with pytest.raises(SystemExit, match="BLAASTEMPEL_LOGIN_RATE_LIMIT"):
        Settings.from_env()
    assert Settings().login_rate_limit == 10 and Settings().login_rate_window == 60
