"""Issue 14: bursts against the real server (`blaastempel serve`, one worker) on loopback.

Each burst sends every request at once, each on its own connection, and reports the
answers by status, p50/p99/max latency, the slowest 503 and whether every 503 carried
`Retry-After`; then how long the server took to answer `/health` and a list again
(recovery). The bursts, in order:
- 60 x `GET /api/solutions?limit=200`;
- 80 x `GET /health`;
- 200 mixed reads (API lists, search, pages, register, one solution, /health);
- 20 writers `PUT` the same solution with the same version (one should win, the rest 409).

    .venv/bin/python -m bench.bench_burst [--solutions 2000] [--timeout 60]
    BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:55432/burst_bench .venv/bin/python -m bench.bench_burst

A fresh database as bench_load makes it (PostgreSQL: its `public` schema is dropped).
Each burst meets a freshly started server (warmed up with one of each read), so one
burst's aftermath does not spill into the next. Every request is bounded by --timeout,
so a stalled server still gives figures. Server logs: var/bench/burst-<database>-N.server.log.
"""

from __future__ import annotations

import argparse
import asyncio
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select, text

from app.accounts.services import create_token, principal_of, user_by_email
from app.audit.hook import set_actor
from app.catalogue.models import Solution, Vendor
from app.catalogue.schemas import SolutionIn
from app.catalogue.services import create_solution
from app.db.engine import make_engine
from app.registry import make_session_factory
from bench.common import BENCH_DIR, _free_port, bench_database_url, prepare_database, start_server, stop_server

MIXED_READS = ["/api/solutions?limit=200", "/health", "/api/search?q=genoptræning", "/solutions", "/register",
               "/api/register", "/api/needs?limit=50", "/api/solutions/{slug}", "/needs",
               "/api/search?q=diabetes&type=solution"]


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    json: dict[str, Any] | None = None
    headers: dict[str, str] | None = None


@dataclass(frozen=True)
class Outcome:
    call: Call
    status: int | None  # None: no answer (the client's error is in `error`)
    error: str | None
    seconds: float
    retry_after: str | None
    detail: str | None = None  # a JSON error's detail


async def _send(client: httpx.AsyncClient, call: Call) -> Outcome:
    started = time.perf_counter()
    try:
        response = await client.request(call.method, call.path, json=call.json, headers=call.headers)
    except httpx.HTTPError as exc:
        return Outcome(call, None, type(exc).__name__, time.perf_counter() - started, None)
    seconds = time.perf_counter() - started
    detail = None
    if response.status_code >= 400 and response.headers.get("content-type", "").startswith("application/json"):
        detail = response.json().get("detail")
    return Outcome(call, response.status_code, None, seconds, response.headers.get("retry-after"), detail)


async def _burst(base: str, calls: list[Call], timeout: float) -> list[Outcome]:
    limits = httpx.Limits(max_connections=len(calls), max_keepalive_connections=0)
    async with httpx.AsyncClient(base_url=base, timeout=timeout, limits=limits) as client:
        return list(await asyncio.gather(*(_send(client, call) for call in calls)))


def burst(base: str, calls: list[Call], timeout: float) -> list[Outcome]:
    """Send every call at once, each on its own connection; every answer within `timeout`.

    The event loop runs on a thread of its own, as the calling thread may already run one
    (Playwright's sync API does, in the test session)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, _burst(base, calls, timeout)).result()


def _quantile(ordered: list[float], q: float) -> float:
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def summarise(outcomes: list[Outcome]) -> dict[str, Any]:
    """Answers by status (or client error), latency p50/p99/max, the slowest 503 and the
    503s without Retry-After."""
    seconds = sorted(o.seconds for o in outcomes)
    unavailable = [o for o in outcomes if o.status == 503]
    return {
        "n": len(outcomes),
        "statuses": dict(sorted(Counter(str(o.status or o.error) for o in outcomes).items())),
        "p50": _quantile(seconds, 0.50), "p99": _quantile(seconds, 0.99), "max": seconds[-1],
        "slowest_503": max((o.seconds for o in unavailable), default=None),
        "503_without_retry_after": sum(1 for o in unavailable if not o.retry_after),
    }


def describe(name: str, summary: dict[str, Any], wall: float) -> str:
    slowest = summary["slowest_503"]
    return (f"{name}: {summary['n']} requests in {wall:.1f} s; {summary['statuses']}; p50 {summary['p50']:.2f} s, "
            f"p99 {summary['p99']:.2f} s, max {summary['max']:.2f} s; slowest 503 "
            f"{'-' if slowest is None else f'{slowest:.2f} s'}, without Retry-After "
            f"{summary['503_without_retry_after']}")


def describe_recovery(recovery: float | None, limit: float) -> str:
    return f"recovered after {recovery:.2f} s" if recovery is not None else f"NOT recovered within {limit:.0f} s"


def recovery_seconds(base: str, limit: float) -> float | None:
    """Seconds until /health and a short list both answer 200 (each asked with a 1 s
    timeout); None if that did not happen within `limit`."""
    started = time.monotonic()
    while time.monotonic() - started < limit:
        try:
            with httpx.Client(base_url=base, timeout=1) as http:
                if all(http.get(path).status_code == 200 for path in ("/health", "/api/solutions?limit=5")):
                    return time.monotonic() - started
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    return None


def solution_body(name: str, vendor_id: int, version: int | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": name, "vendor_id": vendor_id, "purpose": "treatment", "target_users": "citizen",
        "origin": "private", "country": "DK", "regulatory_class": "none",
        "short_description_da": f"{name} under pres", "description_da": "Skrevet af mange på én gang"}
    return body if version is None else body | {"version": version}


def new_solution(base: str, token: str, vendor_id: int) -> dict[str, Any]:
    """A new solution made through the API: its id, name and version."""
    body = solution_body(f"Burst {uuid.uuid4().hex[:8]}", vendor_id)
    created = httpx.post(f"{base}/api/solutions", json=body, headers={"Authorization": f"Bearer {token}"},
                         timeout=30)
    if created.status_code != 201:
        raise RuntimeError(f"creating a solution answered {created.status_code}: {created.text[:300]}")
    return created.json()


def writers(token: str, solution: dict[str, Any], vendor_id: int, count: int) -> list[Call]:
    """`count` PUTs of one solution, all with the version it has now, each with its own name."""
    headers = {"Authorization": f"Bearer {token}"}
    return [Call("PUT", f"/api/solutions/{solution['id']}",
                 solution_body(f"{solution['name']} {i}", vendor_id, solution["version"]), headers)
            for i in range(count)]


def mixed_reads(count: int, slug: str) -> list[Call]:
    return [Call("GET", MIXED_READS[i % len(MIXED_READS)].format(slug=slug)) for i in range(count)]


def _setup(url: str, solutions: int) -> tuple[str, int, str, dict[str, Any]]:
    """Fresh database with reference, demo and `solutions` synthetic solutions; returns an
    admin's token, a vendor id, a published solution's slug and the solution the writers
    share (made before the synthetic rows, which are inserted with their own ids)."""
    if not url.startswith("sqlite"):
        engine = make_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    prepare_database(url)
    engine = make_engine(url)
    factory = make_session_factory(engine)
    with factory() as session, session.begin():
        set_actor(session, None, "bench:burst")
        admin = user_by_email(session, "admin@demo.blaastempel.dk")
        assert admin is not None, "seed --demo did not create the admin"
        token = create_token(session, admin, "burst")
        vendor_id = session.scalars(select(Vendor.id).order_by(Vendor.id)).first()
        assert vendor_id is not None
        shared = create_solution(session, principal_of(admin),
                                 SolutionIn(**solution_body(f"Burst {uuid.uuid4().hex[:8]}", vendor_id)))
        target = {"id": shared.id, "name": shared.name, "version": shared.version}
        slug = session.scalars(select(Solution.slug).where(Solution.published.is_(True)).order_by(Solution.id)).first()
        assert slug is not None
    if solutions:
        from app.catalogue.generate import generate_catalogue
        from app.search.reindex import reindex
        from app.search.services import make_backend
        from app.settings import Settings

        with factory() as session, session.begin():
            set_actor(session, None, "bench:burst")
            generate_catalogue(session, solutions=solutions, projects=solutions // 5, needs=solutions // 10)
        reindex(factory, make_backend(Settings(database_url=url)))
    engine.dispose()
    return token, vendor_id, slug, target


@contextmanager
def _server(url: str, log_path: Path) -> Iterator[str]:
    port = _free_port()
    server = start_server(url, port, log_path)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        stop_server(server, grace=10)


def _warm_up(base: str, slug: str) -> None:
    """Per-process caches and templates, as on a server that has been running: not counted."""
    with httpx.Client(base_url=base, timeout=60) as http:
        for path in MIXED_READS:
            http.get(path.format(slug=slug))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--solutions", type=int, default=2000, help="synthetic solutions (default 2000)")
    parser.add_argument("--timeout", type=float, default=60, help="seconds a client waits for an answer (default 60)")
    parser.add_argument("--only", choices=["lists", "health", "mixed", "writers"], action="append",
                        help="run only this burst (repeatable; default all)")
    parser.add_argument("--recovery-limit", type=float, default=30,
                        help="seconds to wait for the server to answer again after a burst (default 30)")
    args = parser.parse_args()

    url = bench_database_url("burst")
    database = "sqlite" if url.startswith("sqlite") else "postgresql"
    started = time.perf_counter()
    token, vendor_id, slug, shared = _setup(url, args.solutions)
    print(f"prepared {database} in {time.perf_counter() - started:.1f} s (+{args.solutions:,} synthetic solutions)",
          flush=True)
    every: dict[str, tuple[str, Callable[[], list[Call]]]] = {
        "lists": ("60 x GET /api/solutions?limit=200", lambda: [Call("GET", "/api/solutions?limit=200")] * 60),
        "health": ("80 x GET /health", lambda: [Call("GET", "/health")] * 80),
        "mixed": ("200 mixed reads", lambda: mixed_reads(200, slug)),
        "writers": ("20 writers on one solution", lambda: writers(token, shared, vendor_id, 20))}
    bursts = [every[key] for key in every if not args.only or key in args.only]
    print(f"\n## Bursts on {database} (each on a freshly started server process, one worker)\n")
    for number, (name, make_calls) in enumerate(bursts, 1):
        with _server(url, BENCH_DIR / f"burst-{database}-{number}.server.log") as base:
            _warm_up(base, slug)
            calls = make_calls()
            began = time.perf_counter()
            outcomes = burst(base, calls, args.timeout)
            wall = time.perf_counter() - began
            recovery = recovery_seconds(base, args.recovery_limit)
        print(f"- {describe(name, summarise(outcomes), wall)}; {describe_recovery(recovery, args.recovery_limit)}",
              flush=True)
    print(f"\nserver logs: {BENCH_DIR}/burst-{database}-N.server.log")


if __name__ == "__main__":
    main()
