"""The solution list's totals come from per-process grouped counts (catalogue.counts):
they must be the counts SQL gives, also right after a write by the API, by plain SQL or
by a rolled-back transaction."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import exists, func, select, text

from app.catalogue.counts import SOLUTION_COUNTS
from app.catalogue.models import Solution, TreatmentArea, solution_treatment_area
from app.catalogue.services import SolutionFilter, list_solutions
from app.core.pagination import PageRequest
from app.core.principal import ANONYMOUS_PRINCIPAL, Principal
from app.core.roles import Role

ADMIN = Principal(id=1, email="admin@test", name="Admin", role=Role.ADMIN)
FILTERS = [SolutionFilter(), SolutionFilter(purpose="treatment"), SolutionFilter(treatment_area="kol"),
           SolutionFilter(treatment_area="laenderygsmerter", target_users="citizen"),
           SolutionFilter(country="dk", origin="private"), SolutionFilter(published=False),
           SolutionFilter(regulatory_class="ce_i", treatment_area="diabetes"),
           SolutionFilter(treatment_area="no-such-area")]


def _sql_count(db: Any, principal: Principal, flt: SolutionFilter) -> int:
    stmt = select(func.count()).select_from(Solution)
    if principal is ANONYMOUS_PRINCIPAL:
        stmt = stmt.where(Solution.published.is_(True))
    for column in ("purpose", "target_users", "origin", "regulatory_class"):
        if value := getattr(flt, column):
            stmt = stmt.where(getattr(Solution, column) == value)
    if flt.country:
        stmt = stmt.where(Solution.country == flt.country.upper())
    if flt.published is not None:
        stmt = stmt.where(Solution.published.is_(flt.published))
    if flt.treatment_area:
        stmt = stmt.where(exists().where(
            solution_treatment_area.c.solution_id == Solution.id,
            solution_treatment_area.c.treatment_area_id == TreatmentArea.id, TreatmentArea.code == flt.treatment_area))
    return int(db.scalar(stmt) or 0)


def _check_totals(db: Any, read: bool = False) -> None:
    """The totals as SQL counts them; `read`: from groups read for the version committed."""
    if read:
        SOLUTION_COUNTS.read(db.get_bind())
    for principal in (ANONYMOUS_PRINCIPAL, ADMIN):
        for flt in FILTERS:
            rows, total = list_solutions(db, principal, flt, PageRequest(limit=5, offset=0))
            assert total == _sql_count(db, principal, flt), (principal.role, flt)
            assert len(rows) == min(5, total)


def test_totals_are_the_sql_counts(db: Any) -> None:
    _check_totals(db, read=True)
    assert SOLUTION_COUNTS.total(db, [("published", True)]) == _sql_count(db, ANONYMOUS_PRINCIPAL, SolutionFilter())


def test_totals_follow_writes_by_plain_sql(db: Any) -> None:
    _check_totals(db, read=True)
    solution_id = db.scalar(select(Solution.id).where(Solution.published.is_(True)).order_by(Solution.id))
    kol = db.scalar(select(TreatmentArea.id).where(TreatmentArea.code == "kol"))
    before = db.execute(select(Solution.purpose, Solution.country).where(Solution.id == solution_id)).one()
    areas = list(db.scalars(select(solution_treatment_area.c.treatment_area_id)
                            .where(solution_treatment_area.c.solution_id == solution_id)))
    db.rollback()
    db.execute(text("UPDATE solution SET purpose = 'wellness', country = 'SE' WHERE id = :id"), {"id": solution_id})
    db.execute(text("DELETE FROM solution_treatment_area WHERE solution_id = :id"), {"id": solution_id})
    db.execute(text("INSERT INTO solution_treatment_area (solution_id, treatment_area_id) VALUES (:s, :a)"),
               {"s": solution_id, "a": kol})
    _check_totals(db)  # the transaction's own writes
    db.commit()
    try:
        _check_totals(db)
    finally:
        db.rollback()
        db.execute(text("UPDATE solution SET purpose = :p, country = :c WHERE id = :id"),
                   {"p": before.purpose, "c": before.country, "id": solution_id})
        db.execute(text("DELETE FROM solution_treatment_area WHERE solution_id = :id"), {"id": solution_id})
        db.execute(solution_treatment_area.insert(), [{"solution_id": solution_id, "treatment_area_id": a}
                                                      for a in areas])
        db.commit()
    _check_totals(db, read=True)


def test_a_rolled_back_write_leaves_no_stale_total(db: Any) -> None:
    _check_totals(db, read=True)
    db.rollback()
    db.execute(text("UPDATE solution SET published = NOT published"))
    _check_totals(db)
    db.rollback()
    _check_totals(db)


def test_totals_follow_the_api(client: Any, auth: Any, db: Any) -> None:
    params = {"treatment_area": "laenderygsmerter", "target_users": "citizen", "limit": 1}
    before = client.get("/api/solutions", params=params).json()["total"]
    vendor_id = db.scalar(text("SELECT id FROM vendor WHERE name = 'SelfBack'"))
    body = {"name": "Optællingstræner", "vendor_id": vendor_id, "short_description_da": "Træning",
            "purpose": "treatment", "treatment_areas": ["laenderygsmerter"], "target_users": "citizen",
            "origin": "private", "country": "dk", "regulatory_class": "none", "trl": 7}
    created = client.post("/api/solutions", json=body, headers=auth("procurement"))
    assert created.status_code == 201, created.text
    assert client.get("/api/solutions", params=params).json()["total"] == before + 1
    deleted = client.delete(f"/api/solutions/{created.json()['id']}", headers=auth("admin"))
    assert deleted.status_code in (200, 204), deleted.text
    assert client.get("/api/solutions", params=params).json()["total"] == before


def test_the_version_moves_once_per_transaction_on_postgresql(db: Any) -> None:
    """Every statement moving it left a row version per statement for the next one to step
    over: a transaction writing solutions one statement at a time grew quadratic. Once per
    transaction tells the count cache the same; a savepoint rolled back takes its move along."""
    if db.get_bind().dialect.name != "postgresql":
        pytest.skip("PostgreSQL's statement triggers (SQLite updates its one row in place)")
    version = text("SELECT value FROM catalogue_version")
    ids = list(db.scalars(select(Solution.id).order_by(Solution.id).limit(3)))
    db.rollback()
    start = db.scalar(version)
    touch = text("UPDATE solution SET trl = trl WHERE id = :id")
    with db.begin_nested():
        db.execute(touch, {"id": ids[0]})
        assert db.scalar(version) != start
        db.rollback()  # the savepoint
    assert db.scalar(version) == start
    db.execute(touch, {"id": ids[1]})
    moved = db.scalar(version)
    db.execute(touch, {"id": ids[2]})
    assert moved != start and db.scalar(version) == moved
    db.commit()
    db.execute(touch, {"id": ids[0]})
    assert db.scalar(version) != moved
    db.rollback()
    assert db.scalar(version) == moved
