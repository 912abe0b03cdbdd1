"""A spread programme's progress over all 98 municipalities on the benchmark's synthetic set.

    .venv/bin/python -m bench.bench_programmes [--records 2000000] [--reuse]

The data set is the one bench_benchmark makes (the `generate --adoption` generator over a
catalogue of 100,000 synthetic solutions, var/bench/benchmark.sqlite3 or BENCH_DATABASE_URL);
--reuse takes it as it is. Timed (median of --runs after one warm-up):

- a programme of the 10 solutions with the most adoption records, targeting all 98
  municipalities: read the organisations and its history (services.adoption_history: the
  solution index), then the stages today and the quarterly path and forecast of two targets
  (services.compute_progress), as the programme page does;
- the worst case: every solution counts as the programme's, so the whole municipal history
  (about 70 % of the records) is read (benchmark.loader.load_adoption) and computed.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

from sqlalchemy import func, select

from app.audit.hook import set_actor
from app.benchmark import loader
from app.benchmark import metrics as m
from app.benchmark.generate import generate_adoption
from app.benchmark.models import AdoptionRecord
from app.catalogue.generate import generate_catalogue
from app.core import clock
from app.db.engine import make_engine
from app.programmes import progress as p
from app.programmes import services as svc
from app.registry import make_session_factory
from bench.common import BENCH_DIR, bench_database_url, prepare_database, report


def _timed(fn: Callable[[], object], runs: int) -> tuple[float, object]:
    fn()  # warm-up: the page cache
    times, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def _database(args: argparse.Namespace) -> tuple[str, float]:
    path = BENCH_DIR / "benchmark.sqlite3"
    configured = os.environ.get("BENCH_DATABASE_URL")
    if args.reuse and (configured or path.exists()):
        return configured or f"sqlite:///{path}", 0.0
    url = bench_database_url("benchmark")
    prepare_database(url, demo=False)
    engine = make_engine(url)
    started = time.perf_counter()
    with make_session_factory(engine)() as session, session.begin():
        set_actor(session, None, "bench")
        generate_catalogue(session, solutions=args.solutions, projects=0, needs=0, progress=False)
        generate_adoption(session, records=args.records, progress=True)
    engine.dispose()
    return url, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=2_000_000)
    parser.add_argument("--solutions", type=int, default=100_000)
    parser.add_argument("--reuse", action="store_true", help="reuse var/bench/benchmark.sqlite3 if present")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    url, gen_seconds = _database(args)
    engine = make_engine(url)
    today = clock.today()
    goals = [("implementing", 0.5, date(today.year + 1, 6, 30)), ("in_operation", 0.8, date(today.year + 1, 12, 31))]
    start = date(today.year - 2, 1, 1)
    with make_session_factory(engine)() as session:
        orgs = m.with_region_population(loader.load_organisations(session))
        targets = [int(i) for i in orgs.loc[orgs["kind"] == "municipality", "id"]]
        top = [int(s) for s in session.scalars(
            select(AdoptionRecord.solution_id).where(AdoptionRecord.organisation_id.in_(targets))
            .group_by(AdoptionRecord.solution_id).order_by(func.count().desc()).limit(10))]

        def programme() -> tuple[dict[int, str], list[dict[str, object]], int]:
            organisations = m.with_region_population(loader.load_organisations(session))
            history = svc.adoption_history(session, top, targets, today)
            return (*svc.compute_progress(history, organisations, targets, goals, start, today), len(history))

        def everything() -> tuple[dict[int, str], list[dict[str, object]], int]:
            organisations = m.with_region_population(loader.load_organisations(session))
            history = loader.load_adoption(session, targets, until=today)
            return (*svc.compute_progress(history, organisations, targets, goals, start, today), len(history))

        small, (stages, _paths, small_rows) = _timed(programme, args.runs)  # type: ignore[misc]
        large, (all_stages, all_paths, large_rows) = _timed(everything, args.runs)  # type: ignore[misc]
        records = int(session.execute(select(func.count()).select_from(AdoptionRecord)).scalar_one())
    engine.dispose()
    report(f"Programme progress over {len(targets)} municipalities, {records:,} adoption records", {
        "generate (not timed against anything)": f"{gen_seconds:.1f} s",
        f"programme of 10 solutions ({small_rows:,} history rows), median of {args.runs}":
            f"{small * 1000:.0f} ms (stages now: {p.counts(stages.values())})",
        f"every solution ({large_rows:,} history rows), median of {args.runs}":
            f"{large:.2f} s (in operation now: {p.share_at_least(all_stages, 'in_operation'):.0%}, "
            f"{len(all_paths[0]['points'])} path points per target)",
        "load average (1/5/15 min)": " ".join(Path("/proc/loadavg").read_text().split()[:3]),
    })


if __name__ == "__main__":
    main()
