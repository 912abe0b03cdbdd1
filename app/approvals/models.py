"""Approval tables: one approval case per solution (the current state, as decided by
app.approvals.lifecycle), its append-only history of events, and the evidence plan's
milestones of a temporary approval."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import User
from app.catalogue.models import Solution
from app.db.base import Base, Versioned


class ApprovalCase(Versioned, Base):
    __tablename__ = "approval_case"
    __table_args__ = (Index("ix_approval_case_status_until", "status", "valid_until"),)

    solution_id: Mapped[int] = mapped_column(ForeignKey("solution.id"), unique=True)
    # Assigned once, at the first approval (permanent or temporary); never changed or reused.
    register_number: Mapped[str | None] = mapped_column(String(20), unique=True)
    status: Mapped[str] = mapped_column(String(30), default="none")
    applied_on: Mapped[date | None] = mapped_column(Date)
    decided_on: Mapped[date | None] = mapped_column(Date)
    first_approved_on: Mapped[date | None] = mapped_column(Date)
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date)
    evidence_due: Mapped[date | None] = mapped_column(Date)
    temporary_count: Mapped[int] = mapped_column(Integer, default=0)
    extension_count: Mapped[int] = mapped_column(Integer, default=0)
    temporary_outcome: Mapped[str | None] = mapped_column(String(30))
    last_event_on: Mapped[date | None] = mapped_column(Date)
    treatment_areas: Mapped[list[str]] = mapped_column(JSON, default=list)
    indications: Mapped[str | None] = mapped_column(Text)
    conditions: Mapped[str | None] = mapped_column(Text)
    # The open (or last) application's basis (lifecycle.BASES), its reference and due date.
    basis: Mapped[str] = mapped_column(String(10), default="none", server_default="none")
    basis_reference: Mapped[str | None] = mapped_column(String(500))
    decision_due: Mapped[date | None] = mapped_column(Date)

    solution: Mapped[Solution] = relationship(lazy="joined")
    milestones: Mapped[list[ApprovalMilestone]] = relationship(
        back_populates="case", lazy="selectin", cascade="all, delete-orphan",
        order_by="ApprovalMilestone.position")
    events: Mapped[list[ApprovalEvent]] = relationship(
        back_populates="case", lazy="select", order_by="ApprovalEvent.id")


class ApprovalEvent(Base):
    """One recorded event (application, decision, extension, expiry, milestone ...):
    who, when, why, what was given, and the status it left behind."""

    __tablename__ = "approval_event"
    __table_args__ = (Index("ix_approval_event_solution_on", "solution_id", "on_date"),)

    case_id: Mapped[int] = mapped_column(ForeignKey("approval_case.id"), index=True)
    solution_id: Mapped[int] = mapped_column(ForeignKey("solution.id"))
    kind: Mapped[str] = mapped_column(String(30), index=True)
    on_date: Mapped[date] = mapped_column(Date)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    actor_label: Mapped[str] = mapped_column(String(260))
    reason: Mapped[str | None] = mapped_column(Text)
    conditions: Mapped[str | None] = mapped_column(Text)
    indications: Mapped[str | None] = mapped_column(Text)
    treatment_areas: Mapped[list[str]] = mapped_column(JSON, default=list)
    assessment_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    from_status: Mapped[str] = mapped_column(String(30))
    to_status: Mapped[str] = mapped_column(String(30))
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date)

    case: Mapped[ApprovalCase] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship(lazy="joined")


class ApprovalMilestone(Versioned, Base):
    """A milestone of a temporary approval's evidence plan."""

    __tablename__ = "approval_milestone"

    case_id: Mapped[int] = mapped_column(ForeignKey("approval_case.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300))
    due_date: Mapped[date] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(10), default="pending")
    evidence_url: Mapped[str | None] = mapped_column(String(500))
    done_on: Mapped[date | None] = mapped_column(Date)

    case: Mapped[ApprovalCase] = relationship(back_populates="milestones")


__all__ = ["ApprovalCase", "ApprovalEvent", "ApprovalMilestone"]
