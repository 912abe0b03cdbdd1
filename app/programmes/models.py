"""Spread programmes (model 1.1): a national body or a region picks treatment areas and
approved solutions to spread to a set of organisations, with dated targets and milestones.

The target organisations are kept as the rule that chose them (all municipalities, the
hospitals of some regions) or as a list, so "all 98 municipalities" stays all of them."""

from __future__ import annotations

from datetime import date

from sqlalchemy import JSON, Column, Date, Float, ForeignKey, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.catalogue.models import Organisation, Solution
from app.db.base import Base, Versioned, metadata

programme_solution = Table(
    "programme_solution", metadata,
    Column("programme_id", ForeignKey("programme.id", ondelete="CASCADE"), primary_key=True),
    Column("solution_id", ForeignKey("solution.id", ondelete="CASCADE"), primary_key=True),
)
programme_organisation = Table(
    "programme_organisation", metadata,
    Column("programme_id", ForeignKey("programme.id", ondelete="CASCADE"), primary_key=True),
    Column("organisation_id", ForeignKey("organisation.id", ondelete="CASCADE"), primary_key=True),
)

SCOPES = ("all_municipalities", "region_hospitals", "list")


class Programme(Versioned, Base):
    __tablename__ = "programme"

    slug: Mapped[str] = mapped_column(String(120), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    year: Mapped[int] = mapped_column(Integer)
    owner_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    description: Mapped[str | None] = mapped_column(Text)
    treatment_areas: Mapped[list[str]] = mapped_column(JSON, default=list)  # treatment area codes
    target_scope: Mapped[str] = mapped_column(String(30))  # one of SCOPES
    target_regions: Mapped[list[str]] = mapped_column(JSON, default=list)  # region codes (region_hospitals)

    owner: Mapped[Organisation] = relationship(lazy="joined")
    solutions: Mapped[list[Solution]] = relationship(secondary=programme_solution, lazy="selectin",
                                                     order_by="Solution.name")
    listed_organisations: Mapped[list[Organisation]] = relationship(secondary=programme_organisation,
                                                                    lazy="selectin", order_by="Organisation.name")
    targets: Mapped[list[ProgrammeTarget]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", order_by="ProgrammeTarget.due")
    milestones: Mapped[list[ProgrammeMilestone]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", order_by="ProgrammeMilestone.due")


class ProgrammeTarget(Base):
    """`share` (0..1) of the target organisations at `stage` or further by `due`."""

    __tablename__ = "programme_target"

    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id", ondelete="CASCADE"), index=True)
    stage: Mapped[str] = mapped_column(String(20))  # planned | implementing | in_operation
    share: Mapped[float] = mapped_column(Float)
    due: Mapped[date] = mapped_column(Date)


class ProgrammeMilestone(Base):
    __tablename__ = "programme_milestone"

    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    due: Mapped[date] = mapped_column(Date)
    done_on: Mapped[date | None] = mapped_column(Date)


__all__ = ["Programme", "ProgrammeMilestone", "ProgrammeTarget", "programme_organisation", "programme_solution"]
