"""The per-process facet bitmaps (app/search/sqlbase.py FacetCache) caught up with the rows
written since they were read are the bitmaps a fresh read of the whole index gives."""

from __future__ import annotations

from typing import Any

import pytest
from litestar import Litestar
from sqlalchemy import select

from app.catalogue.models import Solution
from app.search.models import search_doc
from app.search.sqlbase import FacetCache, bits_from_ids
from tests.helpers import unique
from tests.search.test_outbox import _new_solution


def _nonzero(values: dict[str, dict[str, int]]) -> dict[str, dict[str, int]]:
    """The values that hold any row (a value, or a facet, whose rows all left may stay, empty)."""
    return {f: held for f, per in values.items() if (held := {v: bits for v, bits in per.items() if bits})}


def test_a_bitmap_is_the_same_built_from_any_span() -> None:
    ids = [3, 9, 64, 65, 1_000_003]
    assert bits_from_ids(ids) == sum(1 << i for i in ids)
    assert bits_from_ids([]) == 0


def test_caught_up_bitmaps_are_those_a_full_read_gives(app: Litestar) -> None:
    backend = app.state.search_backend
    if not hasattr(backend, "cache"):
        pytest.skip("the SQL engines' facet cache")
    cache: FacetCache = backend.cache
    with app.state.session_factory() as session:
        before = cache.current(session.connection())
    made: list[Any] = []
    with app.state.session_factory() as session, session.begin():
        for purpose in ("treatment", "monitoring", "prevention"):
            solution = _new_solution(session, unique("Bitmapløsning"))
            solution.purpose = purpose
            made.append(solution)
    with app.state.session_factory() as session, session.begin():
        session.get(Solution, made[0].id).purpose = "monitoring"  # moves between two values
        session.get(Solution, made[1].id).published = False  # leaves every bitmap
    with app.state.session_factory() as session:
        caught_up = cache.current(session.connection())
        fresh = FacetCache().current(session.connection())
    assert caught_up.gen > before.gen and caught_up.epoch == before.epoch  # it did catch up
    assert caught_up.live == fresh.live
    assert _nonzero(caught_up.values) == _nonzero(fresh.values)
    monitoring = caught_up.values["purpose"]["monitoring"]
    assert any(monitoring >> rid & 1 for rid in _doc_ids(app, made[0].id))


def _doc_ids(app: Litestar, pk: int) -> list[int]:
    with app.state.session_factory() as session:
        return list(session.scalars(select(search_doc.c.id).where(search_doc.c.doc_id == f"solution:{pk}")))
