"""A process that writes before it ever searches still splits compounds by the index's words.

The decompounder learns parts from the index's vocabulary, which each process loads as it
searches. A freshly started process (or one that has not searched since another wrote)
indexing a compound must know those parts too, or the compound is written whole and a
search for its part misses it (the next reindex would find it, but nobody runs one).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from litestar import Litestar

from app.search import compounds
from app.search.backend import Document, SearchBackend, SearchQuery
from app.search.lexicon import default_data_dir, parts_path
from app.search.services import make_backend

BASE = 980_000_000


def _doc(n: int, title: str, body: str) -> Document:
    pk = BASE + n
    return Document(doc_id=f"solution:{pk}", type="solution", pk=pk, slug=f"parts-{n}", title=title,
                    body=body, url=f"/solutions/parts-{n}",
                    facets={"type": ["solution"], "corpus": ["parts"]}, sort_name=title.lower(),
                    created_at=datetime(2025, 1, 1, tzinfo=UTC), adoption=0, body_en="")


def _fresh_process(app: Litestar, monkeypatch: pytest.MonkeyPatch) -> SearchBackend:
    """What a newly started process has: the checked-in parts list and an empty cache (the
    test process's own decompounder comes back afterwards)."""
    fresh = compounds.Decompounder(compounds.read_parts(parts_path(default_data_dir())))
    monkeypatch.setattr(compounds, "_default", fresh)
    return make_backend(app.state.settings)


@pytest.fixture
def written(app: Litestar, monkeypatch: pytest.MonkeyPatch) -> Iterator[SearchBackend]:
    first = app.state.search_backend
    with app.state.session_factory() as session, session.begin():
        first.apply(session, [_doc(1, "Kvorlap", "Vejledning om kvorlap for borgere.")], [])
    writer = _fresh_process(app, monkeypatch)
    with app.state.session_factory() as session, session.begin():
        writer.apply(session, [_doc(2, "Hjemmekvorlap", "Hjemmekvorlap med video.")], [])
    yield writer
    with app.state.session_factory() as session, session.begin():
        first.apply(session, [], [f"solution:{BASE + 1}", f"solution:{BASE + 2}"])


def test_a_compound_written_by_a_fresh_process_is_found_by_its_part(
        app: Litestar, written: SearchBackend, monkeypatch: pytest.MonkeyPatch) -> None:
    reader = _fresh_process(app, monkeypatch)
    query = SearchQuery.make(q="kvorlap", filters={}, limit=10)
    query = SearchQuery(**{**query.__dict__, "filters": {"corpus": ("parts",)}})
    with app.state.session_factory() as session:
        found = {hit.id - BASE for hit in reader.search(session, query).hits}
    assert found == {1, 2}
