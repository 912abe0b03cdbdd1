"""Search benchmark: the synthetic 100,000-solution set, a full reindex, then GET
/api/search over loopback for a realistic mix next to the raw engine query.

    .venv/bin/python -m bench.bench_search [--solutions 100000] [--requests 400] [--reuse]

Three layers are timed on the same mix of queries:
- the raw engine query (`backend.raw_query_ms`): on SQLite FTS5 the SQL statements a
  search runs (text match, ranking pass, the page's rows), timed alone;
- the engine's whole answer in process (`backend.search`): those statements plus what
  completes the answer in memory because FTS5 has no facets and cannot order a match by a
  column (facet counts over bitmaps, sort arrays, highlighting, query analysis). This is
  what Meilisearch's own search call returns;
- GET /api/search over HTTP, which adds the web layer: routing, parameters, the request's
  transaction and worker thread, the staleness check, JSON. The server runs in its own
  process (`blaastempel serve`), as in production, and is called over one kept-alive
  connection (stdlib http.client, so the client library adds next to nothing).
No query results are cached anywhere, so a repeated query in the mix costs what a new one
does; the report says how many of the queries are distinct.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import time

from app.db.engine import make_engine, make_session_factory
from app.search.backend import SearchQuery
from app.search.reindex import reindex
from app.search.services import choose_backend
from app.settings import Settings
from bench.bench_catalogue import load
from bench.common import (
    BENCH_DIR,
    KeepAliveClient,
    bench_database_url,
    live_server,
    percentiles,
    prepare_database,
    report,
)

WORDS = ["diabetes", "genoptræning", "hjertesvigt", "kol", "depression", "monitorering", "træning",
         "kræftbehandling", "lænderygsmerter", "telemonitor"]
COMPOUNDS = ["genoptræningen", "genoptræningsforløb", "hjemmemonitorering", "blodsukkerkontrol",
             "smertehåndtering", "kræftbehandlingen"]
TYPOS = ["diabtes", "genoptræing", "hjertesvgt", "depresion", "monitorrering"]
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


def to_query(params: dict[str, object]) -> SearchQuery:
    filters = {k: [v] for k, v in params.items() if k not in ("q", "limit", "sort")}
    return SearchQuery.make(q=str(params.get("q", "")), filters=filters, sort=str(params.get("sort", "")),
                            limit=20)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--solutions", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--reuse", action="store_true",
                        help="reuse var/bench/search.sqlite3 (generated and indexed by an earlier run)")
    args = parser.parse_args()
    reused = BENCH_DIR / "search.sqlite3"
    if args.reuse and reused.exists():
        url = f"sqlite:///{reused}"
        load_seconds = 0.0
    else:
        url = bench_database_url("search")
        prepare_database(url)
        load_seconds = load(url, args.solutions)
    settings = Settings(database_url=url, secret_key="bench-secret-key-0123456789abcdef")
    engine = make_engine(url)
    factory = make_session_factory(engine)
    backend = choose_backend(settings)
    if args.reuse and reused.exists():
        with factory() as session:
            indexed, index_seconds = backend.count_docs(session), float("nan")
    else:
        indexed, index_seconds = reindex(factory, backend)
    start = time.perf_counter()
    with factory() as session:
        backend.search(session, SearchQuery.make(limit=1))  # builds the facet cache
    warm_seconds = time.perf_counter() - start
    with factory() as session, live_server(url) as base:
        http = KeepAliveClient(base)
        layers = {
            "sql": lambda params: backend.raw_query_ms(session, to_query(params)),
            "engine": lambda params: _time(lambda: backend.search(session, to_query(params))),
            "api": lambda params: _time(lambda: http.get("/api/search", params)),
        }
        for i in range(30):
            for measure in layers.values():
                measure(mix(i))
        # Interleaved, the first layer rotating per query: the VM's speed drifts by tens of
        # per cent within minutes, and whichever layer runs a query first warms caches.
        samples: dict[str, dict[int, list[float]]] = {name: {k: [] for k in range(5)} for name in layers}
        names_in_turn = list(layers)
        for i in range(args.requests):
            turn = names_in_turn[i % 3:] + names_in_turn[:i % 3]
            for name in turn:
                samples[name][i % 5].append(layers[name](mix(i)))
        empty_api = percentiles([layers["api"]({"limit": 20}) for _ in range(100)])
        empty_engine = percentiles([layers["engine"]({"limit": 20}) for _ in range(100)])
        http.close()
    engine.dispose()
    api_p, engine_p, sql_p = (percentiles([x for per in samples[n].values() for x in per])
                              for n in ("api", "engine", "sql"))
    distinct = len({json.dumps(mix(i), sort_keys=True) for i in range(args.requests)})
    names = ["single word", "Danish compound form", "one typo", "word + two facets", "empty query + two facets"]
    report(f"Search on {args.solutions:,} solutions ({backend.name})", {
        "load average": os.getloadavg().__repr__(),
        "queries": f"{args.requests} per layer, {distinct} distinct (no result cache)",
        "generate": f"{load_seconds:.1f} s",
        "reindex": f"{indexed:,} records in {index_seconds:.1f} s ({indexed / index_seconds:,.0f}/s)",
        "first query (facet cache load)": f"{warm_seconds * 1000:.0f} ms",
        "GET /api/search over HTTP, mix": api_p,
        "raw engine query (SQL statements alone)": sql_p,
        "engine's whole answer in process (SQL + in-memory facets, order, marking)": engine_p,
        "API / raw engine query, p95 | p50 (issue 4: under 1.5x)": _ratios(api_p, sql_p),
        "API / engine's whole answer, p95 | p50": _ratios(api_p, engine_p),
        "web layer per request (empty query, p50: API - engine)": f"{empty_api['p50'] - empty_engine['p50']:.1f} ms",
    })
    report("By kind, p50 ; p95: GET /api/search | engine's whole answer | SQL alone", {
        names[k]: " ; ".join(" | ".join(f"{percentiles(samples[n][k])[q]:.1f}" for n in ("api", "engine", "sql"))
                             for q in ("p50", "p95")) + " ms"
        for k in range(5)})


def _ratios(top: dict[str, float], bottom: dict[str, float]) -> str:
    return f"{top['p95'] / bottom['p95']:.2f}x | {top['p50'] / bottom['p50']:.2f}x"


def _time(fn: object) -> float:
    t = time.perf_counter()
    fn()  # type: ignore[operator]
    return (time.perf_counter() - t) * 1000


if __name__ == "__main__":
    main()
