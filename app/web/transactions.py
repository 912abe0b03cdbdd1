"""How a request's database session ends: commit on success, roll back otherwise.

Replaces advanced-alchemy's synchronous autocommit hook, which Litestar runs in a
worker thread for every response message (two thread hops per request, even when the
handler never touched the database or already ended its transaction). This hook is
async and only goes to a thread when there is a transaction to end, and a failed
commit is logged as an error and turns the answer into a 503 instead of a silent
success.

That thread comes from the process's own limiter for endings (app/web/capacity.py), never
from the handlers' pool: a commit that would release a row lock must not wait for a thread
behind handlers that wait for that very lock (issue 14: seven writers on one record hung
the server on PostgreSQL).
"""

from __future__ import annotations

import logging
from typing import Any

from advanced_alchemy.extensions.litestar import SQLAlchemySyncConfig
from anyio import to_thread
from litestar.constants import HTTP_DISCONNECT, HTTP_RESPONSE_START, WEBSOCKET_CLOSE, WEBSOCKET_DISCONNECT
from litestar.datastructures import State
from litestar.types import Scope
from sqlalchemy.orm import Session

from app.web import capacity

log = logging.getLogger("blaastempel.db")

COMMIT_STATUSES = range(200, 400)  # redirects too: a form post answers 303 after saving
SESSION_ENDS = {HTTP_RESPONSE_START, HTTP_DISCONNECT, WEBSOCKET_DISCONNECT, WEBSOCKET_CLOSE}
REQUEST_SESSION = "db_session"  # the request's session, in the connection's state (scope["state"])


class RequestSessions(SQLAlchemySyncConfig):
    """advanced-alchemy's session per request, kept in the connection's state too, where
    `commit_before_send` finds it and ends it."""

    def __post_init__(self) -> None:
        self.before_send_handler = commit_before_send
        super().__post_init__()

    def provide_session(self, state: State, scope: Scope) -> Session:
        session = super().provide_session(state, scope)
        scope.setdefault("state", {})[REQUEST_SESSION] = session
        return session


async def commit_before_send(message: Any, scope: Any) -> None:
    state = scope.get("state", {})
    session: Session | None = state.get(REQUEST_SESSION)
    if session is None:
        return
    limits = capacity.of(scope)
    starting = message["type"] == HTTP_RESPONSE_START
    if starting and session.in_transaction() and not await to_thread.run_sync(
            _end, session, message["status"] in COMMIT_STATUSES, limiter=limits.endings):
        message["status"] = 503  # never answer success for a write that was not kept
        message["headers"] = [*message.get("headers", []), (b"retry-after", limits.retry_after.encode())]
    if message["type"] in SESSION_ENDS:
        if session.in_transaction():  # only if something used it after the response began
            await to_thread.run_sync(session.close, limiter=limits.endings)
        else:
            session.close()
        del state[REQUEST_SESSION]


def _end(session: Session, commit: bool) -> bool:
    """Commit or roll back; False when a commit failed (and was rolled back)."""
    try:
        if commit:
            session.commit()
        else:
            session.rollback()
        return True
    except Exception:
        log.exception("ending the request's transaction failed (commit=%s)", commit)
        session.rollback()
        return not commit


def end_read(session: Session) -> None:
    """A read-only handler ends its snapshot in its own worker thread, so sending the
    response needs no second trip to a thread just to end the transaction."""
    session.rollback()
