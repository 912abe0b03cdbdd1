"""How a request's transaction ends (app/web/transactions.py), against the real app and database."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import litestar.utils.sync
import pytest
from anyio import to_thread
from litestar.testing import TestClient
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from app.catalogue.models import Need, Organisation
from tests.helpers import unique


def _need(db: Session, title: str) -> dict[str, Any]:
    org_id = db.scalar(select(Organisation.id).where(Organisation.kind == "municipality",
                                                     Organisation.code == "461"))
    return {"title": title, "organisation_id": org_id, "treatment_area": "kol", "priority": "high"}


def test_a_write_is_committed(client: TestClient[Any], auth: Any, db: Session) -> None:
    title = unique("Behov")
    assert client.post("/api/needs", json=_need(db, title), headers=auth("procurement")).status_code == 201
    assert db.scalar(select(Need.id).where(Need.title == title)) is not None


@pytest.fixture()
def failing_commits() -> Iterator[None]:
    def refuse(session: Session) -> None:
        raise RuntimeError("the database refused the commit")

    event.listen(Session, "before_commit", refuse)
    yield
    event.remove(Session, "before_commit", refuse)


def test_a_failed_commit_is_never_answered_as_success(client: TestClient[Any], auth: Any, db: Session,
                                                      failing_commits: None) -> None:
    title = unique("Behov")
    body = _need(db, title)
    response = client.post("/api/needs", json=body, headers=auth("procurement"))
    assert response.status_code == 503 and response.headers["retry-after"] == "2"  # try again: nothing was kept
    db.rollback()
    assert db.scalar(select(Need.id).where(Need.title == title)) is None  # nothing half-kept


@pytest.fixture()
def thread_trips(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """Counts the calls sent to a worker thread, by function name: handlers (Litestar) and
    the ends of transactions (anyio, on their own limiter)."""
    seen: Counter[str] = Counter()

    def counting(real: Callable[..., Any]) -> Callable[..., Any]:
        async def count(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
            seen[getattr(fn, "__name__", repr(fn))] += 1
            return await real(fn, *args, **kwargs)
        return count

    monkeypatch.setattr(litestar.utils.sync, "sync_to_thread", counting(litestar.utils.sync.sync_to_thread))
    monkeypatch.setattr(to_thread, "run_sync", counting(to_thread.run_sync))
    return seen


def test_a_search_goes_to_a_worker_thread_once(client: TestClient[Any], thread_trips: Counter[str]) -> None:
    assert client.get("/api/search", params={"q": "diabetes"}).status_code == 200
    assert thread_trips == Counter({"api_search": 1})  # no guard, commit or close trips


def test_a_read_that_keeps_its_transaction_is_still_ended(client: TestClient[Any],
                                                          thread_trips: Counter[str]) -> None:
    assert client.get("/api/needs").status_code == 200
    assert sum(thread_trips.values()) == 2  # the handler, then ending its read transaction
