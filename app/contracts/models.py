"""Vendor contracts and their result KPIs (facts.md, model 7.2).

A KPI definition is reference data (data/reference/contract_kpis.yaml). A contract ties a
solution to an organisation (or to no one: the solution's general agreement) for a period
and may set its own targets over the definitions' defaults. Values are reported over time
per contract, KPI and day measured.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.catalogue.models import Organisation, Solution
from app.db.base import Base, Versioned


class KpiDefinition(Base):
    __tablename__ = "contract_kpi"

    code: Mapped[str] = mapped_column(String(40), unique=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    name_da: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(20))  # percent | people | organisations | errors | fte
    direction: Mapped[str] = mapped_column(String(10))  # higher | lower (is better)
    default_target: Mapped[float | None] = mapped_column(Float)
    min_value: Mapped[float] = mapped_column(Float)
    max_value: Mapped[float] = mapped_column(Float)
    source: Mapped[str | None] = mapped_column(Text)

    def name(self, lang: str) -> str:
        return self.name_en if lang == "en" else self.name_da


class Contract(Versioned, Base):
    __tablename__ = "contract"

    reference: Mapped[str] = mapped_column(String(60), unique=True)
    solution_id: Mapped[int] = mapped_column(ForeignKey("solution.id"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)

    solution: Mapped[Solution] = relationship(lazy="joined")
    organisation: Mapped[Organisation | None] = relationship(lazy="joined")
    targets: Mapped[list[ContractTarget]] = relationship(lazy="selectin", cascade="all, delete-orphan")

    def covers(self, day: date) -> bool:
        return self.start_date <= day and (self.end_date is None or day <= self.end_date)


class ContractTarget(Base):
    """A contract's own target for a KPI, over the definition's default."""

    __tablename__ = "contract_target"
    __table_args__ = (UniqueConstraint("contract_id", "kpi_id", name="uq_contract_target"),)

    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id", ondelete="CASCADE"))
    kpi_id: Mapped[int] = mapped_column(ForeignKey("contract_kpi.id"))
    target: Mapped[float] = mapped_column(Float)


class KpiValue(Versioned, Base):
    __tablename__ = "contract_kpi_value"
    __table_args__ = (UniqueConstraint("contract_id", "kpi_id", "measured_on", name="uq_contract_kpi_value"),)

    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id", ondelete="CASCADE"), index=True)
    kpi_id: Mapped[int] = mapped_column(ForeignKey("contract_kpi.id"))
    measured_on: Mapped[date] = mapped_column(Date)
    value: Mapped[float] = mapped_column(Float)
    reported_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    reported_by: Mapped[str] = mapped_column(String(200), default="system")
    source: Mapped[str | None] = mapped_column(String(300))


__all__ = ["Contract", "ContractTarget", "KpiDefinition", "KpiValue"]
