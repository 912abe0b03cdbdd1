"""Build search documents from the database through the registered index definitions.

Each domain's builder reads a batch of records with a few set-based queries, so a full
rebuild of 130,000 records stays quick; other domains' facets are added per batch.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.search.backend import Document
from app.search.index import DocKey, Lookups, registry

BUILD_BATCH = 900  # ids per builder call: below SQLite's 999 bound parameters
LIST_BATCH = 1000  # ids per batch of a full rebuild


def build_documents(session: Session, keys: Iterable[DocKey]) -> tuple[list[Document], list[str]]:
    """Documents for (type, id) keys; keys whose record is gone or hidden come back as deletes."""
    by_type: dict[str, list[int]] = defaultdict(list)
    for doc_type, pk in keys:
        if doc_type in registry.documents:
            by_type[doc_type].append(pk)
    lookups = Lookups(session)
    docs: list[Document] = []
    deletes: list[str] = []
    for doc_type, ids in by_type.items():
        definition = registry.documents[doc_type]
        ids = sorted(set(ids))
        for i in range(0, len(ids), BUILD_BATCH):
            chunk = ids[i:i + BUILD_BATCH]
            entries = definition.build(session, chunk, lookups)
            added = registry.added_facets(session, doc_type, [e.pk for e in entries])
            docs.extend(definition.document(e, added[e.pk]) for e in entries)
            present = {e.pk for e in entries}
            deletes.extend(f"{doc_type}:{pk}" for pk in chunk if pk not in present)
    return docs, deletes


def all_keys(session: Session) -> Iterator[tuple[str, list[int]]]:
    """Every indexable record's id, by type, in batches (the rebuild)."""
    for doc_type, definition in registry.documents.items():
        model = definition.model
        ids = list(session.scalars(select(model.id).order_by(model.id)))
        for i in range(0, len(ids), LIST_BATCH):
            yield doc_type, ids[i:i + LIST_BATCH]


def count_all(session: Session) -> int:
    return sum(session.scalar(select(func.count()).select_from(d.model)) or 0
               for d in registry.documents.values())
