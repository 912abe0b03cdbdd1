"""Request-scoped dependencies shared by every controller."""

from __future__ import annotations

from litestar import Request
from sqlalchemy.orm import Session

from app.accounts.principal import Principal
from app.audit.hook import set_actor
from app.catalogue.services import PageRequest


def provide_principal(request: Request) -> Principal:
    return request.user


def provide_db(db_session: Session, request: Request) -> Session:
    principal: Principal = request.user
    set_actor(db_session, principal.id, principal.audit_label)
    return db_session


def provide_page(limit: int = 25, offset: int = 0) -> PageRequest:
    return PageRequest(limit=limit, offset=offset)
