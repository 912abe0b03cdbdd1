"""National scale (issue 22): the synthetic set at 1,000,000 solutions (200,000 projects,
100,000 needs) on one engine, and the figures that matter there.

    .venv/bin/python -m bench.bench_scale [--solutions 1000000] [--requests 300] [--reuse]

SQLite by default (var/bench/scale.sqlite3); PostgreSQL with BENCH_DATABASE_URL (its
tables are emptied first, unless --reuse, and VACUUM (ANALYZE) follows the reindex, as
autovacuum would soon after a bulk load). It prints the time of `generate` and of a full
reindex, the database's size (the file with its WAL on SQLite, pg_database_size on
PostgreSQL), then, against `blaastempel serve` in its own process over one kept-alive
connection: GET /api/search with bench_search's query mix (and again on a server that
keeps no common word's match set, BLAASTEMPEL_MATCH_CACHE_MB=0), and the solution list
(GET /api/solutions and the /solutions page) with bench_catalogue's filters and an
unfiltered list paged up to offset 475. `--reuse` keeps a database an earlier run
generated and indexed and measures the requests only.
"""

from __future__ import annotations

import argparse
import os
import time

from sqlalchemy import Engine, text

from app.db.engine import make_engine
from app.registry import make_session_factory
from app.search.reindex import reindex
from app.search.services import make_backend
from app.settings import Settings, normalise_database_url
from bench.bench_catalogue import filtered_params, load
from bench.bench_search import match_cache_env, mix, timed_search
from bench.common import (
    BENCH_DIR,
    KeepAliveClient,
    bench_database_url,
    database_bytes,
    live_server,
    percentiles,
    prepare_database,
    report,
    reset_postgres,
)

SQLITE_FILE = BENCH_DIR / "scale.sqlite3"


def database_size(url: str) -> int:
    engine = make_engine(url)
    try:
        return database_bytes(engine)
    finally:
        engine.dispose()


def build(url: str, solutions: int) -> tuple[float, int, float]:
    """Generate the set and index it: (generate seconds, documents indexed, reindex seconds)."""
    if not url.startswith("sqlite"):
        reset_postgres(url)
    prepare_database(url)
    generate_seconds = load(url, solutions)
    engine = make_engine(url)
    backend = make_backend(Settings(database_url=url, secret_key="bench-secret-key-0123456789abcdef"))
    indexed, index_seconds = reindex(make_session_factory(engine), backend)
    if engine.dialect.name == "postgresql":
        vacuum(engine)
    engine.dispose()
    return generate_seconds, indexed, index_seconds


def vacuum(engine: Engine) -> None:
    """What autovacuum does in the minutes after a bulk load (the visibility map that lets
    the list read its index alone, fresh statistics), done now: the figures are of the
    steady state, not of autovacuum running alongside them."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM (ANALYZE)"))


def timed_get(http: KeepAliveClient, path: str, params: dict[str, object]) -> float:
    start = time.perf_counter()
    http.get(path, params)
    return (time.perf_counter() - start) * 1000


def measure(url: str, requests: int) -> dict[str, dict[str, float] | float | str]:
    with live_server(url) as base:
        http = KeepAliveClient(base)
        first = timed_get(http, "/api/search", {"limit": 1})  # the server builds its caches
        for i in range(30):
            timed_search(http, mix(i))
            timed_get(http, "/api/solutions", filtered_params(i))
            timed_get(http, "/solutions", filtered_params(i))  # the first renders compile the templates
        search = [timed_search(http, mix(i))["api"] for i in range(requests)]
        listed = [timed_get(http, "/api/solutions", filtered_params(i)) for i in range(requests)]
        unfiltered = [timed_get(http, "/api/solutions", {"limit": 25, "offset": (i % 20) * 25})
                      for i in range(requests)]
        page = [timed_get(http, "/solutions", filtered_params(i)) for i in range(requests // 2)]
        http.close()
    with live_server(url, match_cache_env(0)) as base:
        http = KeepAliveClient(base)
        timed_get(http, "/api/search", {"limit": 1})
        uncached = [timed_search(http, mix(i))["api"] for i in range(requests)]
        http.close()
    return {
        "first search (the server builds its caches)": f"{first:.0f} ms",
        "GET /api/search, bench_search's mix": percentiles(search),
        "  the same, every query reading its matches from the index (BLAASTEMPEL_MATCH_CACHE_MB=0)":
            percentiles(uncached),
        "GET /api/solutions, filtered page": percentiles(listed),
        "GET /api/solutions, unfiltered page": percentiles(unfiltered),
        "GET /solutions (HTML), filtered page": percentiles(page),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--solutions", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--reuse", action="store_true", help="measure the requests on an earlier run's database")
    args = parser.parse_args()
    configured = os.environ.get("BENCH_DATABASE_URL")
    if args.reuse:
        url = normalise_database_url(configured or f"sqlite:///{SQLITE_FILE}")
        built = "reused (generated and indexed by an earlier run)"
    else:
        url = bench_database_url("scale")
        generate_seconds, indexed, index_seconds = build(url, args.solutions)
        built = (f"generate {generate_seconds:.1f} s; reindex {indexed:,} records in {index_seconds:.1f} s "
                 f"({indexed / index_seconds:,.0f}/s)")
    rows: dict[str, dict[str, float] | float | str] = {
        "database": url.split(":")[0],
        "load average before": repr(os.getloadavg()),
        "generate (solutions / projects / needs), reindex":
            f"{args.solutions:,} / {args.solutions // 5:,} / {args.solutions // 10:,}: {built}",
        "database size": f"{database_size(url) / 2**20:,.0f} MiB",
    }
    rows |= measure(url, args.requests)
    rows["load average after"] = repr(os.getloadavg())
    report(f"Scale: {args.solutions:,} solutions", rows)


if __name__ == "__main__":
    main()
