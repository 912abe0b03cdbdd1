"""Search index definitions: each domain declares its documents and what re-queues them;
app/search is the generic machinery and imports no domain; the registry refuses
definitions that disagree."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar
from sqlalchemy import func, select

from app.assessment.search_index import SEARCH_INDEX as ASSESSMENT
from app.catalogue.models import Organisation
from app.catalogue.search_index import SEARCH_INDEX as CATALOGUE
from app.catalogue.search_index import SOLUTIONS
from app.search.index import FacetSource, NotRegistered, Registry, SearchIndex
from app.search.models import search_outbox

SEARCH_DIR = Path(__file__).resolve().parents[2] / "app" / "search"
DOMAINS = ("accounts", "approvals", "assessment", "audit", "benchmark", "catalogue", "reporting")


def _imported_modules(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def test_the_search_package_imports_no_domain() -> None:
    wrong = sorted(f"{path.name}: {module}" for path in SEARCH_DIR.glob("*.py")
                   for module in _imported_modules(path)
                   if module.split(".")[:2] in (["app", d] for d in DOMAINS))
    assert not wrong, f"app/search must reach the domains only through app/search/index.py: {wrong}"


def test_the_domains_declare_the_three_document_types_and_their_facets() -> None:
    registry = Registry()
    registry.register(CATALOGUE, ASSESSMENT)
    assert list(registry.documents) == ["solution", "project", "need"]
    registry.register(CATALOGUE, ASSESSMENT)  # registering again changes nothing
    assert list(registry.documents) == ["solution", "project", "need"]


def test_a_facet_given_twice_or_unknown_is_refused() -> None:
    registry = Registry()
    twice = SearchIndex(domain="other", facets=(FacetSource("solution", ("purpose",), lambda s, ids: {}),))
    with pytest.raises(ValueError, match="purpose"):
        registry.register(CATALOGUE, twice)
    unknown = SearchIndex(domain="other", facets=(FacetSource("need", ("colour",), lambda s, ids: {}),))
    with pytest.raises(ValueError, match="colour"):
        registry.register(CATALOGUE, unknown)
    with pytest.raises(ValueError, match="solution"):
        registry.register(CATALOGUE, SearchIndex(domain="copy", documents=(SOLUTIONS,)))
    assert registry.documents == {}  # a refused registration leaves the registry as it was


def test_a_change_before_any_definition_is_registered_is_refused() -> None:
    with pytest.raises(NotRegistered, match="register_search_indexes"):
        Registry().watched()


def _queued_by(app: Litestar, change: Any) -> int:
    """Outbox rows a change queues in its own transaction (rolled back afterwards)."""
    with app.state.session_factory() as session:
        session.begin()
        before = session.scalar(select(func.count()).select_from(search_outbox))
        change(session)
        session.flush()
        queued = (session.scalar(select(func.count()).select_from(search_outbox)) or 0) - (before or 0)
        session.rollback()
    return queued


def test_an_organisation_re_queues_documents_only_when_its_code_or_region_changes(app: Litestar) -> None:
    def org(session: Any) -> Organisation:
        return session.scalars(select(Organisation).where(Organisation.kind == "municipality",
                                                          Organisation.code == "169")).one()

    def rename(session: Any) -> None:
        org(session).name = org(session).name + " (omdøbt)"

    def move(session: Any) -> None:
        region = session.scalars(select(Organisation).where(Organisation.kind == "region",
                                                            Organisation.id != org(session).region_id)).first()
        org(session).region_id = region.id

    assert _queued_by(app, rename) == 0
    assert _queued_by(app, move) > 0
