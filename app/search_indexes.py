"""Every domain's search index definition, registered with the search machinery in one
explicit call: wherever the session hooks are installed (the app factory, the command
line, the tests), since the outbox hook needs the definitions to queue a change."""

from __future__ import annotations

from app.approvals.search_index import SEARCH_INDEX as APPROVALS
from app.assessment.search_index import SEARCH_INDEX as ASSESSMENT
from app.catalogue.search_index import SEARCH_INDEX as CATALOGUE
from app.search.index import registry


def register_search_indexes() -> None:
    """Idempotent: registering a domain again replaces its definition."""
    registry.register(CATALOGUE, ASSESSMENT, APPROVALS)
