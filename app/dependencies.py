"""Request-scoped dependencies shared by every controller."""

from __future__ import annotations

from litestar import Request
from litestar.datastructures import State
from sqlalchemy.orm import Session

from app.audit.hook import set_actor
from app.core.pagination import DEFAULT_PAGE_SIZE, PageRequest
from app.core.principal import Principal
from app.search.backend import SearchBackend


def provide_principal(request: Request) -> Principal:
    return request.user


def provide_db(db_session: Session, request: Request) -> Session:
    principal: Principal = request.user
    set_actor(db_session, principal.id, principal.audit_label)
    return db_session


def provide_page(limit: int = DEFAULT_PAGE_SIZE, offset: int = 0) -> PageRequest:
    return PageRequest(limit=limit, offset=offset)


def provide_search(state: State) -> SearchBackend:
    """The search engine made once at start-up (app.search.services.make_backend)."""
    return state.search_backend
