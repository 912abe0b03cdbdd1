"""Who is making the request: a user or an anonymous visitor."""

from __future__ import annotations

from dataclasses import dataclass

from app.accounts.roles import ANONYMOUS, allowed


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
