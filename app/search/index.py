"""The registry of search index definitions: what the search machinery knows of the domains.

Each domain declares its part of the index in its own `search_index.py`, NetBox-style:
the document types it owns (the text fields with their weight, the facets, the builder
that reads a batch of records), facets it adds to another domain's documents, which
changes (model and attributes) re-queue which documents, display names of its
code-valued facets and the "what already exists" panels of its records. The outbox, the
indexer, the rebuild and the pages read this registry and never import a domain.

Registration is one explicit call, `app.search_indexes.register_search_indexes()`, made
where the session hooks are installed: the outbox hook cannot queue without it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, TypeVar, cast

from sqlalchemy import inspect
from sqlalchemy.orm import Session

from app.search.backend import DOC_TYPES, FACETS, Document, Hit, SearchBackend

DocKey = tuple[str, int]  # ("solution", 42): a document type and its record's id
T = TypeVar("T")


class Weight(StrEnum):
    """How much a match in a text field counts: every engine ranks title matches above
    body matches (FTS5 bm25 10:2, PostgreSQL weights A and B, Meilisearch attribute order).
    ENGLISH text counts as body text and is stemmed as English. TOPIC text (what the record
    is about: its treatment areas) is body text that also counts as much as a title's
    compound tails, so a record about the query's subject ranks above one that mentions it."""

    TITLE = "title"
    BODY = "body"
    ENGLISH = "english"
    TOPIC = "topic"


@dataclass(frozen=True)
class TextField:
    name: str
    weight: Weight


@dataclass
class Entry:
    """One record as its domain reads it for the index, before it becomes a Document."""

    pk: int
    slug: str
    text: Mapping[str, str | None]  # TextField name -> text (None or "" adds nothing)
    facets: Mapping[str, list[str]]  # every facet the document type declares
    created_at: datetime | None
    adoption: int = 0


class Lookups:
    """What one build shares across its document types and batches (organisations,
    treatment areas, ...): each loader runs once, on first use."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._loaded: dict[Callable[[Session], Any], Any] = {}

    def get(self, load: Callable[[Session], T]) -> T:
        if load not in self._loaded:
            self._loaded[load] = load(self.session)
        return cast(T, self._loaded[load])


Builder = Callable[[Session, list[int], Lookups], list[Entry]]


def _join(parts: Iterable[str | None]) -> str:
    return " ".join(p for p in parts if p)


@dataclass(frozen=True)
class DocumentType:
    """One document per record of `model` (the rebuild lists its ids). `build` reads a
    batch of ids; a record it leaves out (gone, or hidden from the public) is deleted
    from the index. The `type` facet is added here; `facets` are the builder's own."""

    name: str
    model: Any
    url: str  # "/solutions/{slug}"
    fields: tuple[TextField, ...]
    facets: tuple[str, ...]
    build: Builder

    def document(self, entry: Entry, added: Mapping[str, list[str]]) -> Document:
        """The engines' document: the text fields joined by weight, sorted by title."""
        title = _join(entry.text.get(f.name) for f in self.fields if f.weight is Weight.TITLE)
        body = _join(entry.text.get(f.name) for f in self.fields if f.weight in (Weight.BODY, Weight.TOPIC))
        topic = _join(entry.text.get(f.name) for f in self.fields if f.weight is Weight.TOPIC)
        english = _join(entry.text.get(f.name) for f in self.fields if f.weight is Weight.ENGLISH)
        facets = {"type": [self.name], **{f: entry.facets[f] for f in self.facets}, **added}
        return Document(doc_id=f"{self.name}:{entry.pk}", type=self.name, pk=entry.pk, slug=entry.slug,
                        title=title, body=body, url=self.url.format(slug=entry.slug), facets=facets,
                        sort_name=title.lower(), created_at=entry.created_at, adoption=entry.adoption,
                        body_en=english, topic=topic)


@dataclass(frozen=True)
class FacetSource:
    """Facets a domain adds to another domain's documents of `doc_type`:
    values(session, pks) -> {pk: {facet: values}}; a facet missing for a pk is empty."""

    doc_type: str
    facets: tuple[str, ...]
    values: Callable[[Session, list[int]], Mapping[int, Mapping[str, list[str]]]]


@dataclass(frozen=True)
class Trigger:
    """A new, changed or deleted `model` object re-queues the documents `keys` names.
    With `attributes`, a change re-queues only when one of them changed."""

    model: type[Any]
    keys: Callable[[Session, Any], set[DocKey]]
    attributes: tuple[str, ...] = ()

    def applies(self, obj: Any) -> bool:
        if not isinstance(obj, self.model):
            return False
        if not self.attributes:
            return True
        state = inspect(obj)
        return state.deleted or any(state.attrs[a].history.has_changes() for a in self.attributes)


@dataclass(frozen=True)
class FacetLabels:
    """Display names of code-valued facets: load(session, lang) -> {facet: {code: name}}."""

    facets: tuple[str, ...]
    load: Callable[[Session, str], Mapping[str, Mapping[str, str]]]


PriorArtFinder = Callable[[Session, SearchBackend, int], dict[str, list[Hit]] | None]


@dataclass(frozen=True)
class PriorArt:
    """"What already exists" for a record of `kind` (/search/prior-art/{kind}/{id}):
    find(session, backend, pk) -> hits by document type, None when there is no such record."""

    kind: str
    find: PriorArtFinder


@dataclass(frozen=True)
class SearchIndex:
    """One domain's part of the search index."""

    domain: str
    documents: tuple[DocumentType, ...] = ()
    facets: tuple[FacetSource, ...] = ()
    triggers: tuple[Trigger, ...] = ()
    labels: tuple[FacetLabels, ...] = ()
    prior_art: tuple[PriorArt, ...] = ()
    # Documents whose facets read differently today than when they were built (a date
    # passed): the indexer re-queues them (Indexer.requeue_dated).
    dated: tuple[Callable[[Session], set[DocKey]], ...] = ()


class NotRegistered(RuntimeError):
    """A change was flushed before any search index definition was registered."""


class Registry:
    """Every registered SearchIndex (one per domain; registering a domain again replaces it)."""

    def __init__(self) -> None:
        self._indexes: dict[str, SearchIndex] = {}
        self.documents: dict[str, DocumentType] = {}
        self._sources: tuple[FacetSource, ...] = ()
        self._triggers: tuple[Trigger, ...] = ()
        self._labels: tuple[FacetLabels, ...] = ()
        self._prior_art: dict[str, PriorArt] = {}
        self._dated: tuple[Callable[[Session], set[DocKey]], ...] = ()

    def register(self, *indexes: SearchIndex) -> None:
        merged = {**self._indexes, **{index.domain: index for index in indexes}}
        _check(merged.values())
        self._indexes = merged
        every = list(merged.values())
        self.documents = {d.name: d for i in every for d in i.documents}
        self._sources = tuple(s for i in every for s in i.facets)
        self._triggers = tuple(t for i in every for t in i.triggers)
        self._labels = tuple(s for i in every for s in i.labels)
        self._prior_art = {p.kind: p for i in every for p in i.prior_art}
        self._dated = tuple(d for i in every for d in i.dated)

    def watched(self) -> tuple[type[Any], ...]:
        """The models whose changes may re-queue documents."""
        if not self._indexes:
            raise NotRegistered("no search index definitions are registered: call "
                                "app.search_indexes.register_search_indexes() where the session "
                                "hooks are installed, or changes would never reach the search index")
        return tuple(t.model for t in self._triggers)

    def keys_for(self, session: Session, obj: Any) -> set[DocKey]:
        """The documents a new, changed or deleted object appears in."""
        keys: set[DocKey] = set()
        for trigger in self._triggers:
            if trigger.applies(obj):
                keys |= trigger.keys(session, obj)
        return keys

    def added_facets(self, session: Session, doc_type: str, pks: list[int]) -> dict[int, dict[str, list[str]]]:
        """The facets other domains add to these documents of `doc_type`."""
        added: dict[int, dict[str, list[str]]] = {pk: {} for pk in pks}
        for source in self._sources:
            if source.doc_type == doc_type and pks:
                values = source.values(session, pks)
                for pk in pks:
                    found = values.get(pk, {})
                    added[pk].update({f: found.get(f, []) for f in source.facets})
        return added

    def facet_labels(self, session: Session, lang: str) -> dict[str, dict[str, str]]:
        labels: dict[str, dict[str, str]] = {}
        for source in self._labels:
            loaded = source.load(session, lang)
            labels.update({f: dict(loaded.get(f, {})) for f in source.facets})
        return labels

    def dated_keys(self, session: Session) -> set[DocKey]:
        keys: set[DocKey] = set()
        for dated in self._dated:
            keys |= dated(session)
        return keys

    def prior_art(self, kind: str) -> PriorArt | None:
        return self._prior_art.get(kind)


def _check(indexes: Iterable[SearchIndex]) -> None:
    """Every document type and facet is one of the search vocabulary's (the API's
    parameters), each declared once; each facet of a document comes from one place."""
    documents: dict[str, DocumentType] = {}
    carried: dict[str, set[str]] = {}
    for index in indexes:
        for doc in index.documents:
            if doc.name not in DOC_TYPES or doc.name in documents:
                raise ValueError(f"{index.domain}: document type {doc.name!r} unknown or declared twice")
            documents[doc.name] = doc
        for doc_type, facets in [*((d.name, d.facets) for d in index.documents),
                                 *((s.doc_type, s.facets) for s in index.facets)]:
            have = carried.setdefault(doc_type, {"type"})
            clash = [f for f in facets if f not in FACETS or f in have]
            if doc_type not in DOC_TYPES or clash:
                raise ValueError(f"{index.domain}: facet(s) {clash} of {doc_type!r} unknown or given twice")
            have.update(facets)


registry = Registry()
