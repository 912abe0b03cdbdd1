"""Reading the audit trail."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit.models import AuditEvent
from app.core.pagination import PageRequest, paginate
from app.core.principal import Principal, require


def history(session: Session, principal: Principal, entity_type: str | None, entity_id: int | None,
            page: PageRequest) -> tuple[list[AuditEvent], int]:
    require(principal, "audit.read")
    stmt = select(AuditEvent).order_by(AuditEvent.id.desc())
    if entity_type:
        stmt = stmt.where(AuditEvent.entity_type == entity_type)
    if entity_id is not None:
        stmt = stmt.where(AuditEvent.entity_id == entity_id)
    return paginate(session, stmt, page)
