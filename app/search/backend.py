"""The one search contract: SearchQuery in, SearchResult out, whichever engine answers.

Three engines implement SearchBackend (SQLite FTS5, PostgreSQL full-text search,
Meilisearch). Everything else (the page, the API, the CLI, the indexer) only talks to
this Protocol.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

import msgspec
from sqlalchemy.orm import Session

DOC_TYPES = ("solution", "project", "need")
# Facet name -> which document types carry it. `type` is a facet too (grouping tabs).
FACETS = (
    "type", "purpose", "treatment_area", "approval_status", "regulatory_class", "target_users",
    "origin", "vendor_country", "region", "municipality", "assessment_outcome",
)
SORTS = ("relevance", "name", "newest", "adoption")
MAX_LIMIT = 100
MAX_QUERY_CHARS = 500  # longer input is cut (a 5,000-character paste is not an error)
# When all the words of a query find fewer records than this, records that match only
# some of them are added, those matching the most words first (SearchResult.relaxed).
FEW_RESULTS = 3


@dataclass(frozen=True)
class SearchQuery:
    q: str = ""
    filters: dict[str, tuple[str, ...]] = field(default_factory=dict)  # facet -> OR'd values
    sort: str = "relevance"
    limit: int = 20
    offset: int = 0
    with_facets: bool = True
    exclude: tuple[str, ...] = ()  # doc ids ("project:12") left out of hits (prior art)
    match_any: bool = False  # OR the query's words instead of AND (prior art: "similar to")
    # Also the first `per_type` hits of each document type (the grouped results page),
    # from the same text match: one search instead of one per type.
    per_type: int = 0

    @classmethod
    def make(cls, q: str | None = "", filters: dict[str, Any] | None = None, sort: str | None = None,
             limit: int | None = 20, offset: int | None = 0, **kw: Any) -> SearchQuery:
        """A normalised query: unknown facets dropped, values de-duplicated, bounds clamped."""
        clean: dict[str, tuple[str, ...]] = {}
        for key, values in (filters or {}).items():
            if key not in FACETS or values in (None, "", [], ()):
                continue
            items = [values] if isinstance(values, str) else list(values)
            vals = tuple(dict.fromkeys(str(v)[:100] for v in items if str(v).strip()))
            if vals:
                clean[key] = vals
        return cls(q=(q or "")[:MAX_QUERY_CHARS], filters=clean,
                   sort=sort if sort in SORTS else "relevance",
                   limit=max(0, min(int(limit if limit is not None else 20), MAX_LIMIT)),
                   offset=max(0, int(offset or 0)), **kw)


@dataclass
class Hit:
    type: str
    id: int
    slug: str
    title: str  # HTML: escaped text with <mark> around matches
    snippet: str  # HTML, same rule
    url: str
    approval_status: str | None = None
    adoption: int = 0
    score: float | None = None


class FacetCount(msgspec.Struct):
    """One facet value and how many results carry it (a msgspec struct: the API encodes
    an answer's few hundred of them as they are)."""

    value: str
    count: int
    selected: bool = False


def facet_counts(found: Iterable[tuple[str, int]], selected: tuple[str, ...]) -> list[FacetCount]:
    """A facet's values as shown: the values found (count > 0) and every selected value
    (0 when nothing carries it), most results first, then by value."""
    chosen = set(selected)
    counts = [FacetCount(v, n, v in chosen) for v, n in found if n]
    counts += [FacetCount(v, 0, True) for v in chosen.difference(c.value for c in counts)]
    counts.sort(key=lambda c: (-c.count, c.value))
    return counts


@dataclass
class SearchResult:
    hits: list[Hit]
    total: int
    facets: dict[str, list[FacetCount]]
    # The engine's own statements within the answer: the SQL for the database engines
    # (whose answer is completed in memory), the search call for Meilisearch.
    engine_ms: float = 0.0
    groups: dict[str, list[Hit]] = field(default_factory=dict)  # doc type -> first hits (per_type)
    # The query's words (or synonym-file phrases) that no record in the selection matches.
    unmatched_terms: list[str] = field(default_factory=list)
    # All the words found fewer than FEW_RESULTS records: records matching only some are
    # included, ranked by how many they match.
    relaxed: bool = False


@dataclass
class Document:
    """One searchable record, as every engine indexes it."""

    doc_id: str  # "solution:42"
    type: str
    pk: int
    slug: str
    title: str
    body: str
    url: str
    facets: dict[str, list[str]]
    sort_name: str
    created_at: datetime | None
    adoption: int = 0
    body_en: str = ""  # the record's English text (stemmed as English), beside the Danish body
    topic: str = ""  # the part of the body that says what the record is about (ranks higher)

    @property
    def approval_status(self) -> str | None:
        values = self.facets.get("approval_status")
        return values[0] if values else None


class SearchUnavailable(RuntimeError):
    """The engine did not answer (down, timed out). Writes still succeed; the outbox waits."""


@runtime_checkable
class SearchBackend(Protocol):
    name: str

    def search(self, session: Session, query: SearchQuery) -> SearchResult:
        """Answer a query. `session` is a read session on the application database."""

    def apply(self, session: Session, upserts: list[Document], deletes: list[str]) -> None:
        """Idempotently upsert/delete documents. DB engines write in `session`'s transaction
        (so the index and the outbox commit together); external engines write directly."""

    def clear(self, session: Session) -> None:
        """Empty the index (before a full rebuild) and apply the index settings."""

    def compact(self, session: Session) -> None:
        """After a full rebuild: let the engine tidy its index for reading (may do nothing)."""

    def warm(self, session: Session) -> None:
        """Read into memory now what answers need (may do nothing), so that the first search
        after a start does not wait for it."""
