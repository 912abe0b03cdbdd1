"""Resolves who is calling: a bearer token (API) or the browser session (pages)."""

from __future__ import annotations

from anyio import to_thread
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult

from app.accounts.principal import ANONYMOUS_PRINCIPAL, Principal
from app.accounts.services import principal_of, user_for_token

SESSION_KEY = "principal"


def _principal_for_token(connection: ASGIConnection, token: str) -> Principal | None:
    with connection.app.state.session_factory() as session:
        user = user_for_token(session, token)
        return principal_of(user) if user else None


class AuthMiddleware(AbstractAuthenticationMiddleware):
    async def authenticate_request(self, connection: ASGIConnection) -> AuthenticationResult:
        header = connection.headers.get("authorization", "")
        if header.lower().startswith("bearer "):
            token = header[7:].strip()
            principal = await to_thread.run_sync(_principal_for_token, connection, token)
            if principal is None:
                raise NotAuthorizedException("the bearer token is unknown, revoked or expired")
            return AuthenticationResult(user=principal, auth="token")
        # The API is authenticated by tokens only, so a browser cookie can never be
        # used to write through /api without CSRF protection.
        if not connection.url.path.startswith("/api") and "session" in connection.scope:
            stored = connection.session.get(SESSION_KEY)
            if stored:
                return AuthenticationResult(user=Principal(**stored), auth="session")
        return AuthenticationResult(user=ANONYMOUS_PRINCIPAL, auth=None)
