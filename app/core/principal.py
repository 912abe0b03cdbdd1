"""Who is making the request (a user or an anonymous visitor) and the check that their
role may do something."""

from __future__ import annotations

from dataclasses import dataclass

from app.core.roles import ANONYMOUS, allowed
from app.errors import Forbidden, Unauthenticated
from app.messages import Message, Term


@dataclass(frozen=True)
class Principal:
    id: int | None
    email: str
    name: str
    role: str
    organisation_id: int | None = None
    vendor_id: int | None = None

    @property
    def is_authenticated(self) -> bool:
        return self.id is not None

    def can(self, permission: str) -> bool:
        return allowed(self.role if self.is_authenticated else None, permission)

    @property
    def audit_label(self) -> str:
        return f"{self.email} ({self.role})" if self.is_authenticated else ANONYMOUS


ANONYMOUS_PRINCIPAL = Principal(id=None, email="", name="", role=ANONYMOUS)


def require(principal: Principal, permission: str) -> None:
    if not principal.can(permission) and not principal.is_authenticated:
        raise Unauthenticated("log in (or send a bearer token) to do this")
    if not principal.can(permission):
        raise Forbidden(Message("your role ({role}) may not do this ({permission})",
                                role=Message(principal.role), permission=Term("permission", permission)))
