"""HTML search: GET /search (whole page, or the results partial for HTMX) and the
"what already exists" / prior-art panels of needs and projects."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.response import Template
from litestar.types import ControllerRouterHandler
from sqlalchemy.orm import Session

from app.errors import NotFound
from app.messages import Message, Term
from app.search.backend import DOC_TYPES, FACETS, SORTS, SearchBackend, SearchQuery
from app.search.index import registry
from app.search.outbox import is_stale
from app.search.services import facet_labels, query_from_params, run_search
from app.web import htmx
from app.web.pager import pager, query_url
from app.web.rendering import language_of, render
from app.web.routing import get
from app.web.transactions import end_read

GROUP_SIZE = 5
FACET_SHOW = 12
FACET_TITLES = {
    "type": "Type", "purpose": "Purpose", "treatment_area": "Treatment area",
    "approval_status": "Approval status", "regulatory_class": "CE class",
    "target_users": "Target users", "origin": "Origin", "vendor_country": "Vendor country",
    "region": "Region", "municipality": "Municipality", "assessment_outcome": "Assessment outcome",
}
TYPE_TITLES = {"solution": "Solutions", "project": "Projects", "need": "Needs"}
DEFAULT_LIMIT = SearchQuery.make().limit


def _params(request: Request) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in ("q", "sort", "limit", "offset"):
        if request.query_params.get(key):
            out[key] = request.query_params.get(key)
    for facet in FACETS:
        values = [v for v in request.query_params.getall(facet, []) if v]
        if values:
            out[facet] = values
    return out


def _url(params: dict[str, Any], **changes: Any) -> str:
    return query_url("/search", {**params, **changes})


@get("/search", include_in_schema=False)
def search_page(request: Request, db: Session, search: SearchBackend) -> Template:
    params = _params(request)
    query = query_from_params(params)
    lang = language_of(request)
    types = query.filters.get("type", ())
    grouped = len(types) != 1
    main = run_search(db, search, SearchQuery.make(
        q=query.q, filters=query.filters, sort=query.sort, limit=0 if grouped else query.limit,
        offset=query.offset, per_type=GROUP_SIZE if grouped else 0))
    groups: list[dict[str, Any]] = []
    result = main.result
    if result is not None:
        type_counts = {c.value: c.count for c in result.facets.get("type", [])}
        if grouped:
            for doc_type in DOC_TYPES:
                hits = result.groups.get(doc_type)
                if hits and type_counts.get(doc_type):
                    groups.append({"type": doc_type, "title": TYPE_TITLES[doc_type],
                                   "hits": hits, "total": type_counts[doc_type],
                                   "more_url": _url(params, type=doc_type, offset=None)})
        else:
            doc_type = types[0]
            groups.append({"type": doc_type, "title": TYPE_TITLES.get(doc_type, doc_type),
                           "hits": result.hits, "total": result.total, "more_url": None})
    links = None
    if result is not None and not grouped:
        kept = {k: v for k, v in params.items() if k not in ("limit", "offset")}
        links = pager("/search", kept, query, result.total, default_limit=DEFAULT_LIMIT)
    labels = facet_labels(db, lang)
    facets = []
    if result is not None:
        for facet in FACETS:
            counts = result.facets.get(facet, [])
            shown = [c for i, c in enumerate(counts) if i < FACET_SHOW or c.selected]
            if shown:
                facets.append({"name": facet, "title": FACET_TITLES[facet], "counts": shown})
    stale = is_stale(db)
    end_read(db)
    template, partial = htmx.template_for(request, "search/page.html", "search/_results.html")
    return htmx.vary(render(
        request, template, query=query, params=params, result=result, error=main.error,
        groups=groups, grouped=grouped, pager=links, facets=facets, labels=labels, sorts=SORTS,
        stale=stale, backend_name=search.name,
        url_for=lambda **ch: _url(params, **ch), partial=partial))


def _prior_art_panel(request: Request, db: Session, search: SearchBackend, kind: str, pk: int) -> Template:
    """The "what already exists" panel of a record, as its domain's index definition finds it."""
    prior_art = registry.prior_art(kind)
    found = prior_art.find(db, search, pk) if prior_art else None
    if found is None:
        raise NotFound(Message("{kind} {key} does not exist", kind=Term("missing", kind), key=pk))
    return render(request, "search/_prior_art.html", kind=kind, found=found, stale=is_stale(db))


@get("/search/prior-art/need/{need_id:int}", include_in_schema=False)
def need_panel(request: Request, db: Session, search: SearchBackend, need_id: int) -> Template:
    return _prior_art_panel(request, db, search, "need", need_id)


@get("/search/prior-art/project/{project_id:int}", include_in_schema=False)
def project_panel(request: Request, db: Session, search: SearchBackend, project_id: int) -> Template:
    return _prior_art_panel(request, db, search, "project", project_id)


ROUTES: list[ControllerRouterHandler] = [search_page, need_panel, project_panel]
