"""Only SearchUnavailable means "the engine is down": anything else an engine raises is a
fault; a database engine's failure is the database's."""

from __future__ import annotations

from typing import Any

import pytest
from litestar import Litestar

from app.search.backend import SearchQuery, SearchUnavailable
from app.search.services import make_backend, run_search
from app.settings import Settings


class _Broken:
    """An engine with a fault of its own (not an outage)."""

    name = "broken"

    def search(self, *_a: Any, **_k: Any) -> Any:
        raise KeyError("a bug")

    apply = clear = compact = search


def test_run_search_answers_an_unavailable_engine_and_raises_anything_else(app: Litestar) -> None:
    class Down(_Broken):
        def search(self, *_a: Any, **_k: Any) -> Any:
            raise SearchUnavailable("down")

    with app.state.session_factory() as session:
        outcome = run_search(session, Down(), SearchQuery.make(q="kol"))
        assert outcome.result is None and outcome.error == "down"
        with pytest.raises(KeyError):
            run_search(session, _Broken(), SearchQuery.make(q="kol"))


def test_one_factory_makes_every_engine(settings: Settings) -> None:
    assert make_backend(settings).name == ("sqlite-fts5" if settings.is_sqlite else "postgresql")
    assert make_backend(settings, "sqlite-fts5").name == "sqlite-fts5"
    assert make_backend(settings, "postgres").name == "postgresql"
    meili = Settings(database_url=settings.database_url, meili_url="http://127.0.0.1:9", meili_key="k")
    assert make_backend(meili).name == "meilisearch"
    with pytest.raises(ValueError, match="MEILI_URL"):
        make_backend(settings, "meilisearch")
    with pytest.raises(ValueError, match="unknown"):
        make_backend(settings, "elastic")


def test_a_failing_fts5_statement_is_a_database_error() -> None:
    """FTS5 runs its statements on the driver's connection: a failure still reaches the
    app as SQLAlchemy's OperationalError, answered 503 like any database failure."""
    from sqlalchemy import create_engine
    from sqlalchemy.exc import OperationalError

    from app.search.fts5 import _sql

    engine = create_engine("sqlite://")
    with engine.connect() as conn, pytest.raises(OperationalError, match="no such table"):
        _sql(conn, "SELECT id FROM search_doc_missing")
    engine.dispose()
