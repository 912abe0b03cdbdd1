"""CSRF protection for the pages, bound to the browser session (see browser.py).

An unsafe request (POST, PUT, PATCH, DELETE) outside /api must send the token in the
`x-csrftoken` header (HTMX) or the `_csrf_token` form field: for a session, the HMAC of
its token; for a visitor without one, the signed token of its `csrftoken` cookie. Every
page gets the token for its forms (`csrf_input`, `csrf_token()`), and the cookies are kept
in step: the `csrftoken` mirror follows the session, and a session cookie that no longer
names a session is removed. Runs after AuthMiddleware, whose `auth` says whether the
session is valid. /api and requests with a bearer token need no CSRF protection: a
browser sends neither a bearer token nor (to /api) its session on its own.
"""

from __future__ import annotations

import hmac
import re

from litestar import Request
from litestar.datastructures import Cookie, MutableScopeHeaders
from litestar.enums import RequestEncodingType, ScopeType
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from litestar.utils.scope.state import ScopeState

from app.accounts.browser import (
    CSRF_COOKIE,
    CSRF_FIELD,
    CSRF_HEADER,
    SESSION_COOKIE,
    WebSession,
    csrf_cookie,
    ended_session_cookie,
    is_visitor_csrf_token,
    new_visitor_csrf_token,
    session_csrf_token,
)
from app.accounts.policy import SAFE_METHODS

FORM_TYPES = frozenset({RequestEncodingType.URL_ENCODED, RequestEncodingType.MULTI_PART})
EXEMPT_PATHS = re.compile("^/api/|^/health|^/metrics$|^/static/|^/schema")  # no session is read there


def _expected_token(request: Request, secret: str) -> str | None:
    """The token this request must carry, or None when it has none yet."""
    if isinstance(request.scope.get("auth"), WebSession):
        return session_csrf_token(secret, request.scope["auth"].token)
    cookie = request.cookies.get(CSRF_COOKIE)
    return cookie if cookie and is_visitor_csrf_token(secret, cookie) else None


async def _submitted_token(request: Request) -> str | None:
    token = request.headers.get(CSRF_HEADER)
    if not token and request.content_type[0] in FORM_TYPES:
        value = (await request.form()).get(CSRF_FIELD)
        token = value if isinstance(value, str) else None
    return token


class CsrfMiddleware(ASGIMiddleware):
    scopes = (ScopeType.HTTP,)

    def should_bypass_for_scope(self, scope: Scope) -> bool:  # the request's path, not its route's
        return EXEMPT_PATHS.match(scope["path"]) is not None

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        if scope.get("auth") == "token":  # a bearer token is never sent by a browser on its own
            await next_app(scope, receive, send)
            return
        request: Request = Request(scope, receive)
        settings = request.app.state.settings
        expected = _expected_token(request, settings.secret_key)
        ended_session = SESSION_COOKIE in request.cookies and scope.get("auth") is None
        if request.method not in SAFE_METHODS:
            submitted = await _submitted_token(request)
            if expected is None or submitted is None or not hmac.compare_digest(submitted, expected):
                if ended_session:  # logged out elsewhere, expired or deactivated: log in again
                    raise NotAuthorizedException("your session has ended")
                raise PermissionDeniedException("CSRF token verification failed")
        token = expected or new_visitor_csrf_token(settings.secret_key)
        ScopeState.from_scope(scope).csrf_token = token
        cookies = []
        if token != request.cookies.get(CSRF_COOKIE):
            cookies.append(csrf_cookie(token, settings.secure_cookies))
        if ended_session:
            cookies.append(ended_session_cookie(settings.secure_cookies))
        await next_app(scope, receive, _adding_cookies(send, cookies) if cookies else send)


def _adding_cookies(send: Send, cookies: list[Cookie]) -> Send:
    """Adds the cookies to the response, except those the handler set itself (login, logout)."""

    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = MutableScopeHeaders.from_message(message)
            already = {value.split("=", 1)[0].strip() for value in headers.getall("set-cookie", [])}
            for cookie in cookies:
                if cookie.key not in already:
                    headers.add("set-cookie", cookie.to_header(header=""))
        await send(message)

    return wrapped
