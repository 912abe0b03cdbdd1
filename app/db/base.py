"""Declarative base and shared mixins. Every table's model imports from here; the complete
metadata (every domain's models imported) is app.registry's job."""

from __future__ import annotations

from typing import Any, cast

from advanced_alchemy.base import BigIntAuditBase, orm_registry
from sqlalchemy import Integer, Table
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

Base = BigIntAuditBase
metadata = orm_registry.metadata


def table_of(model: type[Any]) -> Table:
    """A mapped class's Table (SQLAlchemy types ``__table__`` as any FromClause)."""
    return cast(Table, model.__table__)


class Versioned:
    """Optimistic locking: SQLAlchemy bumps `version` and refuses stale updates."""

    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    @declared_attr.directive
    def __mapper_args__(cls: type[Any]) -> dict[str, Any]:
        return {"version_id_col": table_of(cls).c.version}

