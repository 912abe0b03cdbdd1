"""Search services: making the engine, running a query, facet labels, prior art."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.catalogue.models import Need, Organisation, Project, TreatmentArea
from app.search.backend import FACETS, SearchBackend, SearchQuery, SearchResult, SearchUnavailable
from app.settings import Settings

log = logging.getLogger("blaastempel.search")


def make_backend(settings: Settings, name: str | None = None) -> SearchBackend:
    """The one search engine factory: the engine called `name` (`reindex --backend`), or
    by default Meilisearch when configured, otherwise the database's own full-text search."""
    name = name or ("meilisearch" if settings.meili_url and settings.meili_key
                    else "sqlite-fts5" if settings.is_sqlite else "postgresql")
    if name == "meilisearch":
        if not (settings.meili_url and settings.meili_key):
            raise ValueError("MEILI_URL and MEILI_KEY are not set")
        from app.search.meili import MeiliBackend

        return MeiliBackend(settings.meili_url, settings.meili_key)
    if name in ("sqlite-fts5", "fts5", "sqlite"):
        from app.search.fts5 import Fts5Backend

        return Fts5Backend()
    if name in ("postgresql", "postgres"):
        from app.search.postgres import PostgresBackend

        return PostgresBackend()
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
    labels: dict[str, dict[str, str]] = {"treatment_area": {}, "region": {}, "municipality": {}}
    for area in session.scalars(select(TreatmentArea)):
        labels["treatment_area"][area.code] = area.name_en if lang == "en" else area.name_da
    for org in session.execute(select(Organisation.kind, Organisation.code, Organisation.name,
                                      Organisation.name_en)
                               .where(Organisation.kind.in_(["region", "municipality"]))):
        name = org.name_en if lang == "en" and org.name_en else org.name
        labels[org.kind][org.code] = name
    return labels


# ---- prior art: "what already exists" ---------------------------------------------------


def _similar(session: Session, backend: SearchBackend, text: str, doc_type: str, limit: int,
             exclude: tuple[str, ...] = (), area: str | None = None) -> list[Any]:
    hits: list[Any] = []
    seen: set[str] = set(exclude)
    passes: list[dict[str, tuple[str, ...]]] = []
    base = {"type": (doc_type,)}
    if doc_type == "solution":
        for status in ("approved", "assessed"):
            if area:
                passes.append(base | {"approval_status": (status,), "treatment_area": (area,)})
            passes.append(base | {"approval_status": (status,)})
    if area:
        passes.append(base | {"treatment_area": (area,)})
    passes.append(base)
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


def prior_art_for_need(session: Session, backend: SearchBackend, need: Need,
                       limit: int = 5) -> dict[str, list[Any]]:
    """Solutions that match a need (approved/assessed first) and projects on the same problem."""
    text = f"{need.title} {need.description or ''}"[:600]
    area = need.treatment_area.code if need.treatment_area else None
    return {"solutions": _similar(session, backend, text, "solution", limit, area=area),
            "projects": _similar(session, backend, text, "project", limit, area=area)}


def prior_art_for_project(session: Session, backend: SearchBackend, project: Project,
                          limit: int = 5) -> dict[str, list[Any]]:
    """Similar existing solutions and other projects (never the project itself)."""
    text = f"{project.name} {project.description or ''}"[:600]
    return {"solutions": _similar(session, backend, text, "solution", limit),
            "projects": _similar(session, backend, text, "project", limit,
                                 exclude=(f"project:{project.id}",))}
