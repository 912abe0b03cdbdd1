"""The outbox: queued in the same transaction, drained after commit, nothing lost when
the engine fails, reindex rebuilds, the search page warns when the index is behind."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import func, select

from app.catalogue.models import Solution, Vendor
from app.main import create_app
from app.search.backend import SearchQuery, SearchUnavailable
from app.search.models import search_outbox
from app.search.outbox import take_drain_lock
from app.search.reindex import reindex
from app.search.sqlbase import read_state
from app.settings import Settings
from tests.helpers import unique
from tests.scratch import drop_postgres, scratch_app, scratch_database


def _outbox(app: Litestar, doc_type: str, pk: int) -> int:
    with app.state.session_factory() as s:
        return s.scalar(select(func.count()).select_from(search_outbox).where(
            search_outbox.c.doc_type == doc_type, search_outbox.c.pk == pk)) or 0


def _new_solution(session: Any, name: str) -> Solution:
    vendor = Vendor(name=unique("Søgeleverandør"), country="DK")
    solution = Solution(slug=unique("sog"), name=name, vendor=vendor, short_description_da=f"{name} hjælper",
                        description_da="Digital genoptræning", purpose="treatment", target_users="citizen",
                        origin="private", country="DK", regulatory_class="none", integrations=[])
    session.add(solution)
    return solution


def _hits(app: Litestar, q: str) -> list[str]:
    with app.state.session_factory() as s:
        result = app.state.search_backend.search(s, SearchQuery.make(q=q, limit=10))
    return [h.slug for h in result.hits]


class Failing:
    """An engine that is down: it says so as every engine does (SearchUnavailable)."""

    name = "failing"

    def apply(self, *_a: Any, **_k: Any) -> None:
        raise SearchUnavailable("search engine is down")

    def search(self, *_a: Any, **_k: Any) -> Any:
        raise SearchUnavailable("search engine is down")

    def clear(self, *_a: Any, **_k: Any) -> None:
        raise SearchUnavailable("search engine is down")

    def compact(self, *_a: Any, **_k: Any) -> None:
        raise SearchUnavailable("search engine is down")

    def warm(self, *_a: Any, **_k: Any) -> None:
        raise SearchUnavailable("search engine is down")


def test_outbox_row_is_written_in_the_same_transaction(app: Litestar) -> None:
    with app.state.session_factory() as session:
        session.begin()
        solution = _new_solution(session, unique("Rulletilbage"))
        session.flush()
        pk = solution.id
        inside = session.scalar(select(func.count()).select_from(search_outbox).where(
            search_outbox.c.doc_type == "solution", search_outbox.c.pk == pk))
        session.rollback()
    assert inside == 1
    assert _outbox(app, "solution", pk) == 0


def test_a_committed_change_is_searchable_right_away(app: Litestar) -> None:
    word = "Kvantetræner" + unique("x").split("-")[1]
    with app.state.session_factory() as session, session.begin():
        solution = _new_solution(session, word)
    assert solution.slug in _hits(app, word)
    assert _outbox(app, "solution", solution.id) == 0
    with app.state.session_factory() as session, session.begin():  # a vendor rename re-indexes
        vendor = session.get(Vendor, solution.vendor_id)
        vendor.name = "Omdøbt " + word + "leverandør"
    with app.state.session_factory() as session:
        result = app.state.search_backend.search(session, SearchQuery.make(q=word + "leverandør"))
    assert [h.slug for h in result.hits] == [solution.slug]


@pytest.fixture(scope="module")
def private_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Litestar]:
    """An app on its own database: no other server's indexer (the browser tests' live
    server shares the suite's database) can drain the outbox behind the test's back."""
    url = scratch_database(tmp_path_factory.mktemp("outbox"), "outbox", demo=False)
    app = create_app(Settings(database_url=url, secret_key="outbox-secret-key-0123456789abcdef"))
    yield app
    app.state.engine.dispose()
    if url.startswith("postgresql"):
        drop_postgres(url)


@pytest.fixture()
def private_client(private_app: Litestar) -> Iterator[TestClient[Litestar]]:
    with TestClient(app=private_app) as client:
        yield client


def test_a_failing_engine_does_not_fail_the_write_and_the_outbox_catches_up(
        private_app: Litestar, private_client: TestClient[Litestar], monkeypatch: pytest.MonkeyPatch) -> None:
    app, client = private_app, private_client
    indexer = app.state.search_indexer
    real = indexer.backend
    monkeypatch.setattr(indexer, "backend", Failing())
    word = "Nedbrudsløsning" + unique("x").split("-")[1]
    with app.state.session_factory() as session, session.begin():
        solution = _new_solution(session, word)
    assert _outbox(app, "solution", solution.id) == 1  # the write stood; the change waits
    with pytest.raises(SearchUnavailable):
        indexer.drain()
    with app.state.session_factory() as session, session.begin():  # pretend it waited a while
        session.execute(search_outbox.update().where(search_outbox.c.pk == solution.id)
                        .values(enqueued_at=datetime.now(UTC) - timedelta(minutes=1)))
    page = client.get("/search", params={"q": word}, headers={"Accept-Language": "da"})
    assert "måske ikke opdateret" in page.text
    assert client.get("/api/search", params={"q": word}).json()["stale"] is True
    monkeypatch.setattr(indexer, "backend", real)
    indexer.drain()
    assert _outbox(app, "solution", solution.id) == 0
    assert solution.slug in _hits(app, word)
    page = client.get("/search", params={"q": word})
    assert "out of date" not in page.text and "måske ikke opdateret" not in page.text


@pytest.mark.parametrize("holder", ["thread", "database"])
def test_what_a_person_saves_is_found_though_another_drainer_is_busy(private_app: Litestar, holder: str) -> None:
    """A catch-up round (this process's background thread, or another process holding the
    drain lock) is running when a person saves: their save still reaches the index before
    the save returns, not some rounds later."""
    app, indexer = private_app, private_app.state.search_indexer
    holding, release = threading.Event(), threading.Event()

    def hold() -> None:
        if holder == "thread":
            with indexer._draining:
                holding.set()
                release.wait(10)
            return
        with app.state.session_factory() as other, other.begin():
            take_drain_lock(other)
            holding.set()
            release.wait(10)

    other = threading.Thread(target=hold)
    other.start()
    assert holding.wait(10)
    threading.Timer(0.3, release.set).start()
    word = "Travltræner" + unique("x").split("-")[1]
    try:
        with app.state.session_factory() as session, session.begin():
            solution = _new_solution(session, word)
        assert solution.slug in _hits(app, word)
        assert _outbox(app, "solution", solution.id) == 0
    finally:
        release.set()
        other.join()


def test_search_page_says_when_the_engine_is_unavailable(
        app: Litestar, client: TestClient[Litestar], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(app.state, "search_backend", Failing())
    assert client.get("/api/search", params={"q": "kol"}).status_code == 503
    page = client.get("/search", params={"q": "kol"})
    assert page.status_code == 200
    assert 'role="alert"' in page.text


def test_reindex_rebuilds_the_index(app: Litestar) -> None:
    word = "Genopbygning" + unique("x").split("-")[1]
    with app.state.session_factory() as session, session.begin():
        solution = _new_solution(session, word)
    backend = app.state.search_backend
    with app.state.session_factory() as session, session.begin():
        backend.clear(session)
    assert _hits(app, word) == []
    done, _seconds = reindex(app.state.session_factory, backend)
    assert done > 0
    assert _hits(app, word) == [solution.slug]
    assert _hits(app, "genoptræning")


def _search(app: Litestar, q: str, **filters: str) -> list[str]:
    with app.state.session_factory() as s:
        result = app.state.search_backend.search(
            s, SearchQuery.make(q=q, filters={k: [v] for k, v in filters.items()}, limit=10))
    return [h.slug for h in result.hits]


def test_renaming_a_treatment_area_reindexes_what_is_tagged_with_it(app: Litestar) -> None:
    from app.catalogue.models import TreatmentArea

    word = "Xylofonik" + unique("x").split("-")[1]
    with app.state.session_factory() as session, session.begin():
        area = TreatmentArea(code=unique("omr"), name_da="Midlertidigt område", name_en="Temporary area")
        solution = _new_solution(session, unique("Områdeløsning"))
        solution.treatment_areas.append(area)
    assert solution.slug not in _search(app, word)
    with app.state.session_factory() as session, session.begin():
        session.get(TreatmentArea, area.id).name_da = word
    assert solution.slug in _search(app, word)
    assert _outbox(app, "solution", solution.id) == 0


def test_moving_an_organisation_to_another_region_reindexes_its_projects(app: Litestar) -> None:
    from app.catalogue.models import Organisation, Project

    word = "Zylofrak" + unique("x").split("-")[1]
    with app.state.session_factory() as session, session.begin():
        first, second = session.scalars(select(Organisation).where(Organisation.kind == "region")
                                        .order_by(Organisation.code).limit(2)).all()
        clinic = Organisation(kind="gp_clinic", code=unique("lp"), name=unique("Lægepraksis"), region_id=first.id)
        project = Project(slug=unique("flyt"), name=word, description="Et projekt der flytter", owner=clinic,
                          stage="pilot", origin="public")
        session.add(project)
        codes = (first.code, second.code)
    assert project.slug in _search(app, word, region=codes[0])
    with app.state.session_factory() as session, session.begin():
        session.get(Organisation, clinic.id).region_id = session.scalar(
            select(Organisation.id).where(Organisation.kind == "region", Organisation.code == codes[1]))
    assert project.slug in _search(app, word, region=codes[1])
    assert project.slug not in _search(app, word, region=codes[0])


def test_reindex_leaves_a_compacted_fts5_index(app: Litestar, monkeypatch: pytest.MonkeyPatch) -> None:
    backend = app.state.search_backend
    if backend.name != "sqlite-fts5":
        pytest.skip("SQLite FTS5 only (PostgreSQL's compact is ANALYZE)")

    def index_pages() -> int:
        with app.state.engine.connect() as conn:
            return int(conn.exec_driver_sql("SELECT count(*) FROM search_fts_data").scalar_one())

    def pages_after_another_optimize() -> int:
        with app.state.session_factory() as session, session.begin():
            type(backend).compact(backend, session)
        return index_pages()

    with monkeypatch.context() as patch:  # without compaction the batches leave segments to merge
        patch.setattr(backend, "compact", lambda session: None)
        reindex(app.state.session_factory, backend)
        uncompacted = index_pages()
        assert pages_after_another_optimize() < uncompacted
    reindex(app.state.session_factory, backend)
    compacted = index_pages()
    assert pages_after_another_optimize() == compacted < uncompacted


def test_a_started_app_has_read_its_search_caches_before_the_first_search(tmp_path: Path) -> None:
    """At a million documents the facet bitmaps and the default order take seconds to read:
    the app reads them on start, not during someone's first search."""
    with scratch_app(tmp_path, "warm") as app, TestClient(app=app):
        backend = app.state.search_backend
        if not hasattr(backend, "cache"):
            pytest.skip("the SQL engines keep search caches in the process")
        deadline = time.monotonic() + 30
        while backend.default_order not in backend._orders and time.monotonic() < deadline:
            time.sleep(0.05)
        with app.state.session_factory() as session:
            epoch, gen = read_state(session.connection())
        assert (backend.cache.snap.epoch, backend.cache.snap.gen) == (epoch, gen)
        assert backend._orders[backend.default_order][:2] == (epoch, gen)
