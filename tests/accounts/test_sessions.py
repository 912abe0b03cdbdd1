"""Sessions live in the database: logout, deactivation, a role change and a new password
reach every session (and API token) of the user on its very next request, in every worker.
CSRF tokens are bound to the session and new at every login. A login costs one argon2
verification whatever the account's state, and a lock-out caused by someone else's
failures does not shut out a browser the account has logged in from before.

The app here has the per-address rate limit turned off, so the lock-out is tested alone.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from argon2 import PasswordHasher
from click.testing import CliRunner
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import func, select

from app.accounts.browser import KNOWN_BROWSER_COOKIE, SESSION_COOKIE, session_csrf_token
from app.accounts.models import User, UserSession
from app.accounts.services import (
    MAX_FAILED_LOGINS,
    change_role,
    create_token,
    create_user,
    principal_for_session,
    set_active,
    set_password,
    start_session,
    user_by_email,
)
from app.audit.hook import set_actor
from app.cli import main as cli
from app.main import create_app
from app.settings import Settings
from tests.helpers import unique

PASSWORD = "sessions-password"
NEW_PASSWORD = "another-sessions-password"
HOST = "testserver.local"  # the test client's host: cookies set for it replace the app's


@pytest.fixture(scope="module")
def web_app(settings: Settings) -> Iterator[Litestar]:
    app = create_app(replace(settings, login_rate_limit=0))
    with TestClient(app):  # runs the app's lifespan once; the browsers below share it
        yield app
    app.state.engine.dispose()


@pytest.fixture()
def browsers(web_app: Litestar) -> Any:
    """Opens independent browsers (cookie jars) on the app."""
    return lambda: TestClient(web_app)


def new_user(app: Litestar, role: str = "procurement") -> str:
    email = f"{unique('session')}@example.dk"
    with app.state.session_factory() as session, session.begin():
        set_actor(session, None, "tests:sessions")
        create_user(session, email=email, name=f"Sessions {email[:14]}", role=role, password=PASSWORD)
    return email


def change(app: Litestar, email: str, what: Any) -> None:
    """Change a user outside any request, as an administrator would (one transaction)."""
    with app.state.session_factory() as session, session.begin():
        set_actor(session, None, "tests:sessions")
        user = user_by_email(session, email)
        assert user is not None
        what(session, user)


def attempt(client: TestClient[Any], email: str, password: str, token: str | None = None) -> Any:
    if not client.cookies.get("csrftoken"):
        client.get("/login")
    return client.post("/login", data={"email": email, "password": password,
                                       "_csrf_token": token or client.cookies.get("csrftoken", "")},
                       follow_redirects=False)


def log_in(client: TestClient[Any], email: str, password: str = PASSWORD) -> TestClient[Any]:
    response = attempt(client, email, password)
    assert response.status_code in (302, 303), response.text
    return client


def who(client: TestClient[Any]) -> str | None:
    """The name the page header shows, or None for an anonymous visitor."""
    found = re.search(r'<span class="who">([^<]*)<small>', client.get("/").text)
    return found.group(1).strip() if found else None


def copy_of(client: TestClient[Any], app: Litestar) -> TestClient[Any]:
    """Another browser holding a copy of the session cookie (a stolen or second tab's)."""
    other = TestClient(app)
    other.cookies.set(SESSION_COOKIE, client.cookies[SESSION_COOKIE], domain=HOST)
    return other


# ---- sessions end or change on the next request -------------------------------------------


def test_logout_ends_the_session_and_every_copy_of_its_cookie(web_app: Litestar, browsers: Any) -> None:
    email = new_user(web_app)
    client = log_in(browsers(), email)
    stolen = copy_of(client, web_app)
    assert who(stolen) is not None
    client.post("/logout", data={"_csrf_token": client.cookies["csrftoken"]})
    assert who(client) is None
    response = stolen.get("/")
    assert 'class="who"' not in response.text, "the copied cookie must die with the logout"
    assert "blaastempel_session=" in response.headers.get("set-cookie", ""), "the dead cookie is removed"
    assert not stolen.cookies.get(SESSION_COOKIE)


def test_a_session_started_in_one_worker_is_ended_in_another(settings: Settings, web_app: Litestar,
                                                            browsers: Any) -> None:
    """Two app instances (two workers) share nothing but the database."""
    email = new_user(web_app)
    client = log_in(browsers(), email)
    other_worker = create_app(settings)
    try:
        with copy_of(client, other_worker) as elsewhere:
            assert who(elsewhere) is not None
            client.post("/logout", data={"_csrf_token": client.cookies["csrftoken"]})
            assert who(elsewhere) is None
    finally:
        other_worker.state.engine.dispose()


def test_deactivation_ends_every_session_and_stops_the_api_tokens(web_app: Litestar, browsers: Any) -> None:
    email = new_user(web_app)
    first, second = log_in(browsers(), email), log_in(browsers(), email)
    with web_app.state.session_factory() as session, session.begin():
        token = create_token(session, user_by_email(session, email), "sessions")
    bearer = {"Authorization": f"Bearer {token}"}
    assert first.get("/api/me", headers=bearer).json()["authenticated"]
    change(web_app, email, lambda session, user: set_active(session, user, False))
    assert who(first) is None and who(second) is None
    assert first.get("/api/me", headers=bearer).status_code == 401
    change(web_app, email, lambda session, user: set_active(session, user, True))
    assert who(first) is None, "an ended session stays ended"
    assert first.get("/api/me", headers=bearer).json()["authenticated"]


def test_a_role_change_applies_to_the_next_request_of_every_session(web_app: Litestar, browsers: Any) -> None:
    email = new_user(web_app, role="procurement")
    first, second = log_in(browsers(), email), log_in(browsers(), email)
    assert first.get("/approvals").status_code == 403
    change(web_app, email, lambda session, user: change_role(session, user, "approver"))
    assert first.get("/approvals").status_code == 200
    assert second.get("/approvals").status_code == 200
    change(web_app, email, lambda session, user: change_role(session, user, "procurement"))
    assert first.get("/approvals").status_code == 403
    assert second.get("/approvals").status_code == 403
    assert who(first) is not None, "a role change keeps the session"


def test_a_new_password_ends_every_session(web_app: Litestar, browsers: Any) -> None:
    email = new_user(web_app)
    first, second = log_in(browsers(), email), log_in(browsers(), email)
    change(web_app, email, lambda session, user: set_password(session, user, NEW_PASSWORD))
    assert who(first) is None and who(second) is None
    assert attempt(browsers(), email, PASSWORD).status_code == 400
    log_in(browsers(), email, NEW_PASSWORD)


def test_a_form_posted_after_the_session_ended_goes_to_the_login(web_app: Litestar, browsers: Any) -> None:
    email = new_user(web_app)
    client = log_in(browsers(), email)
    token = client.cookies["csrftoken"]
    change(web_app, email, lambda session, user: set_password(session, user, NEW_PASSWORD))
    response = client.post("/reports/jobs", data={"kind": "needs", "_csrf_token": token}, follow_redirects=False)
    assert response.status_code in (302, 303) and response.headers["location"].startswith("/login")


def test_sessions_expire_after_eight_hours(web_app: Litestar) -> None:
    email = new_user(web_app)
    start = datetime.now(UTC)
    with web_app.state.session_factory() as session, session.begin():
        token = start_session(session, user_by_email(session, email), start)
    with web_app.state.session_factory() as session:
        assert principal_for_session(session, token, start + timedelta(hours=7, minutes=59)) is not None
        assert principal_for_session(session, token, start + timedelta(hours=8)) is None
    with web_app.state.session_factory() as session, session.begin():  # the next login clears it away
        start_session(session, user_by_email(session, email), start + timedelta(hours=8))
    with web_app.state.session_factory() as session:
        user_id = session.scalar(select(User.id).where(User.email == email))
        assert session.scalar(select(func.count()).select_from(UserSession)
                              .where(UserSession.user_id == user_id)) == 1


def test_the_cli_changes_reach_the_sessions(database_url: str, web_app: Litestar, browsers: Any,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    email = new_user(web_app)
    client = log_in(browsers(), email)

    def run(*args: str) -> str:
        result = CliRunner().invoke(cli, ["users", *args, "--email", email])
        assert result.exit_code == 0, result.output
        return result.output

    assert "is now approver" in run("set-role", "--role", "approver")
    assert client.get("/approvals").status_code == 200
    refused = CliRunner().invoke(cli, ["users", "set-role", "--email", email, "--role", "org_reporter"])
    assert refused.exit_code == 1 and "organisation" in refused.output
    assert client.get("/approvals").status_code == 200, "a refused change changes nothing"
    assert "is deactivated" in run("deactivate")
    assert who(client) is None
    assert attempt(browsers(), email, PASSWORD).status_code == 400
    run("activate")
    assert "sessions have ended" in run("set-password", "--password", NEW_PASSWORD)
    log_in(client, email, NEW_PASSWORD)
    assert who(client) is not None


# ---- CSRF tokens bound to the session -----------------------------------------------------


def test_the_csrf_token_is_new_at_login_and_bound_to_the_session(web_app: Litestar, browsers: Any) -> None:
    email = new_user(web_app)
    client = browsers()
    client.get("/login")
    before_login = client.cookies["csrftoken"]
    log_in(client, email)
    token = client.cookies["csrftoken"]
    assert token != before_login
    secret = web_app.state.settings.secret_key
    assert token == session_csrf_token(secret, client.cookies[SESSION_COOKIE])
    assert f'name="_csrf_token" value="{token}"' in client.get("/").text, "the forms carry it"
    other_session = log_in(browsers(), email).cookies["csrftoken"]
    for stale in (before_login, other_session):
        response = client.post("/logout", data={"_csrf_token": stale})
        assert response.status_code == 403, "a token of another session (or of none) is refused"
        assert who(client) is not None
    client.post("/logout", data={"_csrf_token": token})
    assert who(client) is None


def test_a_planted_csrf_cookie_does_not_stand_in_for_the_session_token(web_app: Litestar,
                                                                      browsers: Any) -> None:
    """Double submit alone accepts any token the site issued, if the form repeats the cookie:
    an attacker who can set cookies for the site takes one from their own browser."""
    email = new_user(web_app)
    client = log_in(browsers(), email)
    attackers = browsers()
    attackers.get("/login")
    planted = attackers.cookies["csrftoken"]
    client.cookies.set("csrftoken", planted, domain=HOST)
    response = client.post("/logout", data={"_csrf_token": planted})
    assert response.status_code == 403
    assert who(client) is not None
    response = client.post("/logout", headers={"x-csrftoken": planted})
    assert response.status_code == 403
    visitor = browsers()  # without a session, the pair must also be one the site signed
    visitor.cookies.set("csrftoken", "made-up.0000", domain=HOST)
    assert attempt(visitor, email, PASSWORD, token="made-up.0000").status_code == 403


def test_the_htmx_header_carries_the_session_token(web_app: Litestar, browsers: Any) -> None:
    email = new_user(web_app)
    client = log_in(browsers(), email)
    token = session_csrf_token(web_app.state.settings.secret_key, client.cookies[SESSION_COOKIE])
    client.cookies.delete("csrftoken")  # the mirror is a convenience, never needed
    response = client.post("/logout", headers={"x-csrftoken": token}, follow_redirects=False)
    assert response.status_code in (302, 303)
    assert who(client) is None


# ---- login: one hash per attempt ----------------------------------------------------------


@pytest.fixture()
def argon2_calls(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """Counts argon2 hash computations and verifications, wherever they are made."""
    calls: Counter[str] = Counter()
    for name in ("hash", "verify"):
        original = getattr(PasswordHasher, name)

        def counting(self: PasswordHasher, *args: Any, _name: str = name, _original: Any = original,
                     **kwargs: Any) -> Any:
            calls[_name] += 1
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(PasswordHasher, name, counting)
    return calls


def test_every_login_attempt_costs_exactly_one_verification(web_app: Litestar, browsers: Any,
                                                             argon2_calls: Counter[str]) -> None:
    active, deactivated, locked = new_user(web_app), new_user(web_app), new_user(web_app)
    change(web_app, deactivated, lambda session, user: set_active(session, user, False))
    attacker = browsers()
    for _ in range(MAX_FAILED_LOGINS):
        assert attempt(attacker, locked, "wrong-password").status_code == 400
    cases = {
        "unknown e-mail": (f"{unique('nobody')}@example.dk", PASSWORD),
        "wrong password": (active, "wrong-password"),
        "deactivated, right password": (deactivated, PASSWORD),
        "deactivated, wrong password": (deactivated, "wrong-password"),
        "locked, right password": (locked, PASSWORD),
        "locked, wrong password": (locked, "wrong-password"),
        "right password": (active, PASSWORD),
    }
    for case, (email, password) in cases.items():
        client = browsers()
        client.get("/login")
        argon2_calls.clear()
        response = attempt(client, email, password)
        assert response.status_code == (302 if case == "right password" else 400), case
        assert argon2_calls == Counter({"verify": 1}), case


# ---- lock-out that a known browser still passes -------------------------------------------


def test_someone_elses_failures_do_not_lock_out_a_known_browser(web_app: Litestar, browsers: Any) -> None:
    email = new_user(web_app)
    own = log_in(browsers(), email)
    own.post("/logout", data={"_csrf_token": own.cookies["csrftoken"]})
    assert own.cookies.get(KNOWN_BROWSER_COOKIE), "the browser is remembered after logout"
    attacker = browsers()
    for _ in range(MAX_FAILED_LOGINS):
        assert attempt(attacker, email, "guess-123456").status_code == 400
    assert attempt(attacker, email, PASSWORD).status_code == 400, "locked: even the right password"
    assert attempt(browsers(), email, PASSWORD).status_code == 400, "a browser never used before waits too"
    forger = browsers()
    forged = own.cookies[KNOWN_BROWSER_COOKIE].rsplit(".", 1)[0] + "." + "0" * 64
    forger.cookies.set(KNOWN_BROWSER_COOKIE, forged, domain=HOST)
    assert attempt(forger, email, PASSWORD).status_code == 400, "a forged mark counts for nothing"
    log_in(own, email)
    assert who(own) is not None
    assert attempt(attacker, email, PASSWORD).status_code == 400, "the lock stays for the others"


def test_a_known_browser_that_keeps_failing_is_treated_as_unknown(web_app: Litestar, browsers: Any) -> None:
    email = new_user(web_app)
    own = log_in(browsers(), email)
    for _ in range(MAX_FAILED_LOGINS):
        assert attempt(own, email, "mistyped-123").status_code == 400
    log_in(browsers(), email)  # its failures did not lock the account
    for _ in range(MAX_FAILED_LOGINS):  # someone else locks it now
        assert attempt(browsers(), email, "guess-123456").status_code == 400
    assert attempt(own, email, PASSWORD).status_code == 400, "no exemption while it keeps failing"
