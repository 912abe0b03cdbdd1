"""Search benchmark: the synthetic 100,000-solution set, a full reindex, then GET
/api/search over loopback for a realistic mix next to the raw engine query.

    .venv/bin/python -m bench.bench_search [--solutions 100000] [--requests 400] [--reuse] [--both]
                                           [--match-cache-mb N]

With --both it runs on a SQLite file and then on BENCH_DATABASE_URL (PostgreSQL, emptied
first unless --reuse) on the same generated data and query mix, and ends with the two
side by side: p95 per query kind, reindex time, database size and the PostgreSQL / SQLite
ratios.

The server runs in its own process (`blaastempel serve`, as in production) and is called
over one kept-alive connection (stdlib http.client, so the client library adds next to
nothing). Every answer carries the server's own timing of it (Server-Timing), so the
three figures come from the same requests:
- the API: GET /api/search as the client sees it;
- the raw engine query (`search`): the engine's whole answer, `backend.search`. On SQLite
  FTS5 that is the SQL statements plus what completes the answer in memory, because FTS5
  has no facets and cannot order a match by a column (facet counts over bitmaps, sort
  arrays, marking, query analysis): what Meilisearch's own search call returns;
- of which the SQL statements alone (`query`).
What the API adds over the engine is our overhead: HTTP, routing, parameters, the
request's transaction and worker thread, the staleness check and JSON.
No query results are cached anywhere, so a repeated query in the mix costs what a new one
does; the report says how many of the queries are distinct. What the database engines keep
is the ids common words match (BLAASTEMPEL_MATCH_CACHE_MB, app/search/sqlbase.py
MatchCache); `--match-cache-mb 0` measures every query reading them from the index.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import time
from typing import Any

from app.db.engine import make_engine
from app.registry import make_session_factory
from app.search.reindex import reindex
from app.search.services import make_backend
from app.search.sqlbase import SqlBackend
from app.settings import Settings, normalise_database_url
from bench.bench_catalogue import load
from bench.common import (
    BENCH_DIR,
    KeepAliveClient,
    database_bytes,
    fresh_sqlite_url,
    live_server,
    percentiles,
    prepare_database,
    report,
    reset_postgres,
)

WORDS = ["diabetes", "genoptræning", "hjertesvigt", "kol", "depression", "monitorering", "træning",
         "kræftbehandling", "lænderygsmerter", "telemonitor"]
COMPOUNDS = ["genoptræningen", "genoptræningsforløb", "hjemmemonitorering", "blodsukkerkontrol",
             "smertehåndtering", "kræftbehandlingen"]
TYPOS = ["diabtes", "genoptræing", "hjertesvgt", "depresion", "monitorrering"]
KINDS = ["single word", "Danish compound form", "one typo", "word + two facets", "empty query + two facets"]
LAYERS = ("api", "engine", "sql")  # GET /api/search; its Server-Timing `search`; and `query`
FACET_PAIRS = [("purpose", ["treatment", "monitoring", "prevention"]), ("target_users", ["citizen", "both"]),
               ("regulatory_class", ["none", "ce_i", "ce_iia"]), ("origin", ["public", "private"]),
               ("vendor_country", ["DK", "SE"]), ("treatment_area", ["diabetes", "kol", "genoptraening"])]


def mix(i: int) -> dict[str, object]:
    rng = random.Random(i)
    kind = i % 5
    params: dict[str, object] = {"limit": 20}
    if kind == 0:
        params["q"] = rng.choice(WORDS)
    elif kind == 1:
        params["q"] = rng.choice(COMPOUNDS)
    elif kind == 2:
        params["q"] = rng.choice(TYPOS)
    elif kind == 3:
        params["q"] = rng.choice(WORDS)
        for facet, values in rng.sample(FACET_PAIRS, 2):
            params[facet] = rng.choice(values)
    else:
        for facet, values in rng.sample(FACET_PAIRS, 2):
            params[facet] = rng.choice(values)
    if rng.random() < .2:
        params["sort"] = rng.choice(["name", "newest", "adoption"])
    return params


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--solutions", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--reuse", action="store_true",
                        help="reuse var/bench/search.sqlite3 or BENCH_DATABASE_URL (indexed by an earlier run)")
    parser.add_argument("--both", action="store_true",
                        help="SQLite (var/bench/search.sqlite3) and then BENCH_DATABASE_URL (PostgreSQL) on the "
                             "same generated data and query mix, and the PostgreSQL / SQLite ratios")
    parser.add_argument("--match-cache-mb", type=int, default=None,
                        help="the server's BLAASTEMPEL_MATCH_CACHE_MB (0: every query reads its matches)")
    args = parser.parse_args()
    pg_url = os.environ.get("BENCH_DATABASE_URL")
    if not args.both:
        run_engine(pg_url or None, args)
        return
    if not pg_url:
        parser.error("--both needs BENCH_DATABASE_URL (a PostgreSQL database the benchmark may empty)")
    compare(run_engine(None, args), run_engine(pg_url, args))


def run_engine(pg_url: str | None, args: argparse.Namespace) -> dict[str, Any]:
    """The benchmark on PostgreSQL (`pg_url`) or on the SQLite file; prints its report and
    returns the figures compare() sets side by side."""
    reused = BENCH_DIR / "search.sqlite3"
    reuse = args.reuse and (bool(pg_url) or reused.exists())
    if pg_url:
        url = normalise_database_url(pg_url)
    elif reuse:
        url = f"sqlite:///{reused}"
    else:
        url = fresh_sqlite_url("search")
    load_seconds = 0.0
    if not reuse:
        if pg_url:
            reset_postgres(url)
        prepare_database(url)
        load_seconds = load(url, args.solutions)
    settings = Settings(database_url=url, secret_key="bench-secret-key-0123456789abcdef")
    engine = make_engine(url)
    factory = make_session_factory(engine)
    backend = make_backend(settings)
    if reuse:
        with factory() as session:
            indexed = backend.count_docs(session) if isinstance(backend, SqlBackend) else 0
            index_seconds = float("nan")
    else:
        indexed, index_seconds = reindex(factory, backend)
    size = database_bytes(engine)
    engine.dispose()
    layers: dict[str, dict[int, list[float]]] = {name: {k: [] for k in range(5)} for name in LAYERS}
    with live_server(url, match_cache_env(args.match_cache_mb)) as base:
        http = KeepAliveClient(base)
        first = timed_search(http, {"limit": 1})  # the server builds its facet cache
        for i in range(30):
            timed_search(http, mix(i))
        for i in range(args.requests):
            for name, ms in timed_search(http, mix(i)).items():
                layers[name][i % 5].append(ms)
        empty = [timed_search(http, {"limit": 20}) for _ in range(100)]
        for i in range(30):  # as for the API: the first renders compile the templates
            timed_partial(http, mix(i))
        as_you_type = [timed_partial(http, mix(i)) for i in range(args.requests)]
        http.close()
    api_p, engine_p, sql_p = (percentiles([x for per in layers[n].values() for x in per]) for n in LAYERS)
    web_layer = percentiles([x for per in _differences(layers) for x in per])
    distinct = len({json.dumps(mix(i), sort_keys=True) for i in range(args.requests)})
    report(f"Search on {args.solutions:,} solutions ({backend.name})", {
        "load average": os.getloadavg().__repr__(),
        "queries": f"{args.requests}, {distinct} distinct (no result cache)",
        "common words' match sets kept (MiB per process)":
            "default" if args.match_cache_mb is None else str(args.match_cache_mb),
        "generate": f"{load_seconds:.1f} s",
        "reindex": f"{indexed:,} records in {index_seconds:.1f} s ({indexed / index_seconds:,.0f}/s)",
        "database size": f"{size / 2**20:,.0f} MiB",
        "first query (the server builds its facet cache)": f"{first['api']:.0f} ms",
        "GET /api/search over HTTP, mix": api_p,
        "raw engine query: the engine's whole answer (Server-Timing search)": engine_p,
        "  of which the SQL statements alone (Server-Timing query)": sql_p,
        "API / raw engine query, p95 | p50 (issue 4: under 1.5x)": _ratios(api_p, engine_p),
        "API / SQL statements alone, p95 | p50": _ratios(api_p, sql_p),
        "our overhead per request (API - engine), mix": web_layer,
        "our overhead per request, empty query": percentiles([t["api"] - t["engine"] for t in empty]),
        "search as you type: GET /search results partial (HTMX), mix (issue 4: p95 under 50 ms)":
            percentiles(as_you_type),
    })
    report("By kind, p50 ; p95: GET /api/search | engine's whole answer | SQL alone", {
        KINDS[k]: " ; ".join(" | ".join(f"{percentiles(layers[n][k])[q]:.1f}" for n in LAYERS)
                             for q in ("p50", "p95")) + " ms"
        for k in range(5)})
    return {"name": backend.name, "api": api_p, "kinds": {KINDS[k]: percentiles(layers["api"][k]) for k in range(5)},
            "partial": percentiles(as_you_type), "reindex": index_seconds, "size": size}


def match_cache_env(mb: int | None) -> dict[str, str]:
    """The server's environment for `--match-cache-mb` (None: the app's default)."""
    return {} if mb is None else {"BLAASTEMPEL_MATCH_CACHE_MB": str(mb)}


def compare(sqlite: dict[str, Any], pg: dict[str, Any]) -> None:
    """The two engines side by side: GET /api/search p95 per query kind, and the ratio."""
    def row(a: dict[str, float], b: dict[str, float]) -> str:
        return f"{a['p95']:.1f} | {b['p95']:.1f} ms | {b['p95'] / a['p95']:.2f}x"

    rows: dict[str, Any] = {"load average": os.getloadavg().__repr__(), "whole mix": row(sqlite["api"], pg["api"])}
    rows.update({kind: row(sqlite["kinds"][kind], pg["kinds"][kind]) for kind in KINDS})
    rows["search as you type (results partial)"] = row(sqlite["partial"], pg["partial"])
    rows["reindex"] = (f"{sqlite['reindex']:.1f} | {pg['reindex']:.1f} s | "
                       f"{pg['reindex'] / sqlite['reindex']:.2f}x")
    rows["database size"] = f"{sqlite['size'] / 2**20:,.0f} | {pg['size'] / 2**20:,.0f} MiB"
    report(f"{sqlite['name']} | {pg['name']} | PostgreSQL / SQLite: GET /api/search p95", rows)


def timed_search(http: KeepAliveClient, params: dict[str, object]) -> dict[str, float]:
    """One GET /api/search: its time over HTTP, and the engine's share of that same answer
    as the server timed it (the Server-Timing header): same request, same process, same
    caches, so a ratio is not skewed by the VM's drifting speed."""
    start = time.perf_counter()
    _, headers = http.get_with_headers("/api/search", params)
    api_ms = (time.perf_counter() - start) * 1000
    timing = server_timing(headers["Server-Timing"])
    return {"api": api_ms, "engine": timing["search"], "sql": timing["query"]}


def timed_partial(http: KeepAliveClient, params: dict[str, object]) -> float:
    """The results fragment that search as you type swaps in (grouped by type, facets)."""
    start = time.perf_counter()
    http.get_with_headers("/search", params, headers={"HX-Request": "true"})
    return (time.perf_counter() - start) * 1000


def server_timing(header: str) -> dict[str, float]:
    """`search;dur=8.1, query;dur=4.2` -> {"search": 8.1, "query": 4.2}"""
    metrics = {}
    for metric in header.split(","):
        name, *params = (p.strip() for p in metric.split(";"))
        metrics[name] = next(float(p[4:]) for p in params if p.startswith("dur="))
    return metrics


def _differences(layers: dict[str, dict[int, list[float]]]) -> list[list[float]]:
    return [[a - e for a, e in zip(layers["api"][k], layers["engine"][k], strict=True)] for k in layers["api"]]


def _ratios(top: dict[str, float], bottom: dict[str, float]) -> str:
    return f"{top['p95'] / bottom['p95']:.2f}x | {top['p50'] / bottom['p50']:.2f}x"


if __name__ == "__main__":
    main()
