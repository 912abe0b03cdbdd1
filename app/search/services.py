"""Search services: making the engine, running a query, facet labels, similar documents."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from app.search import lexicon
from app.search.backend import FACETS, Hit, SearchBackend, SearchQuery, SearchResult, SearchUnavailable
from app.search.index import registry
from app.settings import Settings

log = logging.getLogger("blaastempel.search")


def make_backend(settings: Settings, name: str | None = None) -> SearchBackend:
    """The one search engine factory: the engine called `name` (`reindex --backend`), or
    by default Meilisearch when configured, otherwise the database's own full-text search.
    Reads the search vocabulary (data/search) first: a broken synonym file stops the start."""
    lexicon.load(settings.data_dir)
    name = name or ("meilisearch" if settings.meili_url and settings.meili_key
                    else "sqlite-fts5" if settings.is_sqlite else "postgresql")
    if name == "meilisearch":
        if not (settings.meili_url and settings.meili_key):
            raise ValueError("MEILI_URL and MEILI_KEY are not set")
        from app.search.meili import MeiliBackend

        return MeiliBackend(settings.meili_url, settings.meili_key)
    if name in ("sqlite-fts5", "fts5", "sqlite"):
        from app.search.fts5 import Fts5Backend

        return Fts5Backend(settings.match_cache_mb)
    if name in ("postgresql", "postgres"):
        from app.search.postgres import PostgresBackend

        return PostgresBackend(settings.match_cache_mb)
    raise ValueError(f"unknown search backend {name!r}")


def query_from_params(params: dict[str, Any]) -> SearchQuery:
    """GET parameters (q, type, <facet>..., sort, limit, offset) -> SearchQuery."""
    def many(key: str) -> list[str]:
        value = params.get(key)
        if value is None:
            return []
        return [v for v in (value if isinstance(value, list) else [value]) if v]

    filters = {facet: many(facet) for facet in FACETS if many(facet)}

    def integer(key: str, default: int) -> int:
        try:
            return int(params.get(key) or default)
        except (TypeError, ValueError):
            return default

    return SearchQuery.make(q=params.get("q") or "", filters=filters, sort=params.get("sort"),
                            limit=integer("limit", 20), offset=integer("offset", 0))


@dataclass
class Outcome:
    result: SearchResult | None
    error: str | None = None
    search_ms: float = 0.0  # the engine's whole answer (backend.search), for Server-Timing


def run_search(session: Session, backend: SearchBackend, query: SearchQuery) -> Outcome:
    """The engine's answer, or the reason it gave none when it is unavailable. Any other
    failure is a fault and is raised (a database engine's errors are the database's)."""
    try:
        start = time.perf_counter()
        result = backend.search(session, query)
        return Outcome(result, search_ms=(time.perf_counter() - start) * 1000)
    except SearchUnavailable as exc:
        log.warning("search failed on %s: %s", backend.name, exc)
        return Outcome(None, str(exc))


def facet_labels(session: Session, lang: str) -> dict[str, dict[str, str]]:
    """Display names for code-valued facets (the rest are translated msgids)."""
    return registry.facet_labels(session, lang)


def similar(session: Session, backend: SearchBackend, text: str, passes: list[dict[str, tuple[str, ...]]],
            limit: int, exclude: tuple[str, ...] = ()) -> list[Hit]:
    """Up to `limit` hits for any of the words of `text`, from the filter `passes` in turn
    (the preferred first), each document once: the "what already exists" panels."""
    hits: list[Hit] = []
    seen: set[str] = set(exclude)
    for filters in passes:
        if len(hits) >= limit:
            break
        query = SearchQuery.make(q=text, filters=filters, limit=limit, with_facets=False,
                                 exclude=tuple(seen), match_any=True)
        outcome = run_search(session, backend, query)
        if outcome.result is None:
            break
        for hit in outcome.result.hits:
            key = f"{hit.type}:{hit.id}"
            if key not in seen and len(hits) < limit:
                seen.add(key)
                hits.append(hit)
    return hits
