"""The browser's cookies: the session token, its CSRF token and the known-browser mark.

- `blaastempel_session` holds a random session token (HttpOnly); the server keeps its
  digest in `user_session` (services.start_session), so the cookie carries no rights.
- The CSRF token of a session is an HMAC of the session token with SECRET_KEY: bound to
  that session and new at every login. A visitor without a session (the login form) gets
  a signed random token that must come back both in the `csrftoken` cookie and in the
  form (double submit). The `csrftoken` cookie always mirrors the token the pages carry;
  for a session it is never trusted, only compared with the HMAC.
- `blaastempel_device` marks a browser that has logged in to some accounts before (their
  ids, signed), so a lock-out by someone else's failures does not shut it out.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from litestar.datastructures import Cookie

from app.accounts.services import SESSION_LIFETIME

SESSION_COOKIE = "blaastempel_session"
CSRF_COOKIE = "csrftoken"
CSRF_HEADER = "x-csrftoken"
CSRF_FIELD = "_csrf_token"
KNOWN_BROWSER_COOKIE = "blaastempel_device"
KNOWN_BROWSER_LIFETIME = timedelta(days=180)
KNOWN_BROWSER_MAX_ACCOUNTS = 5  # a shared workstation remembers its last five accounts


@dataclass(frozen=True)
class WebSession:
    """The request's `auth` when it came with a valid session cookie."""
    token: str


@dataclass(frozen=True)
class KnownBrowser:
    nonce: str
    user_ids: tuple[int, ...]  # oldest first


def _sign(secret: str, purpose: str, value: str) -> str:
    return hmac.new(secret.encode(), f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()


def session_csrf_token(secret: str, session_token: str) -> str:
    return _sign(secret, "csrf-session", session_token)


def new_visitor_csrf_token(secret: str) -> str:
    nonce = secrets.token_hex(16)
    return f"{nonce}.{_sign(secret, 'csrf-visitor', nonce)}"


def is_visitor_csrf_token(secret: str, token: str) -> bool:
    nonce, _, signature = token.partition(".")
    return bool(nonce) and hmac.compare_digest(signature, _sign(secret, "csrf-visitor", nonce))


def read_known_browser(secret: str, value: str | None) -> KnownBrowser | None:
    """The known-browser cookie's contents, or None when it is missing, malformed or forged."""
    nonce, _, rest = (value or "").partition(".")
    ids, _, signature = rest.partition(".")
    if not nonce or not hmac.compare_digest(signature, _sign(secret, "known-browser", f"{nonce}.{ids}")):
        return None
    return KnownBrowser(nonce, tuple(int(i) for i in ids.split("-") if i.isdigit()))


def _cookie(key: str, value: str, max_age: int | None, secure: bool, httponly: bool = True) -> Cookie:
    return Cookie(key=key, value=value, max_age=max_age, path="/", httponly=httponly,
                  samesite="lax", secure=secure)


def known_browser_cookie(secret: str, browser: KnownBrowser | None, user_id: int, secure: bool) -> Cookie:
    """The cookie after `user_id` logged in from this browser: its id is added (last)."""
    nonce = browser.nonce if browser else secrets.token_hex(16)
    kept = [i for i in (browser.user_ids if browser else ()) if i != user_id]
    ids = "-".join(str(i) for i in [*kept, user_id][-KNOWN_BROWSER_MAX_ACCOUNTS:])
    value = f"{nonce}.{ids}.{_sign(secret, 'known-browser', f'{nonce}.{ids}')}"
    return _cookie(KNOWN_BROWSER_COOKIE, value, int(KNOWN_BROWSER_LIFETIME.total_seconds()), secure)


def session_cookie(token: str, secure: bool) -> Cookie:
    return _cookie(SESSION_COOKIE, token, int(SESSION_LIFETIME.total_seconds()), secure)


def ended_session_cookie(secure: bool) -> Cookie:
    return _cookie(SESSION_COOKIE, "", 0, secure)


def csrf_cookie(token: str, secure: bool) -> Cookie:
    """Readable by scripts (and tests): it only mirrors the token that the pages carry."""
    return _cookie(CSRF_COOKIE, token, None, secure, httponly=False)
