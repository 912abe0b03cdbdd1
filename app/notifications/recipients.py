"""The people an event concerns, by their part: approvers, a vendor's users. Deactivated
users are left out here already (the outbox would skip them too)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.core.roles import Role


def with_role(session: Session, role: str) -> list[User]:
    return list(session.scalars(select(User).where(User.role == role, User.is_active.is_(True))
                                .order_by(User.id)))


def approvers(session: Session) -> list[User]:
    return with_role(session, Role.APPROVER)


def vendor_users(session: Session, vendor_id: int) -> list[User]:
    return list(session.scalars(select(User).where(User.role == Role.VENDOR, User.vendor_id == vendor_id,
                                                   User.is_active.is_(True)).order_by(User.id)))
