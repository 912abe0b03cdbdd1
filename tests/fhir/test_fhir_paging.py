"""Paging walked to the end on a 10,000-solution register (synthetic, `generate`): every
published solution exactly once, in (lastUpdated, id) order, with the total on every page."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import func, select

from app.audit.hook import set_actor
from app.catalogue.generate import generate_catalogue
from app.catalogue.models import Solution
from tests.fhir.helpers import walk
from tests.fhir.r4 import validate
from tests.scratch import scratch_app

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def big_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Litestar]:
    with scratch_app(tmp_path_factory.mktemp("fhir-big"), "fhirbig", demo=False) as app:
        with app.state.session_factory() as s, s.begin():
            set_actor(s, None, "tests:generate")
            generate_catalogue(s, solutions=10_000, projects=10, needs=10)
        yield app


def test_paging_walks_a_10000_solution_register_to_the_end(big_app: Litestar) -> None:
    with big_app.state.session_factory() as s:
        published = set(s.scalars(select(Solution.id).where(Solution.published.is_(True))))
        assert s.scalar(select(func.count()).select_from(Solution)) == 10_000
    with TestClient(big_app) as client:
        pages = walk(client, "/fhir/DeviceDefinition?_count=200&_include=DeviceDefinition:manufacturer",
                     validate=False)
    validate(pages.bundles[0])
    validate(pages.bundles[-1])
    ids = [int(r["id"]) for r in pages.matches]
    assert len(ids) == len(set(ids)) == len(published)
    assert set(ids) == published
    order = [(datetime.fromisoformat(r["meta"]["lastUpdated"]), int(r["id"])) for r in pages.matches]
    assert order == sorted(order)
    assert {b["total"] for b in pages.bundles} == {len(published)}
    assert len(pages.bundles) == -(-len(published) // 200)
