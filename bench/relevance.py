"""The relevance harness (issue 16): judged queries over the demo catalogue, run through
the real search service on a freshly seeded demo database, scored per engine.

The judged set (tests/search/relevance.tsv, described in its header) holds one query a
line: the query, its class and the records a buyer looking for it would want. Scores,
per query, then averaged overall and per class:
- success@3: a relevant record is among the first 3 hits;
- recall@5: the relevant records among the first 5 hits, out of the relevant records but
  at most 5 (a query with eight relevant records scores 1 when its first five hits are
  relevant);
- MRR: 1 / the rank of the first relevant hit on the first page (20 hits), else 0.
tests/search/test_relevance.py asserts floors on them; bench/bench_relevance.py prints them.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from app.catalogue.models import Need, Project, Solution
from app.catalogue.services import PUBLIC, solution_visible
from app.db.engine import make_engine
from app.registry import make_session_factory
from app.search.backend import Hit, SearchBackend, SearchQuery
from app.search.fts5 import Fts5Backend
from app.search.postgres import PostgresBackend
from app.search.reindex import reindex
from app.search.services import run_search
from app.settings import PROJECT_ROOT

JUDGED = PROJECT_ROOT / "tests" / "search" / "relevance.tsv"
HEADER = ("query", "class", "relevant")
SUCCESS_AT, RECALL_AT, DEPTH = 3, 5, 20
TARGET_SUCCESS, TARGET_RECALL = 0.95, 0.9  # issue 16, on every engine
PG_SCHEMA = "relevance"  # on PostgreSQL the demo database is a schema of its own
_KEY = re.compile(r"(?:(?:project|need):)?[a-z0-9]+(?:-[a-z0-9]+)*")


class JudgementError(ValueError):
    """A malformed judged set, or a judgement naming a record the catalogue does not show."""


@dataclass(frozen=True)
class Judged:
    line: int
    query: str
    cls: str
    relevant: frozenset[str]  # "slug" (a solution), "project:slug", "need:slug"
    source: Path = JUDGED


def load(path: Path = JUDGED) -> list[Judged]:
    """The judged queries; blank lines and lines starting with # are skipped, the first
    other line is the header. A malformed line is an error naming it."""
    judged: list[Judged] = []
    header_seen = False
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not raw.strip() or raw.startswith("#"):
            continue
        fields = [f.strip() for f in raw.split("\t")]
        if not header_seen:
            if tuple(fields) != HEADER:
                raise JudgementError(f"{path}:{number}: the header must be {' TAB '.join(HEADER)}, not {raw!r}")
            header_seen = True
            continue
        judged.append(_judged(path, number, fields))
    if not judged:
        raise JudgementError(f"{path}: no judged queries")
    return judged


def _judged(path: Path, number: int, fields: list[str]) -> Judged:
    def fail(why: str) -> JudgementError:
        return JudgementError(f"{path}:{number}: {why}")

    if len(fields) != len(HEADER):
        raise fail(f"{len(fields)} tab-separated fields, expected {len(HEADER)} ({', '.join(HEADER)})")
    query, cls, relevant = fields
    keys = [k.strip() for k in relevant.split(",") if k.strip()]
    if not query:
        raise fail("empty query")
    if not re.fullmatch(r"[a-z_]+", cls):
        raise fail(f"class {cls!r} is not a lower-case word")
    if not keys:
        raise fail("no relevant records")
    if bad := [k for k in keys if not _KEY.fullmatch(k)]:
        raise fail(f"not a record key: {', '.join(bad)} (a solution slug, project:slug or need:slug)")
    return Judged(number, query, cls, frozenset(keys), path)


# ---- scoring -----------------------------------------------------------------------------


def hit_key(hit: Hit) -> str:
    return hit.slug if hit.type == "solution" else f"{hit.type}:{hit.slug}"


@dataclass(frozen=True)
class Scored:
    judged: Judged
    ranked: tuple[str, ...]  # the keys of the first DEPTH hits

    @property
    def success(self) -> float:
        return float(any(k in self.judged.relevant for k in self.ranked[:SUCCESS_AT]))

    @property
    def recall(self) -> float:
        found = sum(k in self.judged.relevant for k in self.ranked[:RECALL_AT])
        return found / min(len(self.judged.relevant), RECALL_AT)

    @property
    def reciprocal_rank(self) -> float:
        return next((1 / rank for rank, k in enumerate(self.ranked, start=1) if k in self.judged.relevant), 0.0)


@dataclass(frozen=True)
class Summary:
    n: int
    success: float
    recall: float
    mrr: float

    @classmethod
    def of(cls, scored: list[Scored]) -> Summary:
        n = len(scored)
        return cls(n, sum(s.success for s in scored) / n, sum(s.recall for s in scored) / n,
                   sum(s.reciprocal_rank for s in scored) / n)

    def __str__(self) -> str:
        return (f"success@{SUCCESS_AT} {self.success:.3f}, recall@{RECALL_AT} {self.recall:.3f}, "
                f"MRR {self.mrr:.3f} (n={self.n})")


@dataclass
class Report:
    engine: str
    scored: list[Scored]

    @property
    def overall(self) -> Summary:
        return Summary.of(self.scored)

    def by_class(self) -> dict[str, Summary]:
        groups: dict[str, list[Scored]] = defaultdict(list)
        for s in self.scored:
            groups[s.judged.cls].append(s)
        return {cls: Summary.of(group) for cls, group in sorted(groups.items())}

    def failures(self) -> list[Scored]:
        """Queries with no relevant record in the first 3 hits, by class then by line."""
        return sorted((s for s in self.scored if not s.success), key=lambda s: (s.judged.cls, s.judged.line))

    def worst(self, n: int) -> list[Scored]:
        """The n lowest by (success, recall, reciprocal rank), ties by line."""
        return sorted(self.scored, key=lambda s: (s.success, s.recall, s.reciprocal_rank, s.judged.line))[:n]


def describe(scored: Scored) -> str:
    """One line for a report: the query, its class, where its relevant records came and
    what came first instead."""
    j = scored.judged
    ranks = [f"{k}@{i}" for i, k in enumerate(scored.ranked, start=1) if k in j.relevant]
    first = ", ".join(scored.ranked[:SUCCESS_AT]) or "no hits"
    return (f"[{j.cls}] {j.query!r} (line {j.line}): relevant at {', '.join(ranks) or 'none in the first page'}; "
            f"first: {first}")


# ---- running -----------------------------------------------------------------------------


def catalogue_keys(session: Session) -> set[str]:
    """The keys of every record the search index holds (published solutions, projects, needs)."""
    keys = set(session.scalars(select(Solution.slug).where(solution_visible(PUBLIC))))
    keys |= {f"project:{s}" for s in session.scalars(select(Project.slug))}
    keys |= {f"need:{s}" for s in session.scalars(select(Need.slug))}
    return keys


def check_judgements(judged: Iterable[Judged], known: set[str]) -> None:
    for j in judged:
        if unknown := sorted(j.relevant - known):
            raise JudgementError(f"{j.source}:{j.line}: not a searchable record of the demo catalogue: "
                                 f"{', '.join(unknown)}")


def ranked_keys(session: Session, backend: SearchBackend, q: str) -> tuple[str, ...]:
    """The first page for `q` as GET /api/search answers it (relevance order, no filters)."""
    outcome = run_search(session, backend, SearchQuery.make(q=q, limit=DEPTH))
    if outcome.result is None:
        raise RuntimeError(f"{backend.name} failed on {q!r}: {outcome.error}")
    return tuple(hit_key(h) for h in outcome.result.hits)


def evaluate(factory: sessionmaker[Session], backend: SearchBackend, judged: list[Judged]) -> Report:
    with factory() as session:
        check_judgements(judged, catalogue_keys(session))
        return Report(backend.name, [Scored(j, ranked_keys(session, backend, j.query)) for j in judged])


def private_schema(url: str) -> str:
    """PostgreSQL: the schema `relevance` of the database at `url`, emptied (made if
    missing), and a URL whose connections use only it. Nothing else in the database is
    touched, so the shared test database can hold a demo catalogue of its own."""
    _execute(url, f"DROP SCHEMA IF EXISTS {PG_SCHEMA} CASCADE", f"CREATE SCHEMA {PG_SCHEMA}")
    return make_url(url).update_query_dict({"options": f"-csearch_path={PG_SCHEMA}"}) \
        .render_as_string(hide_password=False)


def drop_private_schema(url: str) -> None:
    _execute(url, f"DROP SCHEMA IF EXISTS {PG_SCHEMA} CASCADE")


def _execute(url: str, *statements: str) -> None:
    engine = make_engine(url)
    with engine.begin() as conn:
        for statement in statements:
            conn.execute(text(statement))
    engine.dispose()


def database_backend(url: str) -> SearchBackend:
    """The engine the app answers with on this database when Meilisearch is not set."""
    return Fts5Backend() if url.startswith("sqlite") else PostgresBackend()


@contextmanager
def indexed(url: str, backend: SearchBackend) -> Iterator[sessionmaker[Session]]:
    """Sessions on the database at `url` (seeded by bench.common.prepare_database), after
    a full rebuild of `backend`'s index."""
    engine = make_engine(url)
    try:
        factory = make_session_factory(engine)
        reindex(factory, backend)
        yield factory
    finally:
        engine.dispose()
