"""GET /api/search: one query over solutions, projects and needs, with facet counts."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Response
from litestar.exceptions import HTTPException
from litestar.params import Parameter
from litestar.types import ControllerRouterHandler
from sqlalchemy.orm import Session

from app.search.backend import FACETS, SORTS, FacetCount, SearchBackend, SearchQuery
from app.search.outbox import is_stale
from app.search.services import run_search
from app.web.routing import get
from app.web.transactions import end_read

Multi = Annotated[list[str] | None, Parameter(required=False)]


# msgspec structs, not pydantic models: an answer carries a few hundred facet counts and
# Litestar encodes structs directly, which keeps the API close to the engine's own time.
class HitOut(msgspec.Struct):
    type: str
    id: int
    slug: str
    title: str
    snippet: str
    url: str
    approval_status: str | None = None
    adoption: int = 0


class SearchOut(msgspec.Struct):
    hits: list[HitOut]
    total: int
    facets: dict[str, list[FacetCount]]
    limit: int
    offset: int
    backend: str
    stale: bool
    # The query's words (or phrases of the synonym file) that no record in the selection has.
    unmatched_terms: list[str] = []
    # True when all the words found fewer than three records, so records matching only some
    # of them are included, those matching the most first.
    relaxed: bool = False


@get("/api/search", tags=["search"], summary="Search solutions, projects and needs",
     description=(
         "Free text (Danish and English stemming, compound parts, synonyms, prefix and one-typo "
         "tolerance; when all the words find fewer than three records, records with most of them "
         "follow: `relaxed`, and `unmatched_terms` names the words nothing has) combined with facets: "
         "AND across facets, OR within one (repeat a parameter for several values). `title` "
         "and `snippet` are HTML: the text is escaped and matches are wrapped in `<mark>`. "
         f"Facets: {', '.join(FACETS)}. Sort: {', '.join(SORTS)}."))
def api_search(
    db: Session, search: SearchBackend,
    q: str = "",
    type: Multi = None,
    purpose: Multi = None, treatment_area: Multi = None, approval_status: Multi = None,
    regulatory_class: Multi = None, target_users: Multi = None, origin: Multi = None,
    vendor_country: Multi = None, region: Multi = None, municipality: Multi = None,
    assessment_outcome: Multi = None,
    sort: Annotated[str, Parameter(description="relevance | name | newest | adoption")] = "relevance",
    limit: Annotated[int, Parameter(ge=0, le=100)] = 20,
    offset: Annotated[int, Parameter(ge=0)] = 0,
) -> Response[SearchOut]:
    values = locals()
    filters = {f: values[f] for f in FACETS if values.get(f)}
    query = SearchQuery.make(q=q, filters=filters, sort=sort, limit=limit, offset=offset)
    outcome = run_search(db, search, query)
    if outcome.result is None:
        raise HTTPException(status_code=503, detail="search is unavailable; try again shortly")
    result = outcome.result
    stale = is_stale(db)
    end_read(db)
    answer = SearchOut(
        hits=[HitOut(type=h.type, id=h.id, slug=h.slug, title=h.title, snippet=h.snippet, url=h.url,
                     approval_status=h.approval_status, adoption=h.adoption) for h in result.hits],
        total=result.total,
        facets=result.facets,
        limit=query.limit, offset=query.offset, backend=search.name,
        stale=stale, unmatched_terms=result.unmatched_terms, relaxed=result.relaxed)
    return Response(answer, headers={"Server-Timing": server_timing(outcome.search_ms, result.engine_ms)})


def server_timing(search_ms: float, engine_ms: float) -> str:
    """The engine's share of this answer (W3C Server-Timing; browsers' developer tools show
    it, and bench_search reads it): `search` is the engine's whole answer, `query` the
    engine's own statements within it (FTS5/PostgreSQL: the SQL; Meilisearch: its call)."""
    return f"search;dur={search_ms:.3f}, query;dur={engine_ms:.3f}"


ROUTES: list[ControllerRouterHandler] = [api_search]
