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


def creators(session: Session, entity_type: str, entity_ids: list[int]) -> dict[int, int]:
    """entity id -> the user who created it, from the trail (records created by the system,
    a seed or an import have none)."""
    rows = session.execute(select(AuditEvent.entity_id, AuditEvent.actor_id).where(
        AuditEvent.entity_type == entity_type, AuditEvent.action == "create",
        AuditEvent.entity_id.in_(entity_ids), AuditEvent.actor_id.is_not(None)))
    return {int(entity): int(actor) for entity, actor in rows if entity is not None and actor is not None}
