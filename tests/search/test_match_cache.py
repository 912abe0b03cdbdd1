"""The ids a common word matches, kept per process (app/search/sqlbase.py MatchCache),
follow every change to the index: a kept match set answers as a fresh read would."""

from __future__ import annotations

import sqlite3
import sys
import uuid

import numpy as np
import pytest
from litestar import Litestar
from prometheus_client import REGISTRY

from app.catalogue.models import Solution
from app.search import sqlbase
from app.search.backend import SearchQuery
from app.search.sqlbase import MatchCache, SqlBackend
from tests.search.test_outbox import _new_solution


def _word() -> str:
    """A word no other record has, of letters only (so it is one stem)."""
    return "blaa" + "".join(chr(ord("a") + int(c, 16)) for c in uuid.uuid4().hex[:10])


def _ranked(app: Litestar, backend: SqlBackend, word: str) -> list[str]:
    with app.state.session_factory() as session:
        result = backend.search(session, SearchQuery.make(q=word, limit=50))
        driver = session.connection().connection.driver_connection
        if isinstance(driver, sqlite3.Connection):  # a search writes nothing, so it opens no transaction
            assert not driver.in_transaction
    assert result.total == len(result.hits)
    return [h.slug for h in result.hits]


def _slugs(app: Litestar, backend: SqlBackend, word: str) -> set[str]:
    return set(_ranked(app, backend, word))


def _lookups(result: str) -> float:
    return REGISTRY.get_sample_value("blaastempel_cache_lookups_total",
                                     {"cache": "search_matches", "result": result}) or 0.0


@pytest.mark.parametrize("reread_after", [500, 0], ids=["changed rows matched again", "read again whole"])
def test_a_kept_match_set_follows_every_change(app: Litestar, monkeypatch: pytest.MonkeyPatch,
                                               reread_after: int) -> None:
    backend = app.state.search_backend
    if not isinstance(backend, SqlBackend):
        pytest.skip("the database engines' match cache")
    monkeypatch.setattr(sqlbase, "MATCH_CACHE_MIN_IDS", 1)  # a test's few records count as many
    monkeypatch.setattr(sqlbase, "ORDER_REREAD_AFTER", reread_after)
    word = _word()
    with app.state.session_factory() as session, session.begin():
        kept, renamed, hidden = (_new_solution(session, f"{word.capitalize()} {n}") for n in ("et", "to", "tre"))
    assert _slugs(app, backend, word) == {kept.slug, renamed.slug, hidden.slug}
    hits, misses = _lookups("hit"), _lookups("miss")
    assert _slugs(app, backend, word) == {kept.slug, renamed.slug, hidden.slug}
    assert _lookups("hit") == hits + 1 and _lookups("miss") == misses  # the second answer read the kept ids
    with app.state.session_factory() as session, session.begin():
        added = _new_solution(session, f"Ny {word}")
        gone = session.get(Solution, renamed.id)
        gone.name, gone.short_description_da = "Omdøbt løsning", "Hjælper med noget andet"
        session.get(Solution, hidden.id).published = False
    misses = _lookups("miss")
    assert _slugs(app, backend, word) == {kept.slug, added.slug}
    assert _lookups("miss") == misses + (0 if reread_after else 1)
    fresh = type(backend)(match_cache_mb=0)
    assert _slugs(app, fresh, word) == {kept.slug, added.slug}


def test_a_kept_ranking_orders_as_a_fresh_one_after_changes(app: Litestar, monkeypatch: pytest.MonkeyPatch) -> None:
    """The title-first ranking of a large match set (on PostgreSQL the ranking itself is
    kept: ts_rank_cd reads a row alone) after records gain and lose the word in the title."""
    backend = app.state.search_backend
    if not isinstance(backend, SqlBackend):
        pytest.skip("the database engines' match cache")
    engine = sys.modules[type(backend).__module__]
    monkeypatch.setattr(engine, "EXACT_RANK_MAX", 0)  # a test's few matches count as a large set
    monkeypatch.setattr(sqlbase, "MATCH_CACHE_MIN_IDS", 1)
    if hasattr(engine, "RANKING_KEPT_FROM"):
        monkeypatch.setattr(engine, "RANKING_KEPT_FROM", 1)
    word = _word()
    with app.state.session_factory() as session, session.begin():
        titled = _new_solution(session, f"{word.capitalize()} hjemme")
        body = _new_solution(session, "Anden løsning")
        body.short_description_da = f"Hjælper med {word}"
    assert _ranked(app, backend, word) == [titled.slug, body.slug]
    with app.state.session_factory() as session, session.begin():
        session.get(Solution, body.id).name = f"{word.capitalize()} ude"
        dropped = session.get(Solution, titled.id)
        dropped.name, dropped.short_description_da = "Tidligere løsning", f"Kendt som {word}"
    kept = _ranked(app, backend, word)
    assert kept == [body.slug, titled.slug]
    assert kept == _ranked(app, type(backend)(match_cache_mb=0), word)


def test_the_cache_keeps_to_its_size_and_epoch() -> None:
    cache = MatchCache(max_bytes=3 * 8 * 100)  # three sets of 100 ids
    for key in "abcd":
        cache.put((key,), epoch=1, gen=7, rows=np.arange(100, dtype=np.int64))
    assert cache.get(("a",), 1) is None  # the least recently used went first
    kept = cache.get(("d",), 1)
    assert kept is not None and kept[0] == 7 and kept[1].size == 100
    assert not kept[1].flags.writeable  # shared by every search: nobody may change it
    assert cache.get(("d",), 2) is None  # a rebuilt index (new epoch) keeps nothing
    cache.put(("huge",), epoch=1, gen=7, rows=np.arange(1000, dtype=np.int64))
    assert cache.get(("huge",), 1) is None and cache.get(("d",), 1) is not None  # larger than it all: not kept
