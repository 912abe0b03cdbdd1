"""Declarative base and shared mixins. Every table's model imports from here; the complete
metadata (every domain's models imported) is app.registry's job."""

from __future__ import annotations

from typing import Any

from advanced_alchemy.base import BigIntAuditBase, orm_registry
from sqlalchemy import Integer
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

Base = BigIntAuditBase
metadata = orm_registry.metadata


class Versioned:
    """Optimistic locking: SQLAlchemy bumps `version` and refuses stale updates."""

    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        return {"version_id_col": cls.__table__.c.version}

