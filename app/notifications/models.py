"""The notification outbox and each user's choices of what to receive."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import User
from app.db.base import Base


class Notification(Base):
    """One mail to one user, written in the same transaction as the event that caused
    it. `context` holds what the mail template needs, as JSON (dates as ISO text)."""

    __tablename__ = "notification"
    __table_args__ = (
        Index("ix_notification_pending", "status", "next_attempt_at"),
        # A reminder or an alert is written once: same user, kind and key is a repeat.
        UniqueConstraint("user_id", "kind", "dedup_key", name="uq_notification_dedup"),
    )

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    context: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    dedup_key: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(12), default="pending")  # pending | sent | skipped | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    sent_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    last_error: Mapped[str | None] = mapped_column(Text)

    user: Mapped[User] = relationship(lazy="joined")


class NotificationPreference(Base):
    """A user's choice for one kind; no row means the kind is on."""

    __tablename__ = "notification_preference"
    __table_args__ = (UniqueConstraint("user_id", "kind", name="uq_notification_preference"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)


class NotificationSetting(Base):
    """A user's delivery choice: each mail at once ("immediate", also when there is no
    row) or one daily digest; `digest_on` is the last day a digest was claimed."""

    __tablename__ = "notification_setting"

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), unique=True)
    delivery: Mapped[str] = mapped_column(String(12), default="immediate")  # immediate | daily
    digest_on: Mapped[date | None] = mapped_column(Date)


class SavedSearch(Base):
    """A search a user saved (the search page's query and facets), with the solutions it
    matched when last looked at: an alert tells of the published solutions found since."""

    __tablename__ = "saved_search"

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # q, sort and facet -> values
    alerts: Mapped[bool] = mapped_column(Boolean, default=True)
    seen_solution_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    scanned_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))
