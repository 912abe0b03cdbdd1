"""Issue 2 benchmark: load the synthetic 100,000-solution set, then time the solution
list API and page on it over loopback HTTP.

    .venv/bin/python -m bench.bench_catalogue [--solutions 100000]
"""

from __future__ import annotations

import argparse
import random
import time

import httpx

from app.audit.hook import set_actor
from app.catalogue.enums import Purpose, TargetUsers
from app.catalogue.generate import generate_catalogue
from app.db.engine import make_engine
from app.registry import make_session_factory
from bench.common import bench_database_url, live_server, prepare_database, report, time_calls

AREAS = ["kol", "diabetes", "hjertesvigt", "laenderygsmerter", "psykiatri", "kraeft", "genoptraening"]


def load(url: str, solutions: int) -> float:
    engine = make_engine(url)
    start = time.perf_counter()
    with make_session_factory(engine)() as session, session.begin():
        set_actor(session, None, "bench")
        generate_catalogue(session, solutions=solutions, projects=solutions // 5, needs=solutions // 10)
    elapsed = time.perf_counter() - start
    engine.dispose()
    return elapsed


def filtered_params(i: int) -> dict[str, str | int]:
    rng = random.Random(i)
    params: dict[str, str | int] = {"limit": 25, "offset": rng.choice([0, 25, 50, 100, 500])}
    params["treatment_area"] = rng.choice(AREAS)
    if rng.random() < .6:
        params["purpose"] = rng.choice(list(Purpose)).value
    if rng.random() < .4:
        params["target_users"] = rng.choice(list(TargetUsers)).value
    return params


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--solutions", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    url = bench_database_url("catalogue")
    prepare_database(url)
    load_seconds = load(url, args.solutions)
    with live_server(url) as base, httpx.Client(base_url=base, timeout=30) as http:
        def api(i: int) -> None:
            response = http.get("/api/solutions", params=filtered_params(i))
            response.raise_for_status()

        def api_unfiltered(i: int) -> None:
            http.get("/api/solutions", params={"limit": 25, "offset": (i % 20) * 25}).raise_for_status()

        def page(i: int) -> None:
            http.get("/solutions", params=filtered_params(i)).raise_for_status()

        report(f"Catalogue on {args.solutions:,} solutions", {
            "database": url.split(":")[0],
            "generate (solutions, projects, needs)": f"{args.solutions:,} / {args.solutions // 5:,} / "
                                                     f"{args.solutions // 10:,} in {load_seconds:.1f} s",
            "GET /api/solutions, filtered page": time_calls(api, args.requests),
            "GET /api/solutions, unfiltered page": time_calls(api_unfiltered, args.requests),
        })
        report("HTML", {"GET /solutions (HTML), filtered page": time_calls(page, args.requests // 2)})


if __name__ == "__main__":
    main()
