"""Exact totals for the solution list without counting its matches on every request.

Counting a filtered list of a million solutions reads every match (one treatment area is
a quarter of them): 100-250 ms on SQLite. Instead each process keeps the catalogue's
solutions counted by group of every value the list filters on (published, purpose,
target users, origin, regulatory class, country; per treatment area and in all): a few
thousand groups from two GROUP BY statements, summed in memory for a filter. The groups
are read again, on a thread of their own, when `catalogue_version` has moved (triggers give
it a new value in every transaction that changes a solution or its treatment areas:
migrations 0023 and 0026);
until they are, SQL counts. A total is always the one the database would count. Filters
the groups cannot answer (a name search, a vendor, a vendor's own unpublished solutions)
are counted by SQL too (services.list_solutions).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import Connection, Engine, func, select, text
from sqlalchemy.orm import Session

from app.catalogue.models import Solution, solution_treatment_area

COLUMNS = ("published", "purpose", "target_users", "origin", "regulatory_class", "country")
ALL_AREAS = 0  # the groups of all solutions, each counted once
VERSION = text("SELECT value FROM catalogue_version")


@dataclass(frozen=True)
class _Groups:
    version: int
    keys: dict[str, np.ndarray]  # per column (and "area"): each group's value
    counts: np.ndarray

    def total(self, where: list[tuple[str, Any]]) -> int:
        mask = np.ones(self.counts.size, dtype=bool)
        for column, value in where:
            mask &= self.keys[column] == value
        return int(self.counts[mask].sum())


def _read(session: Session, version: int) -> _Groups:
    columns = [getattr(Solution, c) for c in COLUMNS]
    area = solution_treatment_area.c.treatment_area_id
    overall = select(*columns, func.count()).group_by(*columns)
    per_area = (select(*columns, area, func.count()).join(solution_treatment_area,
                                                          solution_treatment_area.c.solution_id == Solution.id)
                .group_by(*columns, area))
    rows = [(*r[:-1], ALL_AREAS, r[-1]) for r in session.execute(overall)] + [tuple(r) for r in
                                                                             session.execute(per_area)]
    keys = {name: np.array([r[i] for r in rows], dtype=object) for i, name in enumerate((*COLUMNS, "area"))}
    return _Groups(version, keys, np.array([r[-1] for r in rows], dtype=np.int64))


class SolutionCounts:
    """The groups as last read by this process (see the module docstring)."""

    def __init__(self) -> None:
        self._groups: _Groups | None = None
        self._lock = threading.Lock()
        self._reading = False

    def total(self, session: Session, where: list[tuple[str, Any]]) -> int | None:
        """How many solutions have every (column, value) of `where` (("area", id) for a
        treatment area; without one every solution counts once), or None while the groups
        are not those of the database's catalogue version: they are then read again on a
        thread of their own (seconds at a million solutions) and SQL counts meanwhile."""
        if not any(column == "area" for column, _ in where):
            where = [*where, ("area", ALL_AREAS)]
        groups = self._groups
        if groups is not None and groups.version == session.scalar(VERSION):
            return groups.total(where)
        with self._lock:
            if self._reading:
                return None
            self._reading = True
        threading.Thread(target=self.read, args=(session.get_bind(),), daemon=True, name="solution-counts").start()
        return None

    def read(self, bind: Engine | Connection) -> None:
        """Read the groups and the catalogue version together, in one transaction."""
        try:
            with Session(bind) as session:
                version = session.scalar(VERSION)
                if version is not None:
                    self._groups = _read(session, version)
        finally:
            self._reading = False


SOLUTION_COUNTS = SolutionCounts()
