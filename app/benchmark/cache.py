"""The benchmark's figures cached per process.

The full computation takes seconds at national scale, so it is cached per process, keyed
by the database, the day and a cheap data version read on *every* request: the newest
audit event (every write through the application, e.g. an import, a reported status, a
completed assessment, a changed organisation, is audited) and the newest adoption /
prioritised row (bulk generators write without the audit hook). A write in any worker
process changes the version, so no process serves figures older than the data; each
process recomputes once on its next request.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date
from typing import Any

import pandas as pd
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from app.benchmark import metrics as m
from app.catalogue.models import Solution
from app.catalogue.services import unpublished
from app.metrics import cache_lookup

Figures = tuple[m.Benchmark, pd.DataFrame, pd.DataFrame]  # the benchmark, organisations, relevant solutions

_CACHE: dict[tuple[Any, ...], Figures] = {}
_CACHE_SIZE = 2
_CACHE_LOCK = threading.Lock()
_COMPUTING: dict[tuple[Any, ...], threading.Lock] = {}


# The audited kinds of record the cached figures are computed from (solution names and
# indicators are read when a page is shaped, not cached). Completing an assessment
# writes an assessment_transition; an answer being saved does not touch the benchmark.
CACHED_FROM = ("organisation", "region_membership", "benchmark_adoption", "benchmark_prioritised_solution",
               "assessment_transition")


def data_version(session: Session) -> tuple[Any, ...]:
    """Cheap (index look-ups only) and changes with every write the benchmark depends on.

    SQLite has one writer at a time, so ids grow in commit order. PostgreSQL hands out ids
    before commit: a transaction holding a lower id may commit after a higher one has been
    seen. The oldest transaction id still running (the snapshot's xmin) is added for it: it
    moves when such a transaction ends (and with any other write, which is merely a miss)."""
    audited = ", ".join(f"(SELECT max(id) FROM audit_event WHERE entity_type = '{kind}')" for kind in CACHED_FROM)
    sql = (f"SELECT {audited}, (SELECT max(id) FROM benchmark_adoption), "
           "(SELECT max(id) FROM benchmark_prioritised_solution), (SELECT max(id) FROM organisation)")
    if session.get_bind().dialect.name == "postgresql":
        sql += ", txid_snapshot_xmin(txid_current_snapshot())"
    return tuple(session.execute(text(sql)).one()) + _unpublished_version(session)


def _unpublished_version(session: Session) -> tuple[Any, ...]:
    """Changes when the set of unpublished solutions does: unpublishing a solution adds the
    newest updated_at to the set, publishing one takes one away from the count."""
    return tuple(session.execute(select(func.count(), func.max(Solution.updated_at))
                                 .where(unpublished())).one())


def cached(session: Session, as_of: date, compute: Callable[[], Figures], regions_day: date | None = None) -> Figures:
    """The figures of this database and day (with the regions of `regions_day`, as_of by
    default): from the cache while the data have not changed, else compute() (kept in
    place of older figures of the same database and days)."""
    key = (str(session.get_bind().engine.url), (as_of, regions_day or as_of), data_version(session))
    with _CACHE_LOCK:
        hit = _CACHE.get(key)
        computing = _COMPUTING.setdefault(key[:2], threading.Lock())
    cache_lookup("benchmark", hit is not None)
    if hit is not None:
        return hit
    # One computation at a time per database and day: requests arriving meanwhile wait
    # for it and take its result when the data did not change again, instead of each
    # computing the same figures on the same cores.
    with computing:
        with _CACHE_LOCK:
            hit = _CACHE.get(key)
        if hit is None:
            hit = compute()
            with _CACHE_LOCK:
                stale = [k for k in _CACHE if k[:2] == key[:2]]
                for old in stale + list(_CACHE)[: max(0, len(_CACHE) - _CACHE_SIZE + 1)]:
                    _CACHE.pop(old, None)
                _CACHE[key] = hit
    return hit


def clear_cache() -> None:
    with _CACHE_LOCK:
        _CACHE.clear()
