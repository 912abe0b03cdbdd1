"""Benchmark tables: adoption of solutions by organisations (effective-dated history),
nationally prioritised solutions, national indicators with targets, and their values.

Adoption history is kept as effective-dated rows: one row per organisation × solution ×
effective date. The status in force on a day is the latest row effective on or before it,
so nothing is ever overwritten when an organisation moves from pilot to operation.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.catalogue.models import Organisation, Solution, TreatmentArea
from app.db.base import Base, Versioned


class AdoptionRecord(Versioned, Base):
    __tablename__ = "benchmark_adoption"
    __table_args__ = (
        UniqueConstraint("organisation_id", "solution_id", "effective_from", name="uq_benchmark_adoption_key"),
        Index("ix_benchmark_adoption_solution", "solution_id", "organisation_id"),
    )

    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    solution_id: Mapped[int] = mapped_column(ForeignKey("solution.id"))
    status: Mapped[str] = mapped_column(String(20))  # planned | pilot | in_operation | discontinued
    effective_from: Mapped[date] = mapped_column(Date)
    start_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    active_users: Mapped[int | None] = mapped_column(Integer)
    capacity_fte: Mapped[float | None] = mapped_column(Float)
    reported_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    reported_by: Mapped[str] = mapped_column(String(200), default="system")
    source: Mapped[str | None] = mapped_column(String(300))

    organisation: Mapped[Organisation] = relationship(lazy="joined")
    solution: Mapped[Solution] = relationship(lazy="joined")


class PrioritisedSolution(Base):
    """A nationally prioritised solution and the kinds of organisation it is relevant to."""

    __tablename__ = "benchmark_prioritised_solution"

    solution_id: Mapped[int] = mapped_column(ForeignKey("solution.id"), unique=True)
    relevant_kinds: Mapped[str] = mapped_column(String(100))  # comma-separated organisation kinds
    since_year: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[str | None] = mapped_column(Text)

    solution: Mapped[Solution] = relationship(lazy="joined")


class Indicator(Base):
    __tablename__ = "benchmark_indicator"

    code: Mapped[str] = mapped_column(String(60), unique=True)
    name_da: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    treatment_area_id: Mapped[int | None] = mapped_column(ForeignKey("treatment_area.id"))
    unit: Mapped[str] = mapped_column(String(40))
    direction: Mapped[str] = mapped_column(String(10))  # higher | lower (is better)
    applies_to: Mapped[str] = mapped_column(String(100))  # comma-separated organisation kinds
    description: Mapped[str | None] = mapped_column(Text)

    treatment_area: Mapped[TreatmentArea | None] = relationship(lazy="joined")


class IndicatorTarget(Base):
    __tablename__ = "benchmark_indicator_target"
    __table_args__ = (UniqueConstraint("indicator_id", "year", name="uq_benchmark_target"),)

    indicator_id: Mapped[int] = mapped_column(ForeignKey("benchmark_indicator.id", ondelete="CASCADE"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    target: Mapped[float] = mapped_column(Float)


class IndicatorValue(Versioned, Base):
    __tablename__ = "benchmark_indicator_value"
    __table_args__ = (
        UniqueConstraint("indicator_id", "organisation_id", "period", name="uq_benchmark_indicator_value"),
        Index("ix_benchmark_indicator_value_org", "organisation_id", "indicator_id"),
    )

    indicator_id: Mapped[int] = mapped_column(ForeignKey("benchmark_indicator.id", ondelete="CASCADE"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    period: Mapped[int] = mapped_column(Integer)  # calendar year
    value: Mapped[float] = mapped_column(Float)
    reported_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    reported_by: Mapped[str] = mapped_column(String(200), default="system")
    source: Mapped[str | None] = mapped_column(String(300))

    indicator: Mapped[Indicator] = relationship(lazy="joined")
    organisation: Mapped[Organisation] = relationship(lazy="joined")


__all__ = ["AdoptionRecord", "Indicator", "IndicatorTarget", "IndicatorValue", "PrioritisedSolution"]
