"""Login rate limiting per client address (app/accounts/ratelimit.py): after N failed
logins from one address within the window, every login from it answers 429 -- across
accounts, and with the right password too -- until the window has passed. Other routes
are never limited. The app here has its own small limit and a fake clock."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient

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


@pytest.fixture()
def clock(limited_app: Litestar) -> Iterator[FakeClock]:
    fake = FakeClock()
    limiter: LoginRateLimiter = limited_app.state.login_limiter
    limiter.clock = fake
    limiter.reset()
    yield fake
    limiter.reset()


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


def test_addresses_are_counted_separately() -> None:
    clock = FakeClock()
    limiter = LoginRateLimiter(2, 60, clock)
    limiter.record_failure("10.0.0.1")
    limiter.record_failure("10.0.0.1")
    assert limiter.retry_after("10.0.0.1") == 60
    assert limiter.retry_after("10.0.0.2") is None
    clock.now += 60
    assert limiter.retry_after("10.0.0.1") is None


@pytest.mark.parametrize(("limit", "window"), [(0, 60), (5, 0)])
def test_zero_turns_the_limit_off(limit: int, window: int) -> None:
    limiter = LoginRateLimiter(limit, window, FakeClock())
    for _ in range(100):
        limiter.record_failure("10.0.0.1")
    assert limiter.retry_after("10.0.0.1") is None


def test_memory_stays_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    from app.accounts import ratelimit

    monkeypatch.setattr(ratelimit, "MAX_TRACKED", 100)
    clock = FakeClock()
    limiter = LoginRateLimiter(3, 60, clock)
    for i in range(250):
        limiter.record_failure(f"10.0.{i // 256}.{i % 256}")
    assert len(limiter._failures) <= 100
    clock.now += 61
    limiter.record_failure("10.9.9.9")
    assert len(limiter._failures) <= 100


def test_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BLAASTEMPEL_LOGIN_RATE_LIMIT", "25")
    monkeypatch.setenv("BLAASTEMPEL_LOGIN_RATE_WINDOW", "300")
    settings = Settings.from_env()
    assert (settings.login_rate_limit, settings.login_rate_window) == (25, 300)
    monkeypatch.setenv("BLAASTEMPEL_LOGIN_RATE_LIMIT", "lots")
    with pytest.raises(SystemExit, match="BLAASTEMPEL_LOGIN_RATE_LIMIT"):
        Settings.from_env()
    assert Settings().login_rate_limit == 10 and Settings().login_rate_window == 60
