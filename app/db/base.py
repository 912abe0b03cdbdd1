"""Declarative base and shared mixins. Every table's model imports from here."""

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


def import_all_models() -> None:
    """Import every domain's models so the metadata is complete (Alembic, tests)."""
    from app.accounts import models as _accounts  # noqa: F401
    from app.approvals import models as _approvals  # noqa: F401
    from app.assessment import models as _assessment  # noqa: F401
    from app.audit import models as _audit  # noqa: F401
    from app.benchmark import models as _benchmark  # noqa: F401
    from app.catalogue import models as _catalogue  # noqa: F401
    from app.reporting import models as _reporting  # noqa: F401
    from app.search import models as _search  # noqa: F401
