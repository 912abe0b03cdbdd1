"""Search relevance floors (issue 16): the judged queries of relevance.tsv, run through the
real search service, must reach success@3 >= 0.95 and recall@5 >= 0.9 on every engine.

The demo catalogue is seeded into a database of its own (other tests rename, unpublish and
add records in the session's shared one): a fresh SQLite file, or on PostgreSQL the schema
`relevance` of the test database. The database's own engine always runs; Meilisearch too
when MEILI_URL is set. `python -m bench.bench_relevance` prints the same figures in full.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.search.backend import SearchBackend
from app.settings import normalise_database_url
from bench.common import prepare_database
from bench.relevance import (
    TARGET_RECALL,
    TARGET_SUCCESS,
    Judged,
    JudgementError,
    Report,
    Scored,
    database_backend,
    describe,
    drop_private_schema,
    evaluate,
    indexed,
    load,
    private_schema,
)

CLASSES = {"compound", "synonym", "english", "multiword", "plain", "projects_needs"}


@pytest.fixture(scope="module")
def judged() -> list[Judged]:
    return load()


def test_the_judged_set_spreads_over_every_class(judged: list[Judged]) -> None:
    per_class = {cls: sum(j.cls == cls for j in judged) for cls in CLASSES}
    assert len(judged) >= 80
    assert {j.cls for j in judged} == CLASSES
    assert min(per_class.values()) >= 10, per_class
    assert len({j.query.lower() for j in judged}) == len(judged), "a query is judged twice"


@pytest.mark.parametrize(("line", "message"), [
    ("kol\tplain", "2 tab-separated fields, expected 3"),
    ("kol\tplain\t", "no relevant records"),
    ("\tplain\tpust", "empty query"),
    ("kol\tPlain words\tpust", "class 'Plain words' is not a lower-case word"),
    ("kol\tplain\tpust, Project:kol-risikoscore", "not a record key: Project:kol-risikoscore"),
])
def test_a_malformed_line_is_an_error_naming_it(tmp_path: Path, line: str, message: str) -> None:
    path = tmp_path / "judged.tsv"
    path.write_text(f"# judged\nquery\tclass\trelevant\ncopd\tsynonym\tpust\n{line}\n", encoding="utf-8")
    with pytest.raises(JudgementError, match=f"^{re.escape(f'{path}:4: {message}')}"):
        load(path)


def test_the_header_is_required(tmp_path: Path) -> None:
    path = tmp_path / "judged.tsv"
    path.write_text("copd\tsynonym\tpust\n", encoding="utf-8")
    with pytest.raises(JudgementError, match=f"^{re.escape(str(path))}:1: the header must be"):
        load(path)


def test_the_scores_of_one_ranking() -> None:
    query = Judged(1, "kol", "plain", frozenset({"pust", "project:kol-risikoscore", "need:kol", "a", "b", "c"}))
    ranked = Scored(query, ("x", "y", "pust", "z", "need:kol", "a"))
    assert (ranked.success, ranked.recall, ranked.reciprocal_rank) == (1.0, 2 / 5, 1 / 3)
    missed = Scored(query, ("x", "y", "z", "pust"))
    assert (missed.success, missed.recall, missed.reciprocal_rank) == (0.0, 1 / 5, 1 / 4)
    assert "'kol' (line 1): relevant at pust@4; first: x, y, z" in describe(missed)
    nothing = Scored(Judged(2, "q", "plain", frozenset({"a"})), ())
    assert (nothing.success, nothing.recall, nothing.reciprocal_rank) == (0.0, 0.0, 0.0)


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    configured = os.environ.get("TEST_DATABASE_URL")
    if not configured:
        url = normalise_database_url(f"sqlite:///{tmp_path_factory.mktemp('relevance') / 'demo.sqlite3'}")
        prepare_database(url)
        yield url
        return
    base = normalise_database_url(configured)
    url = private_schema(base)
    prepare_database(url)
    yield url
    drop_private_schema(base)


def _engines() -> list[Any]:
    meili = pytest.mark.skipif(not os.environ.get("MEILI_URL"), reason="MEILI_URL is not set")
    return [pytest.param("database"),
            pytest.param("meilisearch", marks=meili)]


@pytest.fixture(scope="module", params=_engines())
def report(request: pytest.FixtureRequest, demo_url: str, judged: list[Judged]) -> Report:
    backend: SearchBackend = database_backend(demo_url)
    if request.param == "meilisearch":
        from app.search.meili import MeiliBackend

        backend = MeiliBackend(os.environ["MEILI_URL"], os.environ.get("MEILI_KEY", ""),
                               index="blaastempel-relevance-test")
    with indexed(demo_url, backend) as factory:
        return evaluate(factory, backend, judged)


def test_relevance_reaches_the_floors(report: Report) -> None:
    overall = report.overall
    lines = [f"{report.engine}: {overall}", *(f"  {cls}: {s}" for cls, s in report.by_class().items()),
             "no relevant record in the first 3:", *(f"  {describe(s)}" for s in report.failures())]
    assert overall.success >= TARGET_SUCCESS and overall.recall >= TARGET_RECALL, "\n".join(lines)
