"""Users and API tokens."""

from __future__ import annotations

from datetime import datetime

from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import BigInteger, Boolean, Column, ForeignKey, Index, Integer, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.catalogue.models import Organisation, Vendor
from app.db.base import Base, metadata


class User(Base):
    __tablename__ = "user_account"

    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20), index=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    vendor_id: Mapped[int | None] = mapped_column(ForeignKey("vendor.id"))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    language: Mapped[str] = mapped_column(String(2), default="da")

    organisation: Mapped[Organisation | None] = relationship(lazy="joined")
    vendor: Mapped[Vendor | None] = relationship(lazy="joined")


class ApiToken(Base):
    __tablename__ = "api_token"

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    last_used_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)

    user: Mapped[User] = relationship(lazy="joined")


class UserSession(Base):
    """A browser login. The cookie holds a random token and this table only its SHA-256
    digest; every request looks its row up (with the user's current role and state), so
    deleting the row ends the session at once in every worker."""

    __tablename__ = "user_session"

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True), index=True)


# Failed logins per client key within the rate limit's window (app/accounts/ratelimit.py):
# in the database so every worker counts the same failures. Rows live a window long.
login_failure = Table(
    "login_failure", metadata,
    Column("id", BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True),
    Column("scope", String(16), nullable=False),
    Column("client_key", String(100), nullable=False),
    Column("failed_at", DateTimeUTC(timezone=True), nullable=False),
    Index("ix_login_failure_key", "scope", "client_key", "failed_at"),
    Index("ix_login_failure_time", "scope", "failed_at"),
)
