"""The audit trail as JSON."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy.orm import Session

from app.audit.services import history
from app.core.pagination import Page, PageRequest
from app.core.principal import Principal
from app.web.routing import get


class AuditEventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    at: datetime
    actor_label: str
    action: str
    entity_type: str
    entity_id: int | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None


@get("/api/audit", tags=["audit"], summary="Audit events, newest first (staff only)")
def list_audit(db: Session, principal: Principal, page: PageRequest, entity_type: str | None = None,
               entity_id: int | None = None) -> Page[AuditEventOut]:
    items, total = history(db, principal, entity_type, entity_id, page)
    return Page[AuditEventOut](items=[AuditEventOut.model_validate(i) for i in items], total=total,
                               limit=page.limit, offset=page.offset)
