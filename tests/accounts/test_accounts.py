"""Login with sessions and CSRF, lock-out, bearer tokens, password hashing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from app.accounts.passwords import hash_password, verify_password
from app.accounts.services import authenticate, create_token, create_user, user_for_token
from app.errors import ValidationFailed
from tests.helpers import DEMO_PASSWORD, DEMO_USERS, login, unique


def test_passwords_are_argon2_hashed() -> None:
    hashed = hash_password("correct horse battery")
    assert hashed.startswith("$argon2id$")
    assert verify_password(hashed, "correct horse battery")
    assert not verify_password(hashed, "wrong")


def test_login_sets_httponly_samesite_session(client: Any) -> None:
    client.get("/login")
    response = client.post("/login", data={"email": DEMO_USERS["assessor"], "password": DEMO_PASSWORD,
                                           "_csrf_token": client.cookies.get("csrftoken")},
                           follow_redirects=False)
    assert response.status_code in (302, 303)
    session_cookie = next(h for h in response.headers.get_list("set-cookie")
                          if h.startswith("blaastempel_session="))
    assert "HttpOnly" in session_cookie and "SameSite=lax" in session_cookie
    page = client.get("/")
    assert "Bo Bedømmer" in page.text


def test_login_form_without_csrf_token_is_refused(client: Any) -> None:
    client.get("/login")
    response = client.post("/login", data={"email": DEMO_USERS["admin"], "password": DEMO_PASSWORD})
    assert response.status_code == 403


def test_wrong_password_is_a_clear_error(client: Any) -> None:
    client.get("/login")
    response = client.post("/login", data={"email": DEMO_USERS["procurement"], "password": "nope",
                                           "_csrf_token": client.cookies.get("csrftoken")})
    assert response.status_code == 400
    assert "Forkert e-mail eller adgangskode" in response.text


def test_lock_out_after_repeated_failures(db: Any) -> None:
    email = f"{unique('lock')}@example.dk"
    create_user(db, email=email, name="Lock Test", role="procurement", password="long-enough-pw")
    now = datetime.now(UTC)
    for _ in range(5):
        assert authenticate(db, email, "wrong-password", now) is None
    assert authenticate(db, email, "long-enough-pw", now) is None, "locked accounts refuse the right password"
    assert authenticate(db, email, "long-enough-pw", now + timedelta(minutes=16)) is not None
    db.rollback()


def test_user_validation_names_fields(db: Any) -> None:
    with pytest.raises(ValidationFailed) as info:
        create_user(db, email="not-an-email", name="X", role="wizard", password="short")
    assert set(info.value.errors) == {"email", "role", "password"}
    with pytest.raises(ValidationFailed) as info:
        create_user(db, email=f"{unique()}@x.dk", name="X", role="org_reporter", password="long-enough-pw",
                    organisation_ref="municipality:999")
    assert "organisation" in info.value.errors
    db.rollback()


def test_tokens_expire_and_unknown_tokens_are_401(db: Any, client: Any) -> None:
    user = create_user(db, email=f"{unique()}@x.dk", name="T", role="admin", password="long-enough-pw")
    token = create_token(db, user, valid_days=1)
    assert user_for_token(db, token) is user
    assert user_for_token(db, token, datetime.now(UTC) + timedelta(days=2)) is None
    db.rollback()
    response = client.get("/api/me", headers={"Authorization": "Bearer bt_unknown"})
    assert response.status_code == 401


def test_me_with_token(client: Any, auth: Any) -> None:
    body = client.get("/api/me", headers=auth("vendor")).json()
    assert body["authenticated"] and body["role"] == "vendor" and body["vendor_id"]


def test_session_cookie_does_not_authenticate_the_api(client: Any) -> None:
    login(client, "admin")
    assert client.get("/api/me").json()["authenticated"] is False


def test_security_headers_and_csp_without_inline_script(client: Any) -> None:
    response = client.get("/")
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert "<script>" not in response.text
