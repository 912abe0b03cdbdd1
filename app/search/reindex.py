"""Full rebuild of a search backend from the database (`blaastempel reindex`)."""

from __future__ import annotations

import time
from collections.abc import Callable

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from app.search.backend import SearchBackend
from app.search.documents import all_keys, build_documents, count_all
from app.search.models import search_outbox
from app.search.outbox import take_drain_lock


def reindex(session_factory: sessionmaker[Session], backend: SearchBackend,
            progress: Callable[[int, int], None] | None = None) -> tuple[int, float]:
    """Clear the index and write every record again. Outbox rows queued before the rebuild
    started are covered by it and removed; later ones stay for the indexer."""
    start = time.perf_counter()
    with session_factory() as session, session.begin():
        last_outbox = session.scalar(select(func.max(search_outbox.c.id))) or 0
        total = count_all(session)
        backend.clear(session)
    done = 0
    with session_factory() as reader:
        for doc_type, ids in all_keys(reader):
            with session_factory() as session, session.begin():
                take_drain_lock(session)  # no drainer writes an older version meanwhile
                docs, deletes = build_documents(session, [(doc_type, i) for i in ids])
                backend.apply(session, docs, deletes)
            done += len(ids)
            if progress:
                progress(done, total)
    with session_factory() as session, session.begin():
        session.execute(delete(search_outbox).where(search_outbox.c.id <= last_outbox))
    with session_factory() as session, session.begin():
        backend.compact(session)
    return done, time.perf_counter() - start
