"""The fast paths give the same numbers as the straightforward ones: the integer-coded
loader against the plain one (SQLite and PostgreSQL), the one-pass trend against
organisation_metrics(status_at(...)) per period, and the cache against fresh figures
after every kind of write."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import insert, select

from app.benchmark import cache, loader
from app.benchmark import metrics as m
from app.benchmark import services as svc
from app.benchmark.models import AdoptionRecord
from app.catalogue.models import Organisation, Solution
from app.core import clock
from tests.benchmark.test_metrics import _adoption, _orgs, _relevant
from tests.helpers import unique

AS_OF = date(2026, 6, 30)


def _same_benchmark(a: m.Benchmark, b: m.Benchmark) -> None:
    for name in ("organisations", "regions", "spread", "trend", "current"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), check_exact=True, obj=name)
    assert a.national == pytest.approx(b.national, nan_ok=True, rel=0, abs=0)


@pytest.mark.parametrize("until", [None, date(2026, 12, 31), date(2024, 12, 31)])
def test_fast_loader_matches_plain_loader(db: Any, until: date | None) -> None:
    fast = loader.load_adoption(db, until=until)
    plain = m.sort_history(loader.load_adoption_plain(db, until=until))
    assert len(fast) > 0
    pd.testing.assert_frame_equal(fast, plain, check_exact=True)
    assert fast.equals(m.sort_history(fast))  # already in history order


@pytest.mark.parametrize("chunk", [7, 50])
def test_fast_loader_in_many_chunks_matches_plain_loader(db: Any, monkeypatch: pytest.MonkeyPatch,
                                                         chunk: int) -> None:
    """Many chunks: on SQLite two reader connections run them side by side."""
    monkeypatch.setattr(loader, "CHUNK", chunk)
    readers: list[str] = []
    connect = loader.sqlite3.connect
    monkeypatch.setattr(loader.sqlite3, "connect", lambda path, **kw: readers.append(path) or connect(path, **kw))
    db.rollback()  # nothing uncommitted: the readers can see everything
    fast = loader.load_adoption(db, until=date(2026, 12, 31))
    plain = m.sort_history(loader.load_adoption_plain(db, until=date(2026, 12, 31)))
    pd.testing.assert_frame_equal(fast, plain, check_exact=True)
    if db.connection().dialect.name == "sqlite":
        assert readers, "the reader connections were not used"
        assert all(path.endswith("?mode=ro") for path in readers)


def test_fast_loader_sees_the_sessions_own_uncommitted_rows(db: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(loader, "CHUNK", 7)
    org_id = db.scalars(select(Organisation.id).where(Organisation.kind == "municipality")).first()
    solution_id = db.scalars(select(Solution.id)).first()
    db.execute(insert(AdoptionRecord).values(
        organisation_id=org_id, solution_id=solution_id, status="pilot", effective_from=date(2026, 1, 2),
        active_users=123457, reported_by="tests", version=1, created_at=datetime.now(UTC),
        updated_at=datetime.now(UTC)))
    try:
        fast = loader.load_adoption(db)
        assert (fast["active_users"] == 123457).sum() == 1
        pd.testing.assert_frame_equal(fast, m.sort_history(loader.load_adoption_plain(db)), check_exact=True)
    finally:
        db.rollback()


@pytest.mark.parametrize("fte", [1 / 3, None, 2.125, -0.5, 1e13])
def test_capacity_values_come_back_exactly(db: Any, monkeypatch: pytest.MonkeyPatch, fte: float | None) -> None:
    """Capacity travels as thousandths when that is exact; other values are read as floats."""
    monkeypatch.setattr(loader, "CHUNK", 50)
    org_id = db.scalars(select(Organisation.id).where(Organisation.kind == "municipality")).first()
    solution_id = db.scalars(select(Solution.id)).first()
    now = datetime.now(UTC)
    db.execute(insert(AdoptionRecord).values(
        organisation_id=org_id, solution_id=solution_id, status="in_operation", effective_from=date(2026, 1, 3),
        active_users=424242, capacity_fte=fte, reported_by="tests", version=1, created_at=now, updated_at=now))
    try:
        fast = loader.load_adoption(db)
        mine = fast[fast["active_users"] == 424242]["capacity_fte"].tolist()
        assert len(mine) == 1 and (mine[0] == fte or (fte is None and np.isnan(mine[0])))
        pd.testing.assert_frame_equal(fast, m.sort_history(loader.load_adoption_plain(db)), check_exact=True)
    finally:
        db.rollback()


def test_fast_loader_for_some_organisations(db: Any) -> None:
    ids = list(db.scalars(select(AdoptionRecord.organisation_id).distinct()))[:3]
    fast = loader.load_adoption(db, ids)
    pd.testing.assert_frame_equal(fast, m.sort_history(loader.load_adoption_plain(db, ids)), check_exact=True)
    assert set(fast["organisation_id"]) == set(ids)


def test_values_that_do_not_fit_the_packing_fall_back(db: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(loader, "_ORG_BITS", 1)
    monkeypatch.setattr(loader, "_SOL_BITS", 1)
    pd.testing.assert_frame_equal(loader.load_adoption(db), m.sort_history(loader.load_adoption_plain(db)),
                                  check_exact=True)


def test_benchmark_from_fast_loader_equals_straightforward(db: Any) -> None:
    orgs, relevant = loader.load_organisations(db), loader.relevant_solutions(db)
    fast = m.compute(orgs, loader.load_adoption(db, until=date(2026, 12, 31)), relevant, AS_OF)
    plain = m.compute(orgs, loader.load_adoption_plain(db), relevant, AS_OF)
    _same_benchmark(fast, plain)
    cached = svc.compute(db, AS_OF)[0]
    _same_benchmark(cached, plain)


def test_one_pass_trend_equals_metrics_per_period() -> None:
    orgs = m.with_region_population(_orgs())
    history = m.sort_history(_adoption())
    years = [2021, 2022, 2023, 2024, 2025, 2026]
    got = m.trend(history, orgs, _relevant(), years)
    for year in years:
        expected = m.organisation_metrics(orgs, m.status_at(history, m.period_end(year)), _relevant())
        mine = got[got["period"] == year].set_index("organisation_id")
        for col in ("adoption_rate", "solutions_in_operation", "active_users", "capacity_fte"):
            pd.testing.assert_series_equal(mine[col], expected[col], check_names=False, check_index_type=False,
                                           check_dtype=False)  # (an empty period counts in int64)


def test_sorted_history_is_not_resorted_and_shuffled_is() -> None:
    history = m.sort_history(_adoption())
    again = m.sort_history(history)
    pd.testing.assert_frame_equal(again, history)
    reversed_ = m.sort_history(history.iloc[::-1])
    pd.testing.assert_frame_equal(reversed_, history)


# ---- cache --------------------------------------------------------------------------


def test_cache_answers_repeated_requests_and_sees_every_write(client: Any, db: Any, auth: Any) -> None:
    cache.clear_cache()
    first, _o, _r = svc.compute(db)
    again, _o, _r = svc.compute(db)
    assert again is first  # no write in between: the cached figures
    # A status reported through the API (audited) -> new figures on the next request.
    solution = db.scalar(select(Solution).where(Solution.slug == "liva"))
    org = db.scalar(select(Organisation).where(Organisation.kind == "hospital").order_by(Organisation.id))
    before = svc.compute(db)[0].organisations.loc[org.id, "solutions_in_operation"]
    body = {"organisation": f"hospital:{org.code}", "solution": "liva", "status": "in_operation",
            "effective_from": "2025-03-01", "active_users": 7}
    existing = db.scalar(select(AdoptionRecord).where(AdoptionRecord.organisation_id == org.id,
                                                      AdoptionRecord.solution_id == solution.id))
    response = client.post("/api/benchmark/adoption", json=body, headers=auth("admin"))
    assert response.status_code == 201, response.text
    db.rollback()  # a new transaction: see the other session's commit
    after = svc.compute(db)[0]
    assert after is not first
    grew = 0 if existing is not None else 1
    assert after.organisations.loc[org.id, "solutions_in_operation"] >= before + grew - 1
    data = client.get(f"/api/benchmark/organisations/hospital:{org.code}").json()
    assert any(s["slug"] == "liva" and s["status"] == "in_operation" for s in data["solutions"])
    # A row written without the audit hook (like the generator) is seen too.
    cached = svc.compute(db)[0]
    other = db.scalar(select(Solution).where(Solution.id.notin_(
        select(AdoptionRecord.solution_id).where(AdoptionRecord.organisation_id == org.id))).limit(1))
    now = datetime.now(UTC)
    db.execute(insert(AdoptionRecord.__table__), [{
        "organisation_id": org.id, "solution_id": other.id, "status": "in_operation",
        "effective_from": date(2024, 1, 1), "active_users": 3, "capacity_fte": 0.5, "reported_by": "test",
        "version": 1, "created_at": now, "updated_at": now}])
    db.commit()
    fresh = svc.compute(db)[0]
    assert fresh is not cached
    assert fresh.organisations.loc[org.id, "solutions_in_operation"] == \
        cached.organisations.loc[org.id, "solutions_in_operation"] + 1
    _same_benchmark(fresh, svc.compute_uncached(db, clock.today())[0])


def test_cached_trend_for_some_organisations_equals_computing_it(db: Any) -> None:
    ids = [int(i) for i in loader.load_organisations(db)["id"].head(4)]
    cached = svc.compute(db, AS_OF, trend_for=ids)[0].trend
    direct = svc.compute_uncached(db, AS_OF, trend_for=ids)[0].trend
    pd.testing.assert_frame_equal(cached, direct, check_exact=True)


def test_only_writes_the_figures_depend_on_change_the_data_version(app: Any, db: Any) -> None:
    version = cache.data_version(db)
    db.rollback()
    with app.state.session_factory() as session, session.begin():  # audited, not a benchmark input
        session.scalar(select(Solution).where(Solution.slug == "liva")).website = f"https://{unique('liva')}.dk"
    if db.get_bind().dialect.name == "sqlite":  # PostgreSQL adds the snapshot's xmin: any commit moves it
        assert cache.data_version(db) == version
    db.rollback()
    with app.state.session_factory() as session, session.begin():  # audited benchmark input
        org = session.scalar(select(Organisation).where(Organisation.kind == "municipality"))
        org.population = (org.population or 0) + 1
        org_id, population = org.id, org.population
    assert cache.data_version(db) != version
    db.rollback()
    with app.state.session_factory() as session, session.begin():
        session.get(Organisation, org_id).population = population - 1


def test_concurrent_requests_compute_the_figures_once(app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    cache.clear_cache()
    calls: list[int] = []
    real = svc.compute_uncached

    def slow(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        time.sleep(0.3)  # long enough for the other threads to arrive meanwhile
        return real(*args, **kwargs)

    monkeypatch.setattr(svc, "compute_uncached", slow)

    def request() -> m.Benchmark:
        with app.state.session_factory() as session:
            return svc.compute(session, AS_OF)[0]

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda _: request(), range(4)))
    assert len(calls) == 1
    assert all(r is results[0] for r in results)
