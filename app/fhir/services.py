"""The FHIR directory's reads and searches: only what the public register shows, through the
one visibility rule (catalogue.services.solution_visible for the public reader).

Searches page in (lastUpdated, id) order with a cursor (keyset), so a client walking the
pages while records change never misses or repeats a record that did not change: a changed
record moves to the end, where the client meets its new version."""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, false, func, literal, not_, or_, select
from sqlalchemy.orm import Session, joinedload, lazyload, selectinload

from app.approvals import lifecycle as lc
from app.approvals.models import ApprovalCase
from app.catalogue import services as catalogue
from app.catalogue.models import Solution, TreatmentArea, Vendor, solution_treatment_area
from app.core.clock import today
from app.fhir import canonical as c
from app.fhir import resources
from app.fhir.outcome import FhirError
from app.fhir.params import Bound, Criterion, Cursor, Search, token

Resource = dict[str, Any]


@dataclass(frozen=True)
class Page:
    resources: list[Resource]
    included: list[Resource]
    total: int
    next_cursor: Cursor | None


def not_found(resource: str, key: str) -> FhirError:
    return FhirError(404, "not-found", f"{resource}/{key} is not in the register")


def _record_id(resource: str, key: str) -> int:
    if not (key.isascii() and key.isdigit() and len(key) <= 18):
        raise not_found(resource, key)
    return int(key)


# ---- conditions --------------------------------------------------------------------------------

def _visible() -> ColumnElement[bool]:
    return catalogue.solution_visible(catalogue.PUBLIC)


def _registered() -> ColumnElement[bool]:
    return ApprovalCase.register_number.is_not(None)


def _folded(column: Any) -> Any:
    """Lower case the same way on SQLite (whose lower() knows only ASCII) and PostgreSQL."""
    for upper, lower in (("Æ", "æ"), ("Ø", "ø"), ("Å", "å")):
        column = func.replace(column, upper, lower)
    return func.lower(column)


def _name_condition(column: Any, criterion: Criterion) -> ColumnElement[bool]:
    if criterion.modifier == "exact":
        return column.in_(criterion.values)
    folded = _folded(column)
    if criterion.modifier == "contains":
        return or_(*(folded.contains(v.lower(), autoescape=True) for v in criterion.values))
    return or_(*(folded.startswith(v.lower(), autoescape=True) for v in criterion.values))


def _ids(criterion: Criterion) -> list[int]:
    return [int(v) for v in criterion.values if v.isascii() and v.isdigit() and len(v) <= 18]


def status_condition(statuses: Sequence[str], on: date) -> ColumnElement[bool]:
    """Register cases whose status on day `on` is one of `statuses` (an approval past its end
    reads as expired before the daily job records it)."""
    current = or_(ApprovalCase.valid_until.is_(None), ApprovalCase.valid_until >= on)
    parts = []
    for status in statuses:
        if status == lc.EXPIRED:
            parts.append(or_(ApprovalCase.status == lc.EXPIRED,
                             and_(ApprovalCase.status.in_(lc.VALID_STATUSES), ApprovalCase.valid_until < on)))
        elif status in lc.VALID_STATUSES:
            parts.append(and_(ApprovalCase.status == status, current))
        else:
            parts.append(ApprovalCase.status == status)
    return or_(*parts)


def _register_numbers(values: Sequence[str]) -> Any:
    return select(ApprovalCase.solution_id).where(ApprovalCase.register_number.in_(values))


def _solution_identifier(criterion: Criterion) -> ColumnElement[bool]:
    parts = []
    for t in map(token, criterion.values):
        if t.system in (None, "", c.SOLUTION_SLUG_SYSTEM):
            parts.append(Solution.slug == t.value)
        if t.system in (None, "", c.REGISTER_NUMBER_SYSTEM):
            parts.append(Solution.id.in_(_register_numbers([t.value])))
    return or_(false(), *parts)


def _area_codes(criterion: Criterion) -> list[str]:
    return [t.value for t in map(token, criterion.values) if t.system in (None, "", c.TREATMENT_AREA_SYSTEM)]


def _solution_condition(criterion: Criterion, on: date) -> ColumnElement[bool]:
    match criterion.name:
        case "_id":
            return Solution.id.in_(_ids(criterion))
        case "identifier":
            return _solution_identifier(criterion)
        case "name":
            return _name_condition(Solution.name, criterion)
        case "status":
            return Solution.id.in_(select(ApprovalCase.solution_id).where(
                _registered(), status_condition(criterion.values, on)))
        case _:  # treatment-area
            return Solution.id.in_(
                select(solution_treatment_area.c.solution_id)
                .join(TreatmentArea, TreatmentArea.id == solution_treatment_area.c.treatment_area_id)
                .where(TreatmentArea.code.in_(_area_codes(criterion))))


def _bounds(key: Any, bounds: Sequence[Bound]) -> list[ColumnElement[bool]]:
    return [key >= b.at if b.at_or_after else key < b.at for b in bounds]


# ---- keyset paging -----------------------------------------------------------------------------

def _keys(session: Session, stmt: Select[Any], key: Any, id_column: Any, search: Search) -> list[tuple[datetime, int]]:
    """(lastUpdated, id) of the first count + 1 matches after the cursor. After a cursor, two
    index seeks: the rest of the cursor's instant by id, then the later instants (a row-value
    comparison would make SQLite scan every row of the cursor's instant, and a bulk load
    gives thousands the same one)."""
    stmt = stmt.where(*_bounds(key, search.last_updated)).with_only_columns(key, id_column)
    limit = search.count + 1
    if search.cursor is None:
        parts = [stmt.order_by(key, id_column)]
    else:
        at = literal(search.cursor.after, Solution.updated_at.type)
        parts = [stmt.where(key == at, id_column > search.cursor.after_id).order_by(id_column),
                 stmt.where(key > at).order_by(key, id_column)]
    keys: list[tuple[datetime, int]] = []
    for part in parts:
        keys += [(row[0], row[1]) for row in session.execute(part.limit(limit - len(keys)))]
        if len(keys) >= limit:
            break
    return keys


def _count(session: Session, stmt: Select[Any], key: Any, search: Search) -> int:
    return session.scalar(stmt.where(*_bounds(key, search.last_updated))
                          .with_only_columns(func.count()).order_by(None)) or 0


def _cut(keys: list[tuple[datetime, int]], count: int) -> tuple[list[int], Cursor | None]:
    page = keys[:count]
    more = len(keys) > count and count > 0
    return [k[1] for k in page], Cursor(page[-1][0], page[-1][1]) if more else None


# ---- DeviceDefinition --------------------------------------------------------------------------

def _solution_streams(search: Search, on: date) -> list[tuple[Select[Any], Any]]:
    """The published solutions matching the search, as two statements with their lastUpdated:
    those without a register number (the solution's own time, served by an index) and the
    few with one (the newer of the solution's and its case's time)."""
    conditions = [_visible(), *(_solution_condition(k, on) for k in search.criteria)]
    with_number = select(ApprovalCase.solution_id).where(_registered())
    plain = select(Solution.id).where(*conditions, not_(Solution.id.in_(with_number)))
    newer = case((ApprovalCase.updated_at > Solution.updated_at, ApprovalCase.updated_at), else_=Solution.updated_at)
    numbered = (select(Solution.id).join(ApprovalCase, ApprovalCase.solution_id == Solution.id)
                .where(*conditions, _registered()))
    return [(plain, Solution.updated_at), (numbered, newer)]


def _solution_total(session: Session, search: Search, on: date) -> int:
    """How many published solutions match: one count (an index-only one without _lastUpdated)."""
    stmt = select(func.count()).select_from(Solution).where(
        _visible(), *(_solution_condition(k, on) for k in search.criteria))
    if search.last_updated:
        stmt = stmt.outerjoin(ApprovalCase, and_(ApprovalCase.solution_id == Solution.id, _registered()))
        newer = case((ApprovalCase.updated_at > Solution.updated_at, ApprovalCase.updated_at),
                     else_=Solution.updated_at)
        stmt = stmt.where(*_bounds(newer, search.last_updated))
    return session.scalar(stmt) or 0


def _cases_of(session: Session, solution_ids: Sequence[int]) -> dict[int, ApprovalCase]:
    if not solution_ids:
        return {}
    return {case.solution_id: case for case in session.scalars(
        select(ApprovalCase).options(lazyload("*")).where(ApprovalCase.solution_id.in_(solution_ids), _registered()))}


def _device_definitions(session: Session, ids: Sequence[int]) -> tuple[list[Resource], list[Solution]]:
    # Only what a DeviceDefinition shows: not the vendor (a reference by id) nor the studies.
    loaded = select(Solution).options(lazyload("*"), selectinload(Solution.treatment_areas))
    by_id = {s.id: s for s in session.scalars(loaded.where(Solution.id.in_(ids)))} if ids else {}
    cases = _cases_of(session, list(ids))
    solutions = [by_id[i] for i in ids if i in by_id]
    return [resources.device_definition(s, cases.get(s.id)) for s in solutions], solutions


def search_device_definitions(session: Session, search: Search) -> Page:
    on = today()
    streams = _solution_streams(search, on)
    keys = list(heapq.merge(*(_keys(session, stmt, key, Solution.id, search) for stmt, key in streams)))
    total = _solution_total(session, search, on)
    ids, cursor = _cut(keys, search.count)
    found, solutions = _device_definitions(session, ids)
    included = []
    if "DeviceDefinition:manufacturer" in search.includes:
        vendor_ids = sorted({s.vendor_id for s in solutions})
        included = [resources.organization(v) for v in _vendors(session, vendor_ids)]
    return Page(found, included, total, cursor)


def read_device_definition(session: Session, key: str) -> Resource:
    solution = session.scalar(select(Solution).where(Solution.id == _record_id("DeviceDefinition", key),
                                                     _visible()))
    if solution is None:
        raise not_found("DeviceDefinition", key)
    return resources.device_definition(solution, _cases_of(session, [solution.id]).get(solution.id))


# ---- Organization ------------------------------------------------------------------------------

def _vendors(session: Session, ids: Sequence[int]) -> list[Vendor]:
    by_id = {v.id: v for v in session.scalars(select(Vendor).where(Vendor.id.in_(ids)))} if ids else {}
    return [by_id[i] for i in ids if i in by_id]


def _vendor_condition(criterion: Criterion) -> ColumnElement[bool]:
    match criterion.name:
        case "_id":
            return Vendor.id.in_(_ids(criterion))
        case "identifier":
            cvrs = [t.value for t in map(token, criterion.values) if t.system in (None, "", c.CVR_SYSTEM)]
            return Vendor.cvr.in_(cvrs)
        case _:  # name
            return _name_condition(Vendor.name, criterion)


def search_organizations(session: Session, search: Search) -> Page:
    stmt = select(Vendor.id).where(*(_vendor_condition(k) for k in search.criteria))
    keys = _keys(session, stmt, Vendor.updated_at, Vendor.id, search)
    ids, cursor = _cut(keys, search.count)
    return Page([resources.organization(v) for v in _vendors(session, ids)], [],
                _count(session, stmt, Vendor.updated_at, search), cursor)


def read_organization(session: Session, key: str) -> Resource:
    vendor = session.get(Vendor, _record_id("Organization", key))
    if vendor is None:
        raise not_found("Organization", key)
    return resources.organization(vendor)


# ---- CatalogEntry ------------------------------------------------------------------------------

def _entry_condition(criterion: Criterion, on: date) -> ColumnElement[bool]:
    match criterion.name:
        case "_id":
            return ApprovalCase.id.in_(_ids(criterion))
        case "identifier":
            return ApprovalCase.register_number.in_(
                [t.value for t in map(token, criterion.values) if t.system in (None, "", c.REGISTER_NUMBER_SYSTEM)])
        case _:  # status
            return status_condition(criterion.values, on)


def _entries(on: date, criteria: Sequence[Criterion]) -> Select[Any]:
    return (select(ApprovalCase.id).join(Solution, Solution.id == ApprovalCase.solution_id)
            .where(_registered(), _visible(), *(_entry_condition(k, on) for k in criteria)))


def _catalog_entries(session: Session, ids: Sequence[int], on: date) -> list[Resource]:
    loaded = select(ApprovalCase).options(lazyload("*"), selectinload(ApprovalCase.milestones),
                                          joinedload(ApprovalCase.solution).lazyload("*"))
    by_id = {e.id: e for e in session.scalars(loaded.where(ApprovalCase.id.in_(ids)))} if ids else {}
    return [resources.catalog_entry(by_id[i], on) for i in ids if i in by_id]


def search_catalog_entries(session: Session, search: Search) -> Page:
    on = today()
    stmt = _entries(on, search.criteria)
    keys = _keys(session, stmt, ApprovalCase.updated_at, ApprovalCase.id, search)
    ids, cursor = _cut(keys, search.count)
    return Page(_catalog_entries(session, ids, on), [], _count(session, stmt, ApprovalCase.updated_at, search), cursor)


def read_catalog_entry(session: Session, key: str) -> Resource:
    on = today()
    found = _catalog_entries(session, list(session.scalars(
        _entries(on, [Criterion("_id", None, (key,))]))) if key.isascii() and key.isdigit() else [], on)
    if not found:
        raise not_found("CatalogEntry", key)
    return found[0]


SEARCHES = {"DeviceDefinition": search_device_definitions, "Organization": search_organizations,
            "CatalogEntry": search_catalog_entries}
READS = {"DeviceDefinition": read_device_definition, "Organization": read_organization,
         "CatalogEntry": read_catalog_entry}

