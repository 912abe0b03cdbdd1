"""The full national benchmark over 2,000,000 synthetic adoption records.

    .venv/bin/python -m bench.bench_benchmark [--records 2000000] [--reuse]

Generates the records with the `generate --adoption` generator into a fresh database
(var/bench/benchmark.sqlite3, or BENCH_DATABASE_URL), then times loading them into
DataFrames and computing every figure (all organisations, ranks, region roll-ups,
spread, heat table, five periods of trend for everyone) separately, with peak memory
(getrusage ru_maxrss): one warm-up run (it reads the file into the page cache), then
--runs timed runs, the median reported. Target: load + compute < 5 s, peak RSS < 1 GB. Then the cached path a page
request takes (first request, later requests). The machine is shared: the load average is
printed next to the figures.
"""

from __future__ import annotations

import argparse
import os
import resource
import time
from pathlib import Path

from sqlalchemy import func, select

from app.audit.hook import set_actor
from app.benchmark import cache, loader
from app.benchmark import metrics as m
from app.benchmark import services as svc
from app.benchmark.generate import generate_adoption
from app.benchmark.models import AdoptionRecord
from app.catalogue.generate import generate_catalogue
from app.core import clock
from app.db.engine import make_engine
from app.registry import make_session_factory
from bench.common import BENCH_DIR, bench_database_url, prepare_database, report


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def _load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3]) if Path("/proc/loadavg").exists() else "?"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=2_000_000)
    parser.add_argument("--solutions", type=int, default=100_000)  # the synthetic catalogue
    parser.add_argument("--reuse", action="store_true", help="reuse var/bench/benchmark.sqlite3 if present")
    parser.add_argument("--runs", type=int, default=3, help="timed runs after one warm-up (median reported)")
    parser.add_argument("--mmap", action="store_true", help="keep SQLite's memory-mapped I/O (counts in RSS)")
    args = parser.parse_args()

    path = BENCH_DIR / "benchmark.sqlite3"
    configured = os.environ.get("BENCH_DATABASE_URL")
    if args.reuse and (configured or path.exists()):
        url = configured or f"sqlite:///{path}"
        gen_seconds = 0.0
    else:
        url = bench_database_url("benchmark")
        prepare_database(url, demo=False)
        engine = make_engine(url)
        started = time.perf_counter()
        with make_session_factory(engine)() as session, session.begin():
            set_actor(session, None, "bench")
            generate_catalogue(session, solutions=args.solutions, projects=0, needs=0, progress=False)
            generate_adoption(session, records=args.records, progress=True)
        gen_seconds = time.perf_counter() - started
        engine.dispose()

    engine = make_engine(url)
    rss_before = _rss_mb()
    with make_session_factory(engine)() as session:
        if session.connection().dialect.name == "sqlite" and not args.mmap:
            # The app maps up to 256 MiB of the database file (PRAGMA mmap_size): file-backed
            # pages that would count in RSS although they are page cache. Measure without.
            session.connection().exec_driver_sql("PRAGMA mmap_size=0")
        as_of = clock.today()
        runs: list[tuple[float, float, float, float]] = []  # load, compute, cpu, rss after load
        for _ in range(1 + args.runs):  # the first run warms the page cache and is not counted
            t0, cpu0 = time.perf_counter(), time.process_time()
            orgs = loader.load_organisations(session)
            relevant = loader.relevant_solutions(session)
            adoption = loader.load_adoption(session, until=max(as_of, m.period_end(as_of.year)))
            t1 = time.perf_counter()
            rss_loaded = _rss_mb()
            bench = m.compute(orgs, adoption, relevant, as_of)
            heat = m.heat_table(bench.current, m.with_region_population(orgs), list(bench.spread.index[:15]))
            t3, cpu3 = time.perf_counter(), time.process_time()
            runs.append((t1 - t0, t3 - t1, cpu3 - cpu0, rss_loaded))
            if len(runs) <= args.runs:
                del adoption, bench
        runs = runs[1:]
        totals = sorted(r[0] + r[1] for r in runs)
        median = runs[[r[0] + r[1] for r in runs].index(totals[len(totals) // 2])]
        del adoption, bench
        cache.clear_cache()
        t4 = time.perf_counter()
        bench, _orgs, _relevant = svc.compute(session, as_of)  # what a page request does: fills the cache
        t5 = time.perf_counter()
        cached = [time.perf_counter()]
        for _ in range(5):  # later requests: data version check + cache hit
            svc.compute(session, as_of, trend_for=[int(orgs["id"].iloc[0])])
            cached.append(time.perf_counter())
        records = int(session.execute(select(func.count()).select_from(AdoptionRecord)).scalar_one())
        solutions = int(session.execute(select(func.count(func.distinct(AdoptionRecord.solution_id)))).scalar_one())
    engine.dispose()

    report(f"National benchmark over {records:,} adoption records ({solutions:,} distinct solutions)", {
        "organisations benchmarked": f"{len(bench.organisations):,}",
        "organisation × solution pairs in force": f"{len(bench.current):,}",
        "solutions with spread": f"{len(bench.spread):,}",
        "trend rows (5 periods × all organisations)": f"{len(bench.trend):,}",
        "heat cells": f"{len(heat):,}",
        "generate (catalogue + adoption, not timed against the target)": f"{gen_seconds:.1f} s",
        "load (integer-coded CSV text from SQL -> sorted DataFrame), median run":
            f"{median[0]:.2f} s (peak RSS after loading {median[3]:.0f} MiB)",
        "compute (every figure), median run": f"{median[1]:.2f} s",
        "load + compute, median run": f"{median[0] + median[1]:.2f} s (CPU time of this process: {median[2]:.2f} s; "
                                      "SQLite's work is in it)",
        f"load + compute, all {len(runs)} timed runs (after one warm-up)": ", ".join(f"{t:.2f} s" for t in totals),
        "first page request (svc.compute: version check, load, compute, cache)": f"{t5 - t4:.2f} s",
        "later requests (version check + cache hit), mean of 5":
            f"{(cached[-1] - cached[0]) / 5 * 1000:.1f} ms",
        "peak RSS of the process": f"{_rss_mb():.0f} MiB (before loading: {rss_before:.0f} MiB)",
        "national municipal adoption rate": f"{bench.national['municipal_adoption_rate']:.3f}",
        "load average (1/5/15 min) at the end": _load(),
        "target": "load + compute < 5 s, peak RSS < 1024 MiB",
    })


if __name__ == "__main__":
    main()
