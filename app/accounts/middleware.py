"""Resolves who is calling: a bearer token (API) or the browser session (pages).

Both are looked up in the database on every request, with the user's current role and
state, so a deactivation, a role change or an ended session applies to the next request."""

from __future__ import annotations

from anyio import to_thread
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult

from app.accounts.browser import SESSION_COOKIE, WebSession
from app.accounts.policy import SAFE_METHODS
from app.accounts.services import principal_for_session, principal_of, user_for_token
from app.core.principal import ANONYMOUS_PRINCIPAL, Principal


def _principal_for_token(connection: ASGIConnection, token: str) -> Principal | None:
    with connection.app.state.session_factory() as session:
        user = user_for_token(session, token)
        return principal_of(user) if user else None


def _principal_for_session(connection: ASGIConnection, token: str) -> Principal | None:
    with connection.app.state.session_factory() as session:
        return principal_for_session(session, token)


class AuthMiddleware(AbstractAuthenticationMiddleware):
    async def authenticate_request(self, connection: ASGIConnection) -> AuthenticationResult:
        header = connection.headers.get("authorization", "")
        is_api = connection.url.path.startswith("/api")
        # A bearer token is for the API, and for reading pages such as the calendar feed; a
        # page form is posted from a browser session, with the session's CSRF token.
        if header.lower().startswith("bearer ") and (is_api or connection.scope.get("method", "GET") in SAFE_METHODS):
            token = header[7:].strip()
            principal = await to_thread.run_sync(_principal_for_token, connection, token)
            if principal is None:
                raise NotAuthorizedException("the bearer token is unknown, revoked or expired")
            return AuthenticationResult(user=principal, auth="token")
        # The API is authenticated by tokens only, so a browser cookie can never be
        # used to write through /api without CSRF protection.
        session_token = connection.cookies.get(SESSION_COOKIE)
        if session_token and not is_api:
            principal = await to_thread.run_sync(_principal_for_session, connection, session_token)
            if principal is not None:
                return AuthenticationResult(user=principal, auth=WebSession(session_token))
        return AuthenticationResult(user=ANONYMOUS_PRINCIPAL, auth=None)
