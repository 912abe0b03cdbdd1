"""The one session hook that writes an audit event for every ORM change.

Services never write audit rows themselves: whoever changes a record through a
Session gets it audited in the same transaction. The actor comes from
`session.info["actor"]`, set by the request dependency or the CLI.
"""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session, UOWTransaction

from app.audit.models import AuditEvent
from app.db.base import table_of

SKIPPED_COLUMNS = frozenset({"created_at", "updated_at", "version", "password_hash", "token_hash"})
# Browser sessions come and go with every login and logout; they are not register data.
UNAUDITED_TABLES = frozenset({"audit_event", "user_session"})
SYSTEM_ACTOR = (None, "system")


def set_actor(session: Session, user_id: int | None, label: str) -> None:
    session.info["actor"] = (user_id, label)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if hasattr(value, "__table__"):
        return getattr(value, "code", None) or getattr(value, "id", None)
    return value


def _snapshot(obj: Any) -> dict[str, Any]:
    mapper = inspect(obj).mapper
    values = {
        attr.key: _plain(getattr(obj, attr.key))
        for attr in mapper.column_attrs
        if attr.key not in SKIPPED_COLUMNS
    }
    for rel in mapper.relationships:
        if rel.secondary is not None and rel.key in obj.__dict__:
            values[rel.key] = sorted(_plain(list(getattr(obj, rel.key))), key=str)
    return values


def _changes(obj: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    state = inspect(obj)
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for attr in state.mapper.column_attrs:
        if attr.key in SKIPPED_COLUMNS:
            continue
        hist = state.attrs[attr.key].history
        if hist.has_changes() and (hist.deleted or hist.added):
            old = hist.deleted[0] if hist.deleted else None
            new = hist.added[0] if hist.added else None
            if old != new:
                before[attr.key], after[attr.key] = _plain(old), _plain(new)
    for rel in state.mapper.relationships:
        if rel.secondary is None:
            continue
        hist = state.attrs[rel.key].history
        if hist.added or hist.deleted:
            current = list(hist.unchanged) + list(hist.added)
            previous = list(hist.unchanged) + list(hist.deleted)
            before[rel.key] = sorted(_plain(previous), key=str)
            after[rel.key] = sorted(_plain(current), key=str)
    return before, after


def _auditable(obj: Any) -> bool:
    table = getattr(obj, "__tablename__", None)
    return table is not None and table not in UNAUDITED_TABLES


def _event(session: Session, action: str, obj: Any, before: Any, after: Any) -> AuditEvent:
    actor_id, label = session.info.get("actor", SYSTEM_ACTOR)
    return AuditEvent(
        at=datetime.now(UTC),
        actor_id=actor_id,
        actor_label=label,
        action=action,
        entity_type=obj.__tablename__,
        entity_id=getattr(obj, "id", None),
        before=before,
        after=after,
    )


@event.listens_for(Session, "before_flush")
def _audit_updates_and_deletes(session: Session, _ctx: UOWTransaction, _instances: Any) -> None:
    for obj in list(session.dirty):
        if _auditable(obj) and session.is_modified(obj, include_collections=True):
            before, after = _changes(obj)
            if after:
                session.add(_event(session, "update", obj, before, after))
    for obj in list(session.deleted):
        if _auditable(obj):
            session.add(_event(session, "delete", obj, _snapshot(obj), None))
    pending = [obj for obj in session.new if _auditable(obj)]
    session.info.setdefault("audit_pending_creates", []).extend(pending)


@event.listens_for(Session, "after_flush")
def _audit_creates(session: Session, _ctx: UOWTransaction) -> None:
    """Creates are logged after the flush, when the new row has its id."""
    pending = session.info.pop("audit_pending_creates", [])
    if not pending:
        return
    rows = [_event(session, "create", obj, None, _snapshot(obj)) for obj in pending]
    session.execute(
        table_of(AuditEvent).insert(),
        [
            {c: getattr(r, c) for c in ("at", "actor_id", "actor_label", "action",
                                        "entity_type", "entity_id", "before", "after")}
            | {"created_at": r.at, "updated_at": r.at}
            for r in rows
        ],
    )
