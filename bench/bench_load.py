"""Issue 8 load test: 50 concurrent users (locust) for 2 minutes against the real server
(`blaastempel serve --workers N`) on loopback, mixing search, browsing, answering
assessments and reporting adoption. Reports p50/p95/max per route, requires zero errors,
and counts the database afterwards against every write the server confirmed (nothing
lost, nothing duplicated). SQLite by default; PostgreSQL with BENCH_DATABASE_URL.

    .venv/bin/python -m bench.bench_load [--duration 120] [--users 50] [--workers 2]
    BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:55432/load_bench .venv/bin/python -m bench.bench_load

Not part of `make bench` (bench/run_all.py): it runs for minutes. Results (JSON, locust
CSV and the server log) are written to var/bench/load-<database>.*.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select, text

from app.accounts.models import User
from app.accounts.services import create_token, create_user, user_by_email
from app.assessment.loader import load_frameworks
from app.assessment.models import Answer, Assessment
from app.audit.hook import set_actor
from app.benchmark.models import AdoptionRecord
from app.catalogue.models import Organisation, Solution
from app.db.engine import make_engine
from app.registry import make_session_factory
from app.settings import PROJECT_ROOT
from bench.common import (
    BENCH_DIR,
    _free_port,
    bench_database_url,
    percentiles,
    prepare_database,
    start_server,
    stop_server,
)

VENV_BIN = Path(sys.executable).parent
FRAMEWORK = ("blaastempel-dk", "1.0")
ACCOUNTS = 25  # load assessors and load org_reporters (one municipality each)
DOMAIN = "load.blaastempel.dk"
SEARCH_WORDS = ["genoptræning", "kol", "diabetes", "hjertesvigt", "telemedicin", "app", "videokonsultation",
                "rygsmerter", "psykiatri", "selvhjælp", "monitorering", "borger", "genoptraening", "hjemme",
                "digital", "sår", "demens", "medicin", "søvn", "kræft"]


def _reset_postgres(url: str) -> None:
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def setup(url: str, extra_solutions: int) -> dict[str, Any]:
    """Fresh database: migrations, reference + demo data (+ synthetic catalogue), load accounts."""
    if not url.startswith("sqlite"):
        _reset_postgres(url)
    prepare_database(url)
    engine = make_engine(url)
    factory = make_session_factory(engine)
    if extra_solutions:
        from app.catalogue.generate import generate_catalogue
        from app.search.reindex import reindex
        from app.search.services import make_backend
        from app.settings import Settings

        with factory() as session, session.begin():
            set_actor(session, None, "bench:load")
            generate_catalogue(session, solutions=extra_solutions, projects=extra_solutions // 5,
                               needs=extra_solutions // 10)
        reindex(factory, make_backend(Settings(database_url=url)))
    fw = load_frameworks(PROJECT_ROOT / "frameworks").get(*FRAMEWORK)
    tier = fw.classify({}) if fw.classification else (fw.tiers[0] if fw.tiers else None)
    criteria = [[c.code, c.answer_type] for c in fw.applicable_criteria(tier)
                if c.answer_type in ("text", "yes_no")]
    config: dict[str, Any] = {"framework": list(FRAMEWORK), "criteria": criteria, "search_words": SEARCH_WORDS,
                              "assessors": [], "reporters": []}
    with factory() as session, session.begin():
        set_actor(session, None, "bench:load")
        published = select(Solution.slug).where(Solution.published.is_(True)).order_by(Solution.id)
        demo = session.scalars(published.where(~Solution.slug.like("syn-%"))).all()
        config["solution_slugs"] = list(demo) or list(session.scalars(published.limit(50)))
        municipalities = session.scalars(select(Organisation).where(Organisation.kind == "municipality")
                                         .order_by(Organisation.code).limit(ACCOUNTS)).all()
        procurement = user_by_email(session, "indkoeb@demo.blaastempel.dk")
        assert procurement is not None, "seed --demo did not create the procurement user"
        config["procurement_token"] = create_token(session, procurement, "load")
        for i in range(ACCOUNTS):
            user = create_user(session, email=f"assessor{i}@{DOMAIN}", name=f"Load assessor {i}", role="assessor",
                               password="load-test-password")
            config["assessors"].append({"email": user.email, "token": create_token(session, user, "load")})
        for i, org in enumerate(municipalities):
            ref = f"{org.kind}:{org.code}"
            user = create_user(session, email=f"reporter{i}@{DOMAIN}", name=f"Load reporter {i}",
                               role="org_reporter", password="load-test-password", organisation_ref=ref)
            config["reporters"].append({"email": user.email, "organisation": ref,
                                        "token": create_token(session, user, "load")})
    config["reporter_orgs"] = [r["organisation"] for r in config["reporters"]]
    engine.dispose()
    return config


def run_locust(base: str, users: int, spawn_rate: float, duration: int, config_path: Path,
               writes_path: Path, csv_prefix: Path) -> int:
    env = {**os.environ, "LOAD_CONFIG": str(config_path), "LOAD_WRITES": str(writes_path)}
    cmd = [str(VENV_BIN / "locust"), "-f", str(PROJECT_ROOT / "bench" / "locustfile.py"), "--headless",
           "-u", str(users), "-r", str(spawn_rate), "-t", f"{duration}s", "--host", base,
           "--csv", str(csv_prefix), "--stop-timeout", "30", "--only-summary", "--loglevel", "WARNING"]
    result = subprocess.run(cmd, env=env, cwd=PROJECT_ROOT, timeout=duration + 180)
    return result.returncode


def route_stats(record: dict[str, Any]) -> list[dict[str, Any]]:
    """Per route: requests, failures, p50/p95/max (ms), requests/s; the last row sums all."""
    writes = record["writes"]
    seconds = max(1e-9, writes.get("stopped", 0) - writes.get("started", 0))
    rows, everything, failures = [], [], 0
    for key, route in sorted(record["requests"].items(), key=lambda kv: kv[0].split(" ", 1)[1]):
        method, name = key.split(" ", 1)
        p = percentiles(route["ms"])
        rows.append({"method": method, "name": name, "requests": p["n"], "failures": route["failures"],
                     "p50_ms": p["p50"], "p95_ms": p["p95"], "max_ms": p["max"], "rps": p["n"] / seconds,
                     "status": route["status"]})
        everything += route["ms"]
        failures += route["failures"]
    p = percentiles(everything or [0.0])
    rows.append({"method": "", "name": "Aggregated", "requests": len(everything), "failures": failures,
                 "p50_ms": p["p50"], "p95_ms": p["p95"], "max_ms": p["max"], "rps": len(everything) / seconds})
    return rows


def read_failures(csv_prefix: Path) -> list[dict[str, str]]:
    path = Path(f"{csv_prefix}_failures.csv")
    return list(csv.DictReader(path.open())) if path.exists() else []


def warm_up(base: str, config: dict[str, Any], workers: int) -> None:
    """A few reads per worker first, so per-process caches (facet matrix, vocabulary,
    templates) are built as on a server that has been running; not counted."""
    paths = ["/api/search?q=kol", "/search?q=diabetes&type=solution", "/solutions", "/register", "/benchmark",
             "/needs", f"/solutions/{config['solution_slugs'][0]}",
             f"/benchmark/organisations/{config['reporter_orgs'][0]}"]
    with httpx.Client(base_url=base, timeout=60) as http:
        for _ in range(3 * workers):
            for path in paths:
                http.get(path)


def check_writes(url: str, writes: dict[str, Any]) -> dict[str, Any]:
    """Count the database against the confirmed writes: every one there once, nothing else."""
    engine = make_engine(url)
    problems: list[str] = []
    with make_session_factory(engine)() as session:
        load_users = dict(session.execute(select(User.id, User.email).where(User.email.like(f"%@{DOMAIN}"))).all())
        # Assessments: exactly the ones started, each with exactly the answers saved.
        in_db = set(session.scalars(select(Assessment.id).where(Assessment.author_id.in_(load_users))))
        started = set(writes["assessments"])
        if len(started) != len(writes["assessments"]):
            problems.append("the server returned the same assessment id twice")
        if in_db != started:
            problems.append(f"assessments: {len(in_db - started)} in the database not confirmed, "
                            f"{len(started - in_db)} confirmed but missing")
        answers = {(a.assessment_id, a.criterion_code): a for a in session.scalars(
            select(Answer).where(Answer.assessment_id.in_(started or {-1})))}
        expected = {(int(aid), code): entry for aid, codes in writes["answers"].items()
                    for code, entry in codes.items()}
        saves = sum(e["saves"] for e in expected.values())
        if set(answers) != set(expected):
            problems.append(f"answers: {len(set(answers) - set(expected))} unexpected rows, "
                            f"{len(set(expected) - set(answers))} missing")
        lost = [k for k, e in expected.items() if k in answers and
                (answers[k].version != e["saves"] or answers[k].comment != e["comment"])]
        if lost:
            k = lost[0]
            problems.append(f"answers: {len(lost)} differ from the last confirmed save, e.g. {k}: version "
                            f"{answers[k].version} vs {expected[k]['saves']} saves, comment {answers[k].comment!r} "
                            f"vs {expected[k]['comment']!r}")
        # Adoption: one row per confirmed report, keyed on (organisation, solution, effective_from).
        orgs = {o.id: f"{o.kind}:{o.code}" for o in session.scalars(select(Organisation))}
        slugs = dict(session.execute(select(Solution.id, Solution.slug)).all())
        rows = session.execute(select(AdoptionRecord.organisation_id, AdoptionRecord.solution_id,
                                      AdoptionRecord.effective_from)
                               .where(AdoptionRecord.reported_by_id.in_(load_users))).all()
        db_keys = [(orgs[o], slugs[s], d.isoformat()) for o, s, d in rows]
        confirmed = [tuple(k) for k in writes["adoption"]]
        if len(set(db_keys)) != len(db_keys):
            problems.append("adoption: duplicated rows in the database")
        if len(set(confirmed)) != len(confirmed):
            problems.append("adoption: the same report was confirmed twice")
        if set(db_keys) != set(confirmed):
            problems.append(f"adoption: {len(set(db_keys) - set(confirmed))} in the database not confirmed, "
                            f"{len(set(confirmed) - set(db_keys))} confirmed but missing")
        total_answers = session.scalar(select(func.count()).select_from(Answer)
                                       .where(Answer.assessment_id.in_(started or {-1})))
    engine.dispose()
    return {"ok": not problems, "problems": problems, "assessments": len(started), "answer_rows": total_answers,
            "answer_saves": saves, "adoption_rows": len(db_keys), "adoption_reports": len(confirmed),
            "failed_writes_client_side": writes.get("failed_writes", 0)}


def print_table(database: str, stats: list[dict[str, Any]], duration: int, users: int, workers: int) -> None:
    print(f"\n## Load test on {database}: {users} users, {duration} s, {workers} server workers\n")
    print(f"| {'route':<48} | {'requests':>8} | {'failures':>8} | {'p50 ms':>7} | {'p95 ms':>7} | {'max ms':>7} |")
    print(f"|{'-' * 50}|{'-' * 10}:|{'-' * 10}:|{'-' * 9}:|{'-' * 9}:|{'-' * 9}:|")
    for row in stats:
        label = f"{row['method']} {row['name']}".strip() if row["name"] != "Aggregated" else "**all routes**"
        print(f"| {label:<48} | {row['requests']:>8} | {row['failures']:>8} | {row['p50_ms']:>7.0f} | "
              f"{row['p95_ms']:>7.0f} | {row['max_ms']:>7.0f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=int, default=120, help="seconds (default 120)")
    parser.add_argument("--users", type=int, default=50, help="concurrent users (default 50)")
    parser.add_argument("--spawn-rate", type=float, default=10, help="users started per second (default 10)")
    parser.add_argument("--workers", type=int, default=2, help="server worker processes (default 2)")
    parser.add_argument("--solutions", type=int, default=2000,
                        help="synthetic solutions added to the demo catalogue (default 2000; 0 = demo only)")
    args = parser.parse_args()

    url = bench_database_url("load")
    database = "sqlite" if url.startswith("sqlite") else "postgresql"
    out = BENCH_DIR / f"load-{database}"
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    config = setup(url, args.solutions)
    print(f"prepared {database} in {time.perf_counter() - started:.1f} s "
          f"({len(config['solution_slugs'])} demo solutions, +{args.solutions:,} synthetic)", flush=True)
    config_path, writes_path = Path(f"{out}.config.json"), Path(f"{out}.writes.json")
    config_path.write_text(json.dumps(config))
    writes_path.unlink(missing_ok=True)

    port = _free_port()
    server = start_server(url, port, Path(f"{out}.server.log"), workers=args.workers)
    try:
        print(f"server on http://127.0.0.1:{port} ({args.workers} workers); locust for {args.duration} s with "
              f"{args.users} users", flush=True)
        warm_up(f"http://127.0.0.1:{port}", config, args.workers)
        locust_rc = run_locust(f"http://127.0.0.1:{port}", args.users, args.spawn_rate, args.duration,
                               config_path, writes_path, out)
    finally:
        stop_server(server)
    config_path.unlink(missing_ok=True)  # it holds bearer tokens

    if not writes_path.exists():
        raise SystemExit(f"locust (exit code {locust_rc}) wrote no record to {writes_path}")
    record = json.loads(writes_path.read_text())
    stats = route_stats(record)
    failures = read_failures(out)
    check = check_writes(url, record["writes"])
    total = stats[-1]
    server_errors = [line for line in Path(f"{out}.server.log").read_text(errors="replace").splitlines()
                     if "Traceback" in line or " 500 " in line or "database is locked" in line]

    print_table(database, stats, args.duration, args.users, args.workers)
    print(f"\ntotal: {total['requests']:,} requests, {total['rps']:.1f} requests/s, {total['failures']} errors")
    for f in failures[:20]:
        print(f"  failure: {f.get('Method')} {f.get('Name')}: {f.get('Error')} ({f.get('Occurrences')}x)")
    if server_errors:
        print(f"server log: {len(server_errors)} error lines, e.g. {server_errors[0][:200]}")
    print(f"write check: {'OK' if check['ok'] else 'FAILED'}: {check.get('assessments', 0)} assessments, "
          f"{check.get('answer_saves', 0)} answer saves on {check.get('answer_rows', 0)} answers, "
          f"{check.get('adoption_reports', 0)} adoption reports = {check.get('adoption_rows', 0)} rows")
    for problem in check["problems"]:
        print(f"  {problem}")

    result = {"database": database, "users": args.users, "duration_s": args.duration, "workers": args.workers,
              "synthetic_solutions": args.solutions, "routes": stats, "total_requests": total["requests"],
              "requests_per_s": total["rps"], "errors": total["failures"], "failures": failures,
              "server_error_lines": len(server_errors), "write_check": check, "locust_exit_code": locust_rc}
    Path(f"{out}.json").write_text(json.dumps(result, indent=2))
    print(f"\nresults in {out}.json")
    if total["failures"] or not check["ok"] or server_errors or not total["requests"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
