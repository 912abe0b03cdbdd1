"""PostgreSQL's narrow text index (search_tsv) stays in step with search_doc through the
outbox: a write, an edit, an unpublish and a delete each leave exactly the live
documents in it, and the search answers from it."""

from __future__ import annotations

from typing import Any

import pytest
from litestar import Litestar
from sqlalchemy import text

from app.catalogue.models import Solution
from app.search.backend import SearchQuery
from app.search.postgres import TEXT_INDEXES, match_tsquery, tsquery
from app.search.reindex import reindex
from app.search.text import analyse
from bench.bench_search import COMPOUNDS, TYPOS, WORDS
from bench.relevance import load
from tests.helpers import unique
from tests.search.test_outbox import _new_solution


@pytest.fixture(autouse=True)
def _postgres_only(app: Litestar) -> None:
    if app.state.search_backend.name != "postgresql":
        pytest.skip("PostgreSQL only")


def _indexed(app: Litestar, pk: int) -> dict[str, Any] | None:
    """search_doc's row of the solution and whether search_tsv holds it (with its title's lexemes)."""
    with app.state.session_factory() as session:
        row = session.execute(text(
            "SELECT d.id, d.deleted, t.id IS NOT NULL AS in_tsv, t.title_tsv::text AS title_tsv "
            "FROM search_doc d LEFT JOIN search_tsv t ON t.id = d.id "
            "WHERE d.doc_id = :doc"), {"doc": f"solution:{pk}"}).mappings().one_or_none()
    return dict(row) if row else None


def _slugs(app: Litestar, q: str, **kw: Any) -> list[str]:
    with app.state.session_factory() as session:
        return [h.slug for h in app.state.search_backend.search(session, SearchQuery.make(q=q, **kw)).hits]


def test_the_narrow_table_follows_a_write_an_edit_an_unpublish_and_a_delete(app: Litestar) -> None:
    word = "Tsvtræner" + unique("x").split("-")[1]
    with app.state.session_factory() as session, session.begin():
        solution = _new_solution(session, word)
    pk, slug = solution.id, solution.slug
    row = _indexed(app, pk)
    assert row and row["in_tsv"] and not row["deleted"]
    assert word.lower()[:8] in row["title_tsv"]
    assert _slugs(app, word) == [slug]
    assert slug in _slugs(app, word, sort="name")

    renamed = "Zyxnavn" + unique("x").split("-")[1]
    with app.state.session_factory() as session, session.begin():
        session.get(Solution, pk).name = renamed
    assert _slugs(app, renamed) == [slug]
    assert "zyxnavn" in (_indexed(app, pk) or {})["title_tsv"]

    with app.state.session_factory() as session, session.begin():
        session.get(Solution, pk).published = False
    row = _indexed(app, pk)
    assert row and row["deleted"] and not row["in_tsv"]
    assert _slugs(app, renamed) == []

    with app.state.session_factory() as session, session.begin():
        session.get(Solution, pk).published = True
    assert (_indexed(app, pk) or {})["in_tsv"]
    with app.state.session_factory() as session, session.begin():
        session.delete(session.get(Solution, pk))
    row = _indexed(app, pk)
    assert row and row["deleted"] and not row["in_tsv"]
    assert _slugs(app, renamed) == [] and slug not in _slugs(app, "", sort="name", limit=100)


def test_every_live_document_is_in_the_narrow_table_and_no_other(app: Litestar) -> None:
    with app.state.session_factory() as session:
        stray = session.execute(text(
            "SELECT count(*) FILTER (WHERE t.id IS NULL AND NOT d.deleted), "
            "count(*) FILTER (WHERE t.id IS NOT NULL AND d.deleted) "
            "FROM search_doc d LEFT JOIN search_tsv t ON t.id = d.id")).one()
        orphans = session.execute(text(
            "SELECT count(*) FROM search_tsv t WHERE NOT EXISTS (SELECT 1 FROM search_doc d WHERE d.id = t.id)"
        )).scalar_one()
    assert tuple(stray) == (0, 0) and orphans == 0


def test_a_rebuild_loads_the_table_and_then_builds_its_text_indexes(app: Litestar) -> None:
    backend = app.state.search_backend
    done, _seconds = reindex(app.state.session_factory, backend)
    with app.state.session_factory() as session:
        indexes = set(session.execute(text(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'search_tsv'")).scalars())
        rows = session.execute(text("SELECT count(*) FROM search_tsv")).scalar_one()
    assert set(TEXT_INDEXES) <= indexes
    assert 0 < rows <= done
    test_every_live_document_is_in_the_narrow_table_and_no_other(app)


def _rows(session: Any, tsq: str) -> set[int]:
    return set(session.execute(text("SELECT id FROM search_tsv WHERE tsv @@ to_tsquery('simple', :q)"),
                               {"q": tsq}).scalars()) if tsq else set()


def test_the_cheaper_match_query_finds_exactly_the_rows_of_the_full_one(app: Litestar) -> None:
    """match_tsquery drops alternatives a shorter prefix already matches: on every judged
    query and the benchmark's words, each way of asking finds the same rows."""
    backend = app.state.search_backend
    queries = {j.query for j in load()} | set(WORDS + COMPOUNDS + TYPOS) | {"kol genoptræning", "hjerte kar"}
    shorter = 0
    with app.state.session_factory() as session:
        vocab = backend.cache.current(session.connection()).vocab
        for q in sorted(queries):
            terms = analyse(q, vocab)
            for any_, broader in ((False, True), (True, True), (True, False)):
                full, cheap = tsquery(terms, any_, broader=broader), match_tsquery(terms, any_, broader=broader)
                assert _rows(session, cheap) == _rows(session, full), (q, full, cheap)
                shorter += len(cheap) < len(full)
    assert shorter > len(queries) // 4  # it does prune: the check is not of two equal strings
