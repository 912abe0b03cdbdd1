"""Issue 8 and 22 load test: 50 concurrent users (locust) for 2 minutes against the real
server (`blaastempel serve --workers N`, or with --processes 2 two such processes on two
ports on one database, every user sending each request to the next process) on loopback,
mixing search, browsing, answering assessments (API and form), reporting adoption (API and
form) and vendors creating and editing solutions in the form. Reports p50/p95/max per
route and per process, requires zero errors, counts the database afterwards against every
write the server confirmed (nothing lost, nothing duplicated) and, once the search outbox
has drained, looks every write up where it should be found, on every process: each
solution by its newest words in search (and no longer by the words an edit replaced), each
organisation's newest reports in its benchmark. SQLite by default; PostgreSQL with
BENCH_DATABASE_URL.

    .venv/bin/python -m bench.bench_load [--duration 120] [--users 50] [--workers 2] [--processes 1]
    BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:55432/load_bench .venv/bin/python -m bench.bench_load \
        --processes 2

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
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.accounts.services import create_token, create_user, user_by_email
from app.assessment.loader import load_frameworks
from app.assessment.models import Answer, Assessment
from app.audit.hook import set_actor
from app.benchmark.models import AdoptionRecord
from app.catalogue.models import Organisation, Solution, Vendor
from app.db.engine import make_engine
from app.registry import make_session_factory
from app.search.models import search_outbox
from app.settings import PROJECT_ROOT
from bench.common import (
    BENCH_DIR,
    _free_port,
    bench_database_url,
    percentiles,
    prepare_database,
    reset_postgres,
    start_server,
    stop_server,
)

VENV_BIN = Path(sys.executable).parent
FRAMEWORK = ("blaastempel-dk", "1.0")
ACCOUNTS = 25  # load assessors and load org_reporters (one municipality each) using the API
FORM_ACCOUNTS = 10  # assessors, org_reporters (one more municipality each) and vendors using the forms
PASSWORD = "load-test-password"
DOMAIN = "load.blaastempel.dk"
PROCESS_NAMES = "ABCDEFGH"
SEARCH_WORDS = ["genoptræning", "kol", "diabetes", "hjertesvigt", "telemedicin", "app", "videokonsultation",
                "rygsmerter", "psykiatri", "selvhjælp", "monitorering", "borger", "genoptraening", "hjemme",
                "digital", "sår", "demens", "medicin", "søvn", "kræft"]


def setup(url: str, extra_solutions: int) -> dict[str, Any]:
    """Fresh database: migrations, reference + demo data (+ synthetic catalogue), load accounts."""
    if not url.startswith("sqlite"):
        reset_postgres(url)
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
                              "password": PASSWORD, "assessors": [], "reporters": [], "form_assessors": [],
                              "form_reporters": [], "vendors": []}
    with factory() as session, session.begin():
        set_actor(session, None, "bench:load")
        published = select(Solution).where(Solution.published.is_(True)).order_by(Solution.id)
        solutions = session.scalars(published.where(~Solution.slug.like("syn-%"))).all() \
            or session.scalars(published.limit(50)).all()
        config["solution_slugs"] = [s.slug for s in solutions]
        config["solution_names"] = {s.slug: s.name for s in solutions}
        municipalities = session.scalars(select(Organisation).where(Organisation.kind == "municipality")
                                         .order_by(Organisation.code).limit(ACCOUNTS + FORM_ACCOUNTS)).all()
        procurement = user_by_email(session, "indkoeb@demo.blaastempel.dk")
        assert procurement is not None, "seed --demo did not create the procurement user"
        config["procurement_token"] = create_token(session, procurement, "load")
        for i in range(ACCOUNTS):
            user = create_user(session, email=f"assessor{i}@{DOMAIN}", name=f"Load assessor {i}", role="assessor",
                               password=PASSWORD)
            config["assessors"].append({"email": user.email, "token": create_token(session, user, "load")})
        for i, org in enumerate(municipalities):
            ref = f"{org.kind}:{org.code}"
            user = create_user(session, email=f"reporter{i}@{DOMAIN}", name=f"Load reporter {i}",
                               role="org_reporter", password=PASSWORD, organisation_ref=ref)
            account = {"email": user.email, "organisation": ref, "token": create_token(session, user, "load")}
            config["reporters" if i < ACCOUNTS else "form_reporters"].append(account)
        _form_accounts(session, config)
    config["reporter_orgs"] = [r["organisation"] for r in config["reporters"] + config["form_reporters"]]
    engine.dispose()
    return config


def _form_accounts(session: Session, config: dict[str, Any]) -> None:
    """Assessors who use the form, and vendors (each its own vendor) who create and edit a
    solution in the form: they log in with the password."""
    for i in range(FORM_ACCOUNTS):
        user = create_user(session, email=f"formassessor{i}@{DOMAIN}", name=f"Load form assessor {i}",
                           role="assessor", password=PASSWORD)
        config["form_assessors"].append({"email": user.email})
        vendor = Vendor(name=f"Lasttest leverandør {i}", country="DK")
        session.add(vendor)
        user = create_user(session, email=f"vendor{i}@{DOMAIN}", name=f"Load vendor {i}", role="vendor",
                           password=PASSWORD, vendor_name=vendor.name)
        config["vendors"].append({"email": user.email})


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
        confirmed = [tuple(k[:3]) for k in writes["adoption"]]
        if len(set(db_keys)) != len(db_keys):
            problems.append("adoption: duplicated rows in the database")
        if len(set(confirmed)) != len(confirmed):
            problems.append("adoption: the same report was confirmed twice")
        if set(db_keys) != set(confirmed):
            problems.append(f"adoption: {len(set(db_keys) - set(confirmed))} in the database not confirmed, "
                            f"{len(set(confirmed) - set(db_keys))} confirmed but missing")
        problems += _check_solutions(session, writes["solutions"])
        total_answers = session.scalar(select(func.count()).select_from(Answer)
                                       .where(Answer.assessment_id.in_(started or {-1})))
    engine.dispose()
    return {"ok": not problems, "problems": problems, "assessments": len(started), "answer_rows": total_answers,
            "answer_saves": saves, "adoption_rows": len(db_keys), "adoption_reports": len(confirmed),
            "solutions": len(writes["solutions"]),
            "solution_saves": sum(e["saves"] for e in writes["solutions"].values()),
            "failed_writes_client_side": writes.get("failed_writes", 0)}


def _check_solutions(session: Session, written: dict[str, Any]) -> list[str]:
    """The load vendors' solutions: exactly the confirmed ones, published, each with its
    last confirmed description and one version per confirmed save."""
    rows = {s.slug: s for s in session.scalars(select(Solution).join(Vendor, Solution.vendor_id == Vendor.id)
                                               .where(Vendor.name.like("Lasttest leverandør %")))}
    problems = []
    if set(rows) != set(written):
        problems.append(f"solutions: {len(set(rows) - set(written))} in the database not confirmed, "
                        f"{len(set(written) - set(rows))} confirmed but missing")
    differ = [slug for slug, e in written.items() if slug in rows and
              (not rows[slug].published or e["marker"] not in rows[slug].short_description_da
               or rows[slug].version != e["saves"])]
    if differ:
        row, e = rows[differ[0]], written[differ[0]]
        problems.append(f"solutions: {len(differ)} differ from the last confirmed save, e.g. {row.slug}: version "
                        f"{row.version} vs {e['saves']} saves, {row.short_description_da!r} vs {e['marker']!r}")
    return problems


def wait_for_outbox(url: str, timeout: float = 120) -> float | None:
    """Seconds until the search outbox was empty (the server processes drain it), or None."""
    engine = make_engine(url)
    started = time.perf_counter()
    try:
        with engine.connect() as conn:
            while time.perf_counter() - started < timeout:
                left = conn.execute(select(func.count()).select_from(search_outbox)).scalar()
                conn.rollback()  # the next look sees newer commits
                if not left:
                    return time.perf_counter() - started
                time.sleep(0.2)
    finally:
        engine.dispose()
    return None


def expected_benchmark(url: str, adoption: list[list[str]]) -> dict[str, dict[str, tuple[str, str]]]:
    """Per organisation, {solution: (effective_from, status)} of the pairs the load reported
    whose newest record in the database is one of the load's: what its benchmark shows now."""
    engine = make_engine(url)
    reported = {(org, slug) for org, slug, *_rest in adoption}
    expected: dict[str, dict[str, tuple[str, str]]] = {}
    with make_session_factory(engine)() as session:
        newest: dict[tuple[str, str], tuple[Any, str, str]] = {}
        rows = session.execute(select(Organisation.kind, Organisation.code, Solution.slug,
                                      AdoptionRecord.effective_from, AdoptionRecord.status, User.email)
                               .join(Organisation, AdoptionRecord.organisation_id == Organisation.id)
                               .join(Solution, AdoptionRecord.solution_id == Solution.id)
                               .outerjoin(User, AdoptionRecord.reported_by_id == User.id))
        for kind, code, slug, effective, status, email in rows:
            key = (f"{kind}:{code}", slug)
            if key in reported and (key not in newest or effective > newest[key][0]):
                newest[key] = (effective, status, email or "")
    engine.dispose()
    for (org, slug), (effective, status, email) in newest.items():
        if email.endswith(f"@{DOMAIN}"):
            expected.setdefault(org, {})[slug] = (effective.isoformat(), status)
    return expected


def check_findable(bases: list[str], writes: dict[str, Any], benchmark: dict[str, dict[str, tuple[str, str]]],
                   token: str) -> dict[str, Any]:
    """On every process: each solution is found by its name's and its newest description's
    word and no longer by the words its edits replaced; each organisation's benchmark shows
    its newest reports."""
    problems: list[str] = []
    lookups = 0
    with httpx.Client(timeout=60, headers={"Authorization": f"Bearer {token}"}) as http:
        for process, base in zip(PROCESS_NAMES, bases, strict=False):
            for slug, entry in writes["solutions"].items():
                words = [(entry["name"], True), (entry["marker"], True), *((old, False) for old in entry["old"])]
                for word, wanted in words:
                    answer = http.get(f"{base}/api/search", params={"q": word, "type": "solution", "limit": 100})
                    lookups += 1
                    found = slug in {hit["slug"] for hit in answer.json()["hits"]}
                    if found != wanted:
                        verb = "misses" if wanted else "still finds"
                        problems.append(f"process {process}: search for {word!r} {verb} {slug}")
            for org, solutions in benchmark.items():
                view = http.get(f"{base}/api/benchmark/organisations/{org}").json()
                lookups += 1
                shown = {s["slug"]: (s["effective_from"], s["status"]) for s in view["solutions"]}
                problems += [f"process {process}: the benchmark of {org} shows {shown.get(slug)} for {slug}, "
                             f"not the newest report {newest}"
                             for slug, newest in solutions.items() if shown.get(slug) != newest]
    return {"ok": not problems, "problems": problems, "lookups": lookups,
            "benchmark_rows": sum(len(s) for s in benchmark.values())}


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def print_table(title: str, stats: list[dict[str, Any]], processes: dict[str, Any]) -> None:
    print(f"\n## {title}\n")
    print(f"| {'route':<48} | {'requests':>8} | {'failures':>8} | {'p50 ms':>7} | {'p95 ms':>7} | {'max ms':>7} |")
    print(f"|{'-' * 50}|{'-' * 10}:|{'-' * 10}:|{'-' * 9}:|{'-' * 9}:|{'-' * 9}:|")
    for row in stats:
        label = f"{row['method']} {row['name']}".strip() if row["name"] != "Aggregated" else "**all routes**"
        print(f"| {label:<48} | {row['requests']:>8} | {row['failures']:>8} | {row['p50_ms']:>7.0f} | "
              f"{row['p95_ms']:>7.0f} | {row['max_ms']:>7.0f} |")
    for name, process in sorted(processes.items()):
        p = percentiles(process["ms"] or [0.0])
        print(f"| {'process ' + name:<48} | {p['n']:>8} | {process['failures']:>8} | {p['p50']:>7.0f} | "
              f"{p['p95']:>7.0f} | {p['max']:>7.0f} |")


def start_servers(url: str, processes: int, workers: int, out: str) -> list[tuple[str, subprocess.Popen[bytes]]]:
    """`processes` servers on their own ports, one database, one secret key (start_server's)."""
    servers: list[tuple[str, subprocess.Popen[bytes]]] = []
    try:
        for name in PROCESS_NAMES[:processes]:
            port = _free_port()
            servers.append((f"http://127.0.0.1:{port}",
                            start_server(url, port, Path(f"{out}.server-{name}.log"), workers=workers)))
    except BaseException:
        for _base, server in servers:
            stop_server(server)
        raise
    return servers


def server_errors(out: str, processes: int) -> list[str]:
    return [line for name in PROCESS_NAMES[:processes]
            for line in Path(f"{out}.server-{name}.log").read_text(errors="replace").splitlines()
            if "Traceback" in line or " 500 " in line or "database is locked" in line]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=int, default=120, help="seconds (default 120)")
    parser.add_argument("--users", type=int, default=50, help="concurrent users (default 50)")
    parser.add_argument("--spawn-rate", type=float, default=2,
                        help="users started per second (default 2: the logins, argon2 each, spread over 25 s)")
    parser.add_argument("--processes", type=int, default=1, choices=range(1, len(PROCESS_NAMES) + 1),
                        help="`blaastempel serve` processes on their own ports, one database (default 1)")
    parser.add_argument("--workers", type=int, default=None,
                        help="worker processes of each server (default 2 with one server, else 1)")
    parser.add_argument("--solutions", type=int, default=2000,
                        help="synthetic solutions added to the demo catalogue (default 2000; 0 = demo only)")
    args = parser.parse_args()
    workers = args.workers or (2 if args.processes == 1 else 1)

    url = bench_database_url("load")
    database = "sqlite" if url.startswith("sqlite") else "postgresql"
    out = str(BENCH_DIR / f"load-{database}{'' if args.processes == 1 else f'-{args.processes}proc'}")
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    config = setup(url, args.solutions)
    print(f"prepared {database} in {time.perf_counter() - started:.1f} s "
          f"({len(config['solution_slugs'])} demo solutions, +{args.solutions:,} synthetic)", flush=True)
    config_path, writes_path = Path(f"{out}.config.json"), Path(f"{out}.writes.json")
    writes_path.unlink(missing_ok=True)

    load_before = uptime()
    servers = start_servers(url, args.processes, workers, out)
    bases = [base for base, _server in servers]
    config["bases"] = bases
    config_path.write_text(json.dumps(config))
    try:
        print(f"{args.processes} server process(es) ({workers} workers each) on {', '.join(bases)}; locust for "
              f"{args.duration} s with {args.users} users", flush=True)
        for base in bases:
            warm_up(base, config, workers)
        locust_rc = run_locust(bases[0], args.users, args.spawn_rate, args.duration, config_path, writes_path,
                               Path(out))
        load_after = uptime()
        record = json.loads(writes_path.read_text()) if writes_path.exists() else None
        drained = wait_for_outbox(url)
        findable = check_findable(bases, record["writes"], expected_benchmark(url, record["writes"]["adoption"]),
                                  config["procurement_token"]) if record and drained is not None else None
    finally:
        for _base, server in servers:
            stop_server(server)
        config_path.unlink(missing_ok=True)  # it holds bearer tokens

    if record is None:
        raise SystemExit(f"locust (exit code {locust_rc}) wrote no record to {writes_path}")
    report_run(args, url, out, workers, record, drained, findable, (load_before, load_after), locust_rc)


def report_run(args: argparse.Namespace, url: str, out: str, workers: int, record: dict[str, Any],
               drained: float | None, findable: dict[str, Any] | None, load: tuple[str, str],
               locust_rc: int) -> None:
    database = "sqlite" if url.startswith("sqlite") else "postgresql"
    stats = route_stats(record)
    failures = read_failures(Path(out))
    check = check_writes(url, record["writes"])
    total = stats[-1]
    errors_in_log = server_errors(out, args.processes)

    print_table(f"Load test on {database}: {args.users} users, {args.duration} s, {args.processes} server "
                f"process(es) x {workers} workers", stats, record.get("processes", {}))
    print(f"\ntotal: {total['requests']:,} requests, {total['rps']:.1f} requests/s, {total['failures']} errors")
    print(f"load before: {load[0]}\nload after:  {load[1]}")
    for f in failures[:20]:
        print(f"  failure: {f.get('Method')} {f.get('Name')}: {f.get('Error')} ({f.get('Occurrences')}x)")
    if errors_in_log:
        print(f"server logs: {len(errors_in_log)} error lines, e.g. {errors_in_log[0][:200]}")
    print(f"write check: {'OK' if check['ok'] else 'FAILED'}: {check['assessments']} assessments, "
          f"{check['answer_saves']} answer saves on {check['answer_rows']} answers, "
          f"{check['adoption_reports']} adoption reports = {check['adoption_rows']} rows, "
          f"{check['solutions']} solutions with {check['solution_saves']} saves")
    for problem in check["problems"]:
        print(f"  {problem}")
    print("search outbox: " + (f"empty after {drained:.1f} s" if drained is not None else "NOT drained in 120 s"))
    if findable is not None:
        print(f"findable check: {'OK' if findable['ok'] else 'FAILED'}: {findable['lookups']} look-ups on "
              f"{args.processes} process(es) (search words of {check['solutions']} solutions, "
              f"{findable['benchmark_rows']} newest reports in the benchmarks)")
        for problem in findable["problems"][:20]:
            print(f"  {problem}")

    result = {"database": database, "users": args.users, "duration_s": args.duration, "processes": args.processes,
              "workers": workers, "synthetic_solutions": args.solutions, "routes": stats,
              "total_requests": total["requests"], "requests_per_s": total["rps"], "errors": total["failures"],
              "failures": failures, "server_error_lines": len(errors_in_log), "write_check": check,
              "outbox_drained_s": drained, "findable_check": findable, "load_before": load[0],
              "load_after": load[1], "locust_exit_code": locust_rc}
    Path(f"{out}.json").write_text(json.dumps(result, indent=2))
    print(f"\nresults in {out}.json")
    if total["failures"] or not check["ok"] or errors_in_log or not total["requests"] or not (findable or {}).get("ok"):
        sys.exit(1)


if __name__ == "__main__":
    main()
