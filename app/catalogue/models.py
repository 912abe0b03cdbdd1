"""Catalogue tables: organisations, vendors, solutions, projects, needs."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db.base import Base, Versioned, metadata

solution_treatment_area = Table(
    "solution_treatment_area",
    metadata,
    Column("solution_id", ForeignKey("solution.id", ondelete="CASCADE"), primary_key=True),
    Column("treatment_area_id", ForeignKey("treatment_area.id", ondelete="CASCADE"), primary_key=True),
    Index("ix_solution_treatment_area_area", "treatment_area_id", "solution_id"),
)
project_partner = Table(
    "project_partner",
    metadata,
    Column("project_id", ForeignKey("project.id", ondelete="CASCADE"), primary_key=True),
    Column("organisation_id", ForeignKey("organisation.id", ondelete="CASCADE"), primary_key=True),
)
project_solution = Table(
    "project_solution",
    metadata,
    Column("project_id", ForeignKey("project.id", ondelete="CASCADE"), primary_key=True),
    Column("solution_id", ForeignKey("solution.id", ondelete="CASCADE"), primary_key=True),
)
project_need = Table(
    "project_need",
    metadata,
    Column("project_id", ForeignKey("project.id", ondelete="CASCADE"), primary_key=True),
    Column("need_id", ForeignKey("need.id", ondelete="CASCADE"), primary_key=True),
)


class Organisation(Versioned, Base):
    __tablename__ = "organisation"
    __table_args__ = (UniqueConstraint("kind", "code", name="uq_organisation_kind_code"),)

    kind: Mapped[str] = mapped_column(String(20), index=True)
    code: Mapped[str] = mapped_column(String(60))
    name: Mapped[str] = mapped_column(String(200), index=True)
    name_en: Mapped[str | None] = mapped_column(String(200))
    region_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    population: Mapped[int | None] = mapped_column(Integer)
    population_year: Mapped[int | None] = mapped_column(Integer)
    subkind: Mapped[str | None] = mapped_column(String(40))
    url: Mapped[str | None] = mapped_column(String(300))
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    source: Mapped[str | None] = mapped_column(String(300))

    region: Mapped[Organisation | None] = relationship(remote_side="Organisation.id", lazy="joined")

    @property
    def ref(self) -> str:
        return f"{self.kind}:{self.code}"


class RegionMembership(Base):
    """Which region a municipality or hospital belongs to, and from when to when (both days
    included; none = open). Region views ask app.catalogue.regions for a given day."""

    __tablename__ = "region_membership"
    __table_args__ = (UniqueConstraint("organisation_id", "region_id", name="uq_region_membership"),)

    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)


class TreatmentArea(Base):
    __tablename__ = "treatment_area"

    code: Mapped[str] = mapped_column(String(40), unique=True)
    name_da: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120))


class Vendor(Versioned, Base):
    __tablename__ = "vendor"

    name: Mapped[str] = mapped_column(String(200), unique=True)
    country: Mapped[str] = mapped_column(String(2), index=True)
    cvr: Mapped[str | None] = mapped_column(String(8), unique=True)
    website: Mapped[str | None] = mapped_column(String(300))


class Solution(Versioned, Base):
    __tablename__ = "solution"
    __table_args__ = (
        Index("ix_solution_purpose_name", "purpose", "name"),
        # The list in name order, filtered without reading the rows (migration 0023).
        Index("ix_solution_list_name", "published", "name", "id", "purpose", "target_users", "origin",
              "regulatory_class", "country"),
    )

    slug: Mapped[str] = mapped_column(String(120), unique=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    vendor_id: Mapped[int] = mapped_column(ForeignKey("vendor.id"), index=True)
    short_description_da: Mapped[str] = mapped_column(String(400))
    short_description_en: Mapped[str | None] = mapped_column(String(400))
    description_da: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str | None] = mapped_column(Text)
    purpose: Mapped[str] = mapped_column(String(30))
    target_users: Mapped[str] = mapped_column(String(20), index=True)
    origin: Mapped[str] = mapped_column(String(20), index=True)
    country: Mapped[str] = mapped_column(String(2), index=True)
    regulatory_class: Mapped[str] = mapped_column(String(10), index=True, default="none")
    regulation: Mapped[str | None] = mapped_column(String(10))
    has_dpia: Mapped[bool] = mapped_column(Boolean, default=False)
    has_dpa: Mapped[bool] = mapped_column(Boolean, default=False)
    integrations: Mapped[list[str]] = mapped_column(JSON, default=list)
    trl: Mapped[int | None] = mapped_column(Integer, index=True)
    capacity_fte_per_100k: Mapped[float | None] = mapped_column(Float)
    website: Mapped[str | None] = mapped_column(String(300))
    published: Mapped[bool] = mapped_column(Boolean, default=True)
    # Facts for buyers: coded indications, platforms, price and business model, contact.
    indications: Mapped[list[str]] = mapped_column(JSON, default=list)  # ICD-10 codes
    contraindications: Mapped[list[str]] = mapped_column(JSON, default=list)
    platforms: Mapped[list[str]] = mapped_column(JSON, default=list)
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)  # ISO 639-1 codes
    licence_model: Mapped[str | None] = mapped_column(String(20))
    price_dkk: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    price_unit: Mapped[str | None] = mapped_column(String(30))
    payer: Mapped[str | None] = mapped_column(String(20))
    free_for_municipalities: Mapped[bool | None] = mapped_column(Boolean)
    contact_name: Mapped[str | None] = mapped_column(String(200))
    contact_email: Mapped[str | None] = mapped_column(String(254))
    contact_phone: Mapped[str | None] = mapped_column(String(40))
    data_location: Mapped[str | None] = mapped_column(String(20))

    vendor: Mapped[Vendor] = relationship(lazy="joined")
    treatment_areas: Mapped[list[TreatmentArea]] = relationship(
        secondary=solution_treatment_area, lazy="selectin", order_by=TreatmentArea.code
    )
    studies: Mapped[list[SolutionStudy]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", order_by="SolutionStudy.position"
    )


class SolutionStudy(Base):
    """A published or registered study of a solution's effect (structured evidence)."""

    __tablename__ = "solution_study"

    solution_id: Mapped[int] = mapped_column(ForeignKey("solution.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    design: Mapped[str] = mapped_column(String(30))
    participants: Mapped[int | None] = mapped_column(Integer)
    population: Mapped[str | None] = mapped_column(Text)
    outcome_measures: Mapped[str | None] = mapped_column(Text)
    main_result: Mapped[str | None] = mapped_column(Text)
    country: Mapped[str | None] = mapped_column(String(2))
    year: Mapped[int | None] = mapped_column(Integer)
    doi: Mapped[str | None] = mapped_column(String(200))
    url: Mapped[str | None] = mapped_column(String(500))
    registry_id: Mapped[str | None] = mapped_column(String(40))


class Need(Versioned, Base):
    __tablename__ = "need"

    slug: Mapped[str] = mapped_column(String(120), unique=True)
    title: Mapped[str] = mapped_column(String(200), index=True)
    description: Mapped[str] = mapped_column(Text, default="")
    treatment_area_id: Mapped[int | None] = mapped_column(ForeignKey("treatment_area.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    capacity_problem: Mapped[str] = mapped_column(Text, default="")
    affected_patients: Mapped[int | None] = mapped_column(BigInteger)
    priority: Mapped[str] = mapped_column(String(10), index=True, default="medium")
    endorsement_count: Mapped[int] = mapped_column(Integer, default=0, index=True)

    treatment_area: Mapped[TreatmentArea | None] = relationship(lazy="joined")
    organisation: Mapped[Organisation] = relationship(lazy="joined")
    endorsements: Mapped[list[NeedEndorsement]] = relationship(
        back_populates="need", lazy="selectin", cascade="all, delete-orphan"
    )


class NeedEndorsement(Base):
    __tablename__ = "need_endorsement"
    __table_args__ = (UniqueConstraint("need_id", "organisation_id", name="uq_need_endorsement"),)

    need_id: Mapped[int] = mapped_column(ForeignKey("need.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    comment: Mapped[str | None] = mapped_column(Text)

    need: Mapped[Need] = relationship(back_populates="endorsements")
    organisation: Mapped[Organisation] = relationship(lazy="joined")


class Project(Versioned, Base):
    __tablename__ = "project"

    slug: Mapped[str] = mapped_column(String(120), unique=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    description: Mapped[str] = mapped_column(Text, default="")
    owner_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    stage: Mapped[str] = mapped_column(String(20), index=True)
    origin: Mapped[str] = mapped_column(String(20), default="public")
    start_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    budget_dkk: Mapped[int | None] = mapped_column(BigInteger)
    funding_source: Mapped[str | None] = mapped_column(String(300))
    results: Mapped[str | None] = mapped_column(Text)

    owner: Mapped[Organisation] = relationship(lazy="joined")
    partners: Mapped[list[Organisation]] = relationship(secondary=project_partner, lazy="selectin")
    solutions: Mapped[list[Solution]] = relationship(secondary=project_solution, lazy="selectin")
    needs: Mapped[list[Need]] = relationship(secondary=project_need, lazy="selectin")


__all__ = [
    "Need",
    "NeedEndorsement",
    "Organisation",
    "Project",
    "Solution",
    "SolutionStudy",
    "TreatmentArea",
    "Vendor",
]
