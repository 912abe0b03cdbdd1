"""Regions over time: which regions are valid on a day and who belongs to each.

Regions have validity dates (Organisation.valid_from/valid_to) and municipalities and
hospitals a membership history (RegionMembership). On 1 January 2027 Region Hovedstaden
and Region Sjælland end and Region Østdanmark starts with all their members. Every region
view (benchmark roll-ups and peers, reports, region filters and pickers) asks regions_on()
for the day it shows, so a 2026 view has five regions and a 2027 view four.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, or_, select
from sqlalchemy.orm import Session

from app.catalogue.models import Organisation, RegionMembership

REGION = "region"


@dataclass(frozen=True)
class RegionRow:
    """A region as the reference file describes it."""

    code: str
    valid_from: date | None
    valid_to: date | None
    successor: str | None


Span = tuple[str, date | None, date | None]  # region code, valid from, valid to


def membership_history(region_code: str, regions: Mapping[str, RegionRow]) -> list[Span]:
    """(region code, valid from, valid to) of an organisation whose reference region is
    `region_code`: that region until it ends (open start: it has always been there as far
    as the data go), then each successor from the day it starts."""
    out: list[Span] = []
    code: str | None = region_code
    start: date | None = None
    while code is not None:
        if any(c == code for c, _, _ in out):
            raise ValueError(f"region {code} succeeds itself")
        row = regions[code]
        out.append((code, start, row.valid_to))
        code, start = row.successor, None
        if code is not None:
            start = regions[code].valid_from
    return out


def valid_on(model: Any, day: date) -> ColumnElement[bool]:
    """Rows of a model with valid_from/valid_to (both days included, none = open) valid on `day`."""
    return and_(or_(model.valid_from.is_(None), model.valid_from <= day),
                or_(model.valid_to.is_(None), model.valid_to >= day))


def in_region(region_id: int, day: date) -> ColumnElement[bool]:
    """Organisations that belong to the region on `day` (the filters' rule; see regions_on)."""
    tracked = select(RegionMembership.organisation_id).where(RegionMembership.region_id == region_id,
                                                            valid_on(RegionMembership, day))
    untracked = and_(Organisation.region_id == region_id,
                     ~exists().where(RegionMembership.organisation_id == Organisation.id))
    return or_(Organisation.id.in_(tracked), untracked)


@dataclass(frozen=True)
class Regions:
    """The regions valid on `day` (by code) and each organisation's region on that day."""

    day: date
    regions: tuple[Organisation, ...]
    region_of: Mapping[int, int]

    def by_code(self, code: str) -> Organisation | None:
        return next((r for r in self.regions if r.code == code), None)

    def members(self, region_id: int) -> list[int]:
        """The ids of the organisations in the region on the day (not the region itself)."""
        return sorted(oid for oid, rid in self.region_of.items() if rid == region_id)


def regions_on(session: Session, day: date) -> Regions:
    """The one answer to "which regions are valid on day D and who belongs to each".
    An organisation without a membership history (e.g. one added by hand) belongs to its
    region_id as long as that region is valid."""
    regions = tuple(session.scalars(select(Organisation).where(Organisation.kind == REGION, valid_on(Organisation, day))
                                    .order_by(Organisation.code)))
    valid = {r.id for r in regions}
    region_of = {oid: rid for oid, rid in session.execute(
        select(RegionMembership.organisation_id, RegionMembership.region_id).where(valid_on(RegionMembership, day)))
        if rid in valid}
    untracked = select(Organisation.id, Organisation.region_id).where(
        Organisation.region_id.is_not(None),
        ~exists().where(RegionMembership.organisation_id == Organisation.id))
    region_of |= {oid: rid for oid, rid in session.execute(untracked) if rid in valid}
    return Regions(day=day, regions=regions, region_of=region_of)

