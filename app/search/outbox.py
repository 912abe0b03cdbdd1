"""Nothing lost: the search outbox.

A session hook queues an outbox row for every change to a searchable record, and to
records that change documents (each domain's index definition names them: see
app/search/index.py), in the SAME transaction as the change: roll the change back and
the row is gone too.
After a commit the indexer drains the outbox into the engine (idempotent upserts); a
background loop catches up whatever is left (engine down, another worker's commit,
bulk loads). Nothing else writes to an index.

One drainer at a time, across threads and processes: each batch's transaction first takes
the drain lock (a PostgreSQL advisory lock; on SQLite the write lock, by writing first), and
only then reads the outbox and the records. Two drainers side by side could otherwise each
build a document from a different moment and commit them in the other order, leaving the
older version in the index with its outbox row gone. The background round that finds the
lock taken leaves the rows to the one holding it, which reads the outbox again before it
lets go. A writer's own drain after its commit waits its turn (up to AFTER_COMMIT_WAIT_S):
what a person saves is in the index when their request returns, even while a catch-up
round is running. The claim is also FOR UPDATE SKIP LOCKED on PostgreSQL.
"""

from __future__ import annotations

import logging
import math
import threading
import time
import weakref
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, delete, event, func, select, text, update
from sqlalchemy.orm import Session, UOWTransaction, sessionmaker

from app.search.backend import SearchBackend
from app.search.documents import build_documents
from app.search.index import DocKey, registry
from app.search.models import search_outbox

log = logging.getLogger("blaastempel.search")
STALE_AFTER = timedelta(seconds=5)
DATED_EVERY = 300.0  # seconds between asks for documents a passing date changed
# How long a writer's drain after its commit waits for another drainer before it leaves its
# rows to the catch-up loop: longer than a batch takes, short of holding a request long.
AFTER_COMMIT_WAIT_S = 5.0
LOCK_POLL_S = 0.02
# Asked on every search: built once, run on the connection (no ORM execution path).
_OLDEST_QUEUED = select(func.min(search_outbox.c.enqueued_at))
_KEYS = "search_outbox_keys"
_NEW = "search_outbox_new"
_DIRTY = "search_outbox_dirty"
# pg_advisory_xact_lock key of the drain ("blaastem" in ASCII): any fixed number will do.
DRAIN_LOCK_KEY = 0x626C61617374656D


@event.listens_for(Session, "before_flush")
def _collect(session: Session, _ctx: UOWTransaction, _instances: Any) -> None:
    watched = registry.watched()
    keys: set[DocKey] = session.info.setdefault(_KEYS, set())
    with session.no_autoflush:
        for obj in list(session.dirty):
            if isinstance(obj, watched) and session.is_modified(obj, include_collections=True):
                keys |= registry.keys_for(session, obj)
        for obj in list(session.deleted):
            if isinstance(obj, watched):
                keys |= registry.keys_for(session, obj)
    session.info.setdefault(_NEW, []).extend(o for o in session.new if isinstance(o, watched))


@event.listens_for(Session, "after_flush")
def _enqueue(session: Session, _ctx: UOWTransaction) -> None:
    keys: set[DocKey] = session.info.pop(_KEYS, set())
    for obj in session.info.pop(_NEW, []):
        keys |= registry.keys_for(session, obj)
    if not keys:
        return
    enqueue(session, keys)
    session.info[_DIRTY] = True


def enqueue(session: Session, keys: set[DocKey]) -> None:
    now = datetime.now(UTC)
    session.execute(search_outbox.insert(), [
        {"doc_type": t, "pk": pk, "enqueued_at": now, "attempts": 0} for t, pk in sorted(keys)])


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    if not session.info.pop(_DIRTY, False):
        return
    try:
        bind = session.get_bind()
    except Exception:
        return
    engine = bind if isinstance(bind, Engine) else getattr(bind, "engine", None)
    indexer = _INDEXERS.get(engine) if engine is not None else None
    if indexer is not None:
        indexer.drain_quietly(wait=AFTER_COMMIT_WAIT_S)


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    for key in (_KEYS, _NEW, _DIRTY):
        session.info.pop(key, None)


_INDEXERS: weakref.WeakKeyDictionary[Engine, Indexer] = weakref.WeakKeyDictionary()


class Indexer:
    """Applies the outbox to one backend. Registered per engine so commits can wake it."""

    def __init__(self, session_factory: sessionmaker[Session], backend: SearchBackend,
                 batch_size: int = 500) -> None:
        self.session_factory = session_factory
        self.backend = backend
        self.batch_size = batch_size
        self._draining = threading.Lock()  # one drainer per process; take_drain_lock for all
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._dated: set[DocKey] = set()  # dated documents already re-queued
        engine = session_factory.kw.get("bind")
        if engine is not None:
            _INDEXERS[engine] = self

    def drain(self, max_batches: int | None = None, wait: float = math.inf) -> int:
        """Apply pending outbox rows; returns how many were applied. Raises on engine errors
        (after recording them on the rows, which stay queued). Returns 0 when another thread
        or process has been draining for longer than `wait` seconds."""
        deadline = time.monotonic() + wait
        if not self._draining.acquire(timeout=-1 if math.isinf(wait) else wait):
            return 0
        try:
            return self._drain(max_batches, deadline)
        finally:
            self._draining.release()

    def _drain(self, max_batches: int | None, deadline: float) -> int:
        done = 0
        batches = 0
        while max_batches is None or batches < max_batches:
            with self.session_factory() as session, session.begin():
                if not take_drain_lock(session, deadline):
                    break
                stmt = select(search_outbox.c.id, search_outbox.c.doc_type, search_outbox.c.pk) \
                    .order_by(search_outbox.c.id).limit(self.batch_size)
                if session.get_bind().dialect.name == "postgresql":
                    stmt = stmt.with_for_update(skip_locked=True)
                rows = session.execute(stmt).all()
                if not rows:
                    break
                ids = [r.id for r in rows]
                try:
                    docs, deletes = build_documents(session, {(r.doc_type, r.pk) for r in rows})
                    self.backend.apply(session, docs, deletes)
                except Exception as exc:
                    session.rollback()
                    self._record_failure(ids, exc)
                    raise
                session.execute(delete(search_outbox).where(search_outbox.c.id.in_(ids)))
            done += len(rows)
            batches += 1
        return done

    def _record_failure(self, ids: list[int], exc: Exception) -> None:
        try:
            with self.session_factory() as session, session.begin():
                session.execute(update(search_outbox).where(search_outbox.c.id.in_(ids)).values(
                    attempts=search_outbox.c.attempts + 1, last_error=str(exc)[:1000]))
        except Exception:
            log.exception("could not record the search indexing failure")

    def drain_quietly(self, max_batches: int | None = 20, wait: float = 0.0) -> int:
        """After a commit and in the catch-up loop: never fails the caller, and waits at most
        `wait` seconds for another drainer; what is left waits for it or the next round."""
        try:
            return self.drain(max_batches, wait)
        except Exception as exc:
            log.warning("search index not updated (%s); the outbox keeps the changes", exc)
            return 0

    def requeue_dated(self) -> int:
        """Queue the documents whose facets a passing date changed (an approval past its
        end date), each once: they stay correct until a change re-queues them anyway."""
        with self.session_factory() as session, session.begin():
            keys = registry.dated_keys(session)
            new = keys - self._dated
            if new:
                enqueue(session, new)
        self._dated = keys
        return len(new)

    def _warm_quietly(self) -> None:
        try:
            with self.session_factory() as session:
                self.backend.warm(session)
        except Exception as exc:
            log.warning("search caches not read ahead (%s); the first search reads them", exc)

    def _requeue_dated_quietly(self) -> None:
        try:
            self.requeue_dated()
        except Exception as exc:
            log.warning("dated search documents not re-queued (%s)", exc)

    # -- background catch-up --------------------------------------------------------------
    def start(self, interval: float = 2.0, first_batches: int = 10) -> None:
        """Drain a first few batches now (a small backlog is indexed before the first
        request), then, in a background thread, read what searches need into memory
        (backend.warm) and keep catching up."""
        if self._thread is not None:
            return
        self._requeue_dated_quietly()
        self.drain_quietly(max_batches=first_batches)
        self._stop.clear()

        def loop() -> None:
            self._warm_quietly()
            dated_at = time.monotonic()
            while not self._stop.is_set():
                if time.monotonic() - dated_at >= DATED_EVERY:
                    self._requeue_dated_quietly()
                    dated_at = time.monotonic()
                self.drain_quietly(max_batches=None)
                self._stop.wait(interval)

        self._thread = threading.Thread(target=loop, name="search-outbox", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None


def take_drain_lock(session: Session, deadline: float = math.inf) -> bool:
    """The drain lock for the rest of `session`'s transaction; False when another drainer
    still holds it at `deadline` (time.monotonic). SQLite has no try: its write lock waits
    the busy timeout."""
    if session.get_bind().dialect.name != "postgresql":
        session.execute(text("UPDATE search_state SET value = value WHERE 0"))  # takes the write lock
        return True
    if math.isinf(deadline):
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": DRAIN_LOCK_KEY})
        return True
    while not session.scalar(text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": DRAIN_LOCK_KEY}):
        if time.monotonic() >= deadline:
            return False
        time.sleep(LOCK_POLL_S)
    return True


def pending(session: Session) -> tuple[int, datetime | None]:
    row = session.execute(select(func.count(), func.min(search_outbox.c.enqueued_at))).one()
    return int(row[0] or 0), row[1]


def is_stale(session: Session, now: datetime | None = None) -> bool:
    """True when changes have waited longer than a few seconds: search may be out of date."""
    now = now or datetime.now(UTC)
    oldest = session.connection().execute(_OLDEST_QUEUED).scalar()
    if oldest is None:
        return False
    if oldest.tzinfo is None:
        oldest = oldest.replace(tzinfo=UTC)
    return now - oldest > STALE_AFTER
