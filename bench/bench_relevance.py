"""Relevance benchmark (issue 16): the judged queries of tests/search/relevance.tsv on a
freshly seeded demo catalogue, through the real search service, per engine: success@3,
recall@5 and MRR overall and per class, then the worst queries.

    .venv/bin/python -m bench.bench_relevance [--judged PATH] [--worst 20]

- SQLite FTS5 always, on a fresh var/bench/relevance.sqlite3;
- PostgreSQL with BENCH_DATABASE_URL=postgresql://…, in a schema of its own (`relevance`,
  emptied first); the rest of that database is left alone;
- Meilisearch with MEILI_URL (and MEILI_KEY), in an index of its own
  (`blaastempel-relevance`), filled from the SQLite database.
The metrics are defined in bench/relevance.py; the issue's targets are success@3 >= 0.95
and recall@5 >= 0.9 on every engine.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from app.search.backend import SearchBackend
from app.settings import normalise_database_url
from bench.common import BENCH_DIR, prepare_database, report
from bench.relevance import (
    JUDGED,
    RECALL_AT,
    SUCCESS_AT,
    TARGET_RECALL,
    TARGET_SUCCESS,
    Judged,
    Report,
    database_backend,
    describe,
    evaluate,
    indexed,
    load,
    private_schema,
)

MEILI_INDEX = "blaastempel-relevance"


def sqlite_url() -> str:
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    path = BENCH_DIR / "relevance.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return normalise_database_url(f"sqlite:///{path}")


def measure(url: str, backend: SearchBackend, judged: list[Judged]) -> Report:
    with indexed(url, backend) as factory:
        return evaluate(factory, backend, judged)


def engines() -> list[tuple[str, SearchBackend]]:
    """(seeded database URL, engine) for every engine configured."""
    sqlite = sqlite_url()
    prepare_database(sqlite)
    runs = [(sqlite, database_backend(sqlite))]
    postgres = os.environ.get("BENCH_DATABASE_URL", "")
    if postgres.startswith(("postgres://", "postgresql")):
        url = private_schema(normalise_database_url(postgres))
        prepare_database(url)
        runs.append((url, database_backend(url)))
    if os.environ.get("MEILI_URL"):
        from app.search.meili import MeiliBackend

        runs.append((sqlite, MeiliBackend(os.environ["MEILI_URL"], os.environ.get("MEILI_KEY", ""),
                                          index=MEILI_INDEX)))
    return runs


def print_report(result: Report, judged_path: Path, worst: int) -> None:
    overall = result.overall
    met = overall.success >= TARGET_SUCCESS and overall.recall >= TARGET_RECALL
    report(f"Relevance on {result.engine}: {overall.n} judged queries ({judged_path.name})", {
        "overall": str(overall),
        f"issue 16 target (success@{SUCCESS_AT} >= {TARGET_SUCCESS}, recall@{RECALL_AT} >= {TARGET_RECALL})":
            "met" if met else "not met",
        **{f"class {cls}": str(summary) for cls, summary in result.by_class().items()},
        f"no relevant record in the first {SUCCESS_AT}": f"{len(result.failures())} queries",
    })
    print(f"\n## Worst {worst} queries on {result.engine}")
    for scored in result.worst(worst):
        print(f"- {describe(scored)}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--judged", type=Path, default=JUDGED, help="the judged queries (TSV)")
    parser.add_argument("--worst", type=int, default=20, help="how many of the worst queries to list")
    args = parser.parse_args()
    judged = load(args.judged)
    for url, backend in engines():
        print_report(measure(url, backend, judged), args.judged, args.worst)


if __name__ == "__main__":
    main()
