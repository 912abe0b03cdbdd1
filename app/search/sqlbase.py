"""What the two database engines (SQLite FTS5, PostgreSQL) share.

Documents live in `search_doc` (one row per record; deletes are tombstones so every
worker's facet cache can follow them). The engine's own full-text index answers the
text part of a query with the matching row ids. Facet counts are then computed in
memory, in one pass, from a per-process cache of *bitmaps*: for each facet value a
Python int whose bit i is set when row i carries the value (and, built once per cache
generation, all of a facet's values as one numpy matrix of 64-bit words). Counting all
facet values over a match set of any size is one AND and one popcount over that matrix,
about a millisecond for 130,000 records; the cost that grows with the match set is only
fetching the matching row ids. The cache follows the index through
`search_state` (epoch: bumped by a rebuild; generation: bumped by every index write):
each search reads the two numbers and loads only rows written since.

The ids a text expression matches are kept the same way when there are many of them
(MatchCache): a common word's 100,000 ids at a million records are most of its answer's
time, and a national register is asked the same common words all day. An entry is kept
current by matching only the rows written since it was read.
"""

from __future__ import annotations

import hashlib
import html
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from sqlalchemy import Connection, bindparam, delete, func, select, update
from sqlalchemy.orm import Session

from app.db.chunks import chunked
from app.metrics import cache_lookup
from app.search.backend import (
    DOC_TYPES,
    FACETS,
    FEW_RESULTS,
    Document,
    FacetCount,
    Hit,
    SearchQuery,
    SearchResult,
    facet_counts,
)
from app.search.compounds import decompounder
from app.search.models import search_doc, search_state, search_term
from app.search.text import Term, Vocabulary, analyse, loosen, mark_matches, prefixes, vocabulary_words
from app.settings import Settings

SNIPPET_WORDS = 30


def facet_token(facet: str, value: str) -> str:
    """A facet value as one index token: letters and digits only, never a real word."""
    return "zf" + hashlib.sha1(f"{facet}={value}".encode()).hexdigest()[:14]


def bits_from_ids(ids: Any) -> int:
    """Row ids -> a bitmap int. Built over the ids' own span and shifted into place: a
    batch of new rows (ids close together, high up) costs its span, not the whole table."""
    arr = ids if isinstance(ids, np.ndarray) else np.fromiter(ids, dtype=np.int64)
    if arr.size == 0:
        return 0
    low = int(arr.min()) & ~7
    size = int(arr.max()) + 1 - low
    mask = np.zeros(size + (-size) % 8, dtype=bool)
    mask[arr - low] = True
    return int.from_bytes(np.packbits(mask, bitorder="little").tobytes(), "little") << low


NO_IDS = np.zeros(0, dtype=np.int64)
# Sort arrays and cached match sets are read again once more rows than this changed since
# (else the changed rows are merged in).
ORDER_REREAD_AFTER = 500
# A text expression's match set is cached from this many ids (fewer are read in a few ms).
MATCH_CACHE_MIN_IDS = 5_000


def in_mask(ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Which of `ids` are set in `mask` (a bool per id; ids past the mask's end are not)."""
    keep = ids < mask.size
    keep[keep] = mask[ids[keep]]
    return keep


def first_in_mask(in_order: np.ndarray, mask: np.ndarray, k: int) -> np.ndarray:
    """The first `k` ids of `in_order` that are set in `mask`, reading `in_order` in
    growing slices: a page of a large match set is found in the first slice."""
    found: list[np.ndarray] = []
    start, step, count = 0, max(1024, 8 * k), 0
    while count < k and start < in_order.size:
        part = in_order[start:start + step]
        part = part[in_mask(part, mask)]
        found.append(part)
        count += part.size
        start, step = start + step, step * 4
    return np.concatenate(found)[:k] if found else NO_IDS


def mask_from_bits(bits: int, nbits: int) -> np.ndarray:
    """A bitmap int -> a numpy bool array (index = row id), for membership tests."""
    nbytes = (max(nbits, bits.bit_length()) + 7) // 8
    raw = np.frombuffer(bits.to_bytes(nbytes, "little"), dtype=np.uint8)
    return np.unpackbits(raw, bitorder="little").view(bool)


@dataclass
class _Snapshot:
    epoch: int = -1
    gen: int = -1
    nbits: int = 0
    live: int = 0
    values: dict[str, dict[str, int]] = field(default_factory=dict)
    vocab: Vocabulary = field(default_factory=Vocabulary)
    # Lazily: every facet value's bitmap as a row of 64-bit words, for numpy popcounts.
    _matrix: tuple[int, dict[str, tuple[list[str], np.ndarray]]] | None = None
    _memo: tuple[int, np.ndarray] | None = None

    def counts(self, facet: str, base: int) -> list[tuple[str, int]]:
        """(value, count of rows in `base` carrying it) for the values of `facet` found in `base`."""
        if self._matrix is None:
            nwords = (self.nbits + 63) // 64
            self._matrix = (nwords, {f: (list(per), np.stack([_words(b, nwords) for b in per.values()]))
                                     for f, per in self.values.items() if per})
        nwords, rows = self._matrix
        if facet not in rows:
            return []
        names, matrix = rows[facet]
        memo = self._memo  # the same base serves every facet without a selection of its own
        if memo is not None and memo[0] is base:
            words_ = memo[1]
        else:
            words_ = _words(base, nwords)
            self._memo = (base, words_)
        found = np.bitwise_count(matrix & words_).sum(axis=1)
        present = np.flatnonzero(found)
        return list(zip([names[i] for i in present.tolist()], found[present].tolist(), strict=True))


def _words(bits: int, nwords: int) -> np.ndarray:
    raw = bits.to_bytes(max(nwords * 8, (bits.bit_length() + 7) // 8), "little")[:nwords * 8]
    return np.frombuffer(raw, dtype=np.uint64)


def read_state(conn: Connection) -> tuple[int, int]:
    # every search reads this: kept lean
    state: dict[str, int] = dict(conn.exec_driver_sql("SELECT key, value FROM search_state").all())
    return int(state.get("epoch", 0)), int(state.get("generation", 0))


def bump_generation(conn: Connection, epoch: bool = False) -> int:
    if epoch:
        conn.execute(update(search_state).where(search_state.c.key == "epoch")
                     .values(value=search_state.c.value + 1))
    conn.execute(update(search_state).where(search_state.c.key == "generation")
                 .values(value=search_state.c.value + 1))
    return int(conn.execute(select(search_state.c.value).where(search_state.c.key == "generation")).scalar_one())


class FacetCache:
    """Per-process bitmaps of facet values and the typo vocabulary (see module docstring)."""

    def __init__(self) -> None:
        self.snap = _Snapshot()
        self._lock = threading.Lock()

    def current(self, conn: Connection) -> _Snapshot:
        epoch, gen = read_state(conn)
        snap = self.snap
        cache_lookup("search_facets", snap.epoch == epoch and snap.gen == gen)
        if snap.epoch == epoch and snap.gen == gen:
            return snap
        with self._lock:
            snap = self.snap
            if snap.epoch != epoch:
                snap = self._full(conn, epoch, gen)
            elif snap.gen != gen:
                snap = self._incremental(conn, snap, gen)
            self.snap = snap
            return snap

    def _full(self, conn: Connection, epoch: int, gen: int) -> _Snapshot:
        ids: dict[str, dict[str, list[int]]] = {}
        live: list[int] = []
        max_id = 0
        rows = conn.execute(select(search_doc.c.id, search_doc.c.facets, search_doc.c.deleted))
        for rid, facets, deleted in rows:
            max_id = max(max_id, rid)
            if deleted:
                continue
            live.append(rid)
            for facet, values in (facets or {}).items():
                per = ids.setdefault(facet, {})
                for v in values:
                    per.setdefault(v, []).append(rid)
        nbits = max_id + 1
        values = {f: {v: bits_from_ids(lst) for v, lst in per.items()} for f, per in ids.items()}
        vocab = Vocabulary()
        vocab.add(t for (t,) in conn.execute(select(search_term.c.term)))
        return _Snapshot(epoch, gen, nbits, bits_from_ids(live), values, vocab)

    def _incremental(self, conn: Connection, old: _Snapshot, gen: int) -> _Snapshot:
        """The rows written since `old`: cleared from every bitmap at once, then set where
        they now belong (a few big-int operations per facet value, whatever the batch)."""
        rows = conn.execute(select(search_doc.c.id, search_doc.c.facets, search_doc.c.deleted)
                            .where(search_doc.c.gen > old.gen)).all()
        keep = ~bits_from_ids([r[0] for r in rows])
        live: list[int] = []
        added: dict[str, dict[str, list[int]]] = {}
        for rid, facets, deleted in rows:
            if deleted:
                continue
            live.append(rid)
            for facet, vals in (facets or {}).items():
                per = added.setdefault(facet, {})
                for v in vals:
                    per.setdefault(v, []).append(rid)
        values = {f: {v: bits & keep for v, bits in per.items()} for f, per in old.values.items()}
        for facet, per in added.items():
            into = values.setdefault(facet, {})
            for v, ids in per.items():
                into[v] = into.get(v, 0) | bits_from_ids(ids)
        vocab = old.vocab
        vocab.add(t for (t,) in conn.execute(select(search_term.c.term).where(search_term.c.gen > old.gen)))
        nbits = max([old.nbits, *(r[0] + 1 for r in rows)])
        return _Snapshot(old.epoch, gen, nbits, old.live & keep | bits_from_ids(live), values, vocab)


class MatchCache:
    """Per process: key (a text expression, or a ranking) -> (epoch, generation, the row
    ids it matched or their rows), least recently used dropped first once they take more
    than `max_bytes`. The arrays are read-only: every search shares them."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._entries: OrderedDict[tuple[str, ...], tuple[int, int, np.ndarray]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: tuple[str, ...], epoch: int) -> tuple[int, np.ndarray] | None:
        """(generation, ids) as last stored for this epoch, or None."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry[0] != epoch:
                return None
            self._entries.move_to_end(key)
            return entry[1], entry[2]

    def put(self, key: tuple[str, ...], epoch: int, gen: int, rows: np.ndarray) -> None:
        if rows.nbytes > self.max_bytes:
            return
        rows.flags.writeable = False
        with self._lock:
            old = self._entries.pop(key, None)
            self._bytes += rows.nbytes - (old[2].nbytes if old else 0)
            self._entries[key] = (epoch, gen, rows)
            while self._bytes > self.max_bytes:
                _, (_, _, dropped) = self._entries.popitem(last=False)
                self._bytes -= dropped.nbytes


class SqlBackend:
    """Template for the database engines; subclasses supply the engine's SQL."""

    name = "sql"
    default_order = ""  # the empty query's order, and a large match set's past its title matches

    def __init__(self, match_cache_mb: int = Settings.match_cache_mb) -> None:
        self.cache = FacetCache()
        self.matches = MatchCache(match_cache_mb * 2**20)
        self._last_write: tuple[int, int] | None = None  # (epoch, generation) this process wrote last
        self._orders: dict[str, tuple[int, int, np.ndarray]] = {}  # order -> (epoch, gen, ids)

    # -- engine specific ------------------------------------------------------------------
    def _read_order(self, conn: Connection, order: str) -> np.ndarray:
        """Every row id in `order`."""
        raise NotImplementedError

    def _changed_since(self, conn: Connection, gen: int) -> np.ndarray:
        """The ids of rows written after generation `gen`."""
        raise NotImplementedError

    def _sorted_ids(self, conn: Connection, order: str, ids: list[int], k: int) -> list[int]:
        """The first `k` of `ids` in `order`, sorted by the database."""
        raise NotImplementedError

    def _match_ids(self, conn: Connection, terms: list[Term], any_: bool, snap: _Snapshot) -> np.ndarray:
        """Every row id the text matches (through _matching)."""
        raise NotImplementedError

    def _match_all(self, conn: Connection, expr: str) -> np.ndarray:
        """Every row id the engine's text expression matches."""
        raise NotImplementedError

    def _match_among(self, conn: Connection, expr: str, ids: np.ndarray) -> np.ndarray:
        """Those of `ids` the expression matches."""
        raise NotImplementedError

    def _rank_relaxed(self, conn: Connection, terms: list[Term], counts: np.ndarray, snap: _Snapshot,
                      memo: dict[Any, Any]) -> None:
        """Keep in `memo` the relevance order of a relaxed answer: rows matching more of the
        terms first (`counts[row id]`: how many), then by the engine's own relevance."""
        raise NotImplementedError

    def _hit_rows(self, conn: Connection, terms: list[Term], query: SearchQuery,
                  exclude: list[int]) -> list[Any]:
        raise NotImplementedError

    def _write_index(self, conn: Connection, rows: list[tuple[int, Document]]) -> None:
        raise NotImplementedError

    def _delete_index(self, conn: Connection, ids: list[int]) -> None:
        raise NotImplementedError

    def _clear_index(self, conn: Connection) -> None:
        raise NotImplementedError

    # -- shared ---------------------------------------------------------------------------
    @staticmethod
    def order_by(query: SearchQuery, has_text: bool) -> str:
        return {
            "name": "d.sort_name, d.id",
            "newest": "d.created_at DESC, d.id DESC",
            "adoption": "d.adoption DESC, d.sort_name, d.id",
        }.get(query.sort, "score, d.id" if has_text else "d.adoption DESC, d.sort_name, d.id")

    def search(self, session: Session, query: SearchQuery) -> SearchResult:
        conn = session.connection()
        snap = self.cache.current(conn)
        terms = analyse(query.q, snap.vocab)
        memo: dict[Any, Any] = {}  # what one answer's statements share (a ranking pass)
        allowed = snap.live  # live rows less the exclusions; the facet filters come on top
        exclude_ids: list[int] = []
        if query.exclude:
            exclude_ids = list(conn.scalars(select(search_doc.c.id).where(
                search_doc.c.doc_id.in_(query.exclude))))
            for rid in exclude_ids:
                allowed &= ~(1 << rid)
        chosen: dict[str, int] = {}
        for facet, vals in query.filters.items():
            per = snap.values.get(facet, {})
            bits = 0
            for v in vals:
                bits |= per.get(v, 0)
            chosen[facet] = bits
        selection = allowed
        for bits in chosen.values():
            selection &= bits
        start = time.perf_counter()
        text_bits, text_count = allowed, 0
        unmatched: list[str] = []
        relaxed = False
        if terms:
            matched = self._match_ids(conn, terms, query.match_any, snap)
            text_count = len(matched)
            text_bits = bits_from_ids(matched) & allowed
            found = (text_bits & selection).bit_count()
            if not query.match_any and found < FEW_RESULTS:
                unmatched, wider = self._relax(conn, terms, snap, allowed, selection, found, memo)
                if wider is not None:
                    terms, text_bits = wider
                    text_count, relaxed = text_bits.bit_count(), True
        engine_ms = (time.perf_counter() - start) * 1000
        final = text_bits & selection
        total = final.bit_count()
        facets: dict[str, list[FacetCount]] = {}
        if query.with_facets:
            for facet in FACETS:
                base = text_bits
                for other, bits in chosen.items():
                    if other != facet:
                        base &= bits
                facets[facet] = facet_counts(snap.counts(facet, base), query.filters.get(facet, ()))
        page_query = replace(query, match_any=True) if relaxed else query
        hits: list[Hit] = []
        if total and query.limit and query.offset < total:
            hits, ms = self._page(conn, terms, page_query, snap, final, text_count, exclude_ids, memo)
            engine_ms += ms
        by_type: dict[str, list[Hit]] = {}
        for doc_type in DOC_TYPES if query.per_type else ():
            bits = final & snap.values.get("type", {}).get(doc_type, 0)
            if bits:
                sub = replace(page_query, filters={**query.filters, "type": (doc_type,)},
                              limit=query.per_type, offset=0)
                by_type[doc_type], ms = self._page(conn, terms, sub, snap, bits, text_count, exclude_ids, memo)
                engine_ms += ms
        return SearchResult(hits=hits, total=total, facets=facets, engine_ms=engine_ms, groups=by_type,
                            unmatched_terms=unmatched, relaxed=relaxed)

    def _relax(self, conn: Connection, terms: list[Term], snap: _Snapshot, allowed: int, selection: int,
               found: int, memo: dict[Any, Any]) -> tuple[list[str], tuple[list[Term], int] | None]:
        """All the terms found fewer than FEW_RESULTS rows in the selection. Names the terms
        that found none, and tries each term that found few looser (text.loosen); then,
        when that finds more, the rows matching any of them, ranked by how many they match
        (a term's own match counts twice its looser forms').
        Returns (unmatched terms, None or (the terms the answer is marked by, text bits))."""
        in_selection = mask_from_bits(selection, snap.nbits)
        loose: list[tuple[Term, np.ndarray, int]] = []
        unmatched: list[str] = []
        for term in terms:
            ids = self._match_ids(conn, [term], False, snap)
            hits = int(in_mask(ids, in_selection).sum())
            if hits:
                loose.append((term, ids, 2))
            else:
                unmatched.append(term.text)
            if hits < FEW_RESULTS:
                loose += [(t, self._match_ids(conn, [t], False, snap), 1) for t in loosen(term, snap.vocab)]
        counts = np.zeros(len(in_selection), dtype=np.int16)
        for _, ids, weight in loose:
            counts[ids[ids < counts.size]] += weight
        counts[~mask_from_bits(allowed, snap.nbits)[:counts.size]] = 0
        any_bits = bits_from_ids(np.flatnonzero(counts))
        if (any_bits & selection).bit_count() <= found:
            return unmatched, None
        relaxed_terms = [t for t, _, _ in loose]
        self._rank_relaxed(conn, relaxed_terms, counts, snap, memo)
        return unmatched, (relaxed_terms, any_bits)

    def _page(self, conn: Connection, terms: list[Term], query: SearchQuery, snap: _Snapshot,
              final: int, text_count: int, exclude_ids: list[int], memo: dict[Any, Any]) -> tuple[list[Hit], float]:
        """The hits of `query`'s page among the rows in `final`, and the engine's time for them."""
        start = time.perf_counter()
        rows = self._fast_rows(conn, terms, query, snap, final, text_count, memo)
        if rows is None:
            rows = self._hit_rows(conn, terms, query, exclude_ids)
        engine_ms = (time.perf_counter() - start) * 1000
        marks = prefixes(terms) if terms else None
        hits = []
        for row in rows:
            title, snippet = (mark_matches(row.title, marks), mark_matches(row.body, marks, window=SNIPPET_WORDS)) \
                if marks else (html.escape(row.title), html.escape(_first_words(row.body)))
            hits.append(Hit(type=row.doc_type, id=row.pk, slug=row.slug, title=title,
                            snippet=snippet, url=row.url, adoption=row.adoption,
                            approval_status=(row.facets or {}).get("approval_status", [None])[0]
                            if row.doc_type == "solution" else None,
                            score=float(row.score) if getattr(row, "score", None) is not None else None))
        return hits, engine_ms

    def _fast_rows(self, conn: Connection, terms: list[Term], query: SearchQuery,
                   snap: _Snapshot, final: int, text_count: int, memo: dict[Any, Any]) -> list[Any] | None:
        """The page of hits chosen from the final match bitmap (the text alone matched
        `text_count` rows), or None: use _hit_rows. `memo` is shared by one answer's pages."""
        return None

    def facet_where(self, query: SearchQuery) -> list[list[str]]:
        return [[facet_token(f, v) for v in vals] for f, vals in query.filters.items()]

    # -- sorted pages -----------------------------------------------------------------------
    def _walk(self, conn: Connection, order: str, mask: np.ndarray, k: int, snap: Any) -> list[int]:
        """The first `k` ids in `order` among the ids set in `mask`."""
        if k <= 0 or not mask.any():
            return []
        in_order, changed = self._ids_in_order(conn, order, snap)
        first = first_in_mask(in_order, mask, k + changed.size)
        if not changed.size:
            return first.tolist()
        # Rows written since the array was read may have moved or be new: their order is
        # the database's to decide, together with the first k of the rows that did not change.
        unchanged_first = first[~np.isin(first, changed)][:k]
        return self._sorted_ids(conn, order, np.union1d(unchanged_first, changed[in_mask(changed, mask)]).tolist(), k)

    def _matching(self, conn: Connection, expr: str, snap: _Snapshot) -> np.ndarray:
        """The ids the engine's text expression matches, sorted (through the match cache)."""
        return self._kept(conn, ("matches", expr), snap, lambda among: self._match_all(conn, expr) if among is None
                         else self._match_among(conn, expr, among))

    def _kept(self, conn: Connection, key: tuple[str, ...], snap: _Snapshot,
             read: Callable[[np.ndarray | None], np.ndarray],
             arrange: Callable[[np.ndarray], np.ndarray] = np.sort, least: int = 0) -> np.ndarray:
        """What `read(None)` gives (ids, or rows whose first column is the id), in the
        order `arrange` puts it: from the match cache when it holds `key`, with the rows
        written since read again by themselves (`read(their ids)`); else read whole and
        kept from `least` rows (default MATCH_CACHE_MIN_IDS). Only for what a row's own
        index entry decides, never a figure of the whole index (bm25's). `key[0]` names
        what is kept, in the cache metrics (search_matches, search_rankings)."""
        cached = self.matches.get(key, snap.epoch)
        if cached is not None:
            gen, rows = cached
            if gen == snap.gen:
                cache_lookup(f"search_{key[0]}", True)
                return rows
            # Rows written after `gen`, as the database has them now (maybe later than
            # snap.gen: the entry is then newer than its label, and only re-read again).
            changed = self._changed_since(conn, gen)
            if changed.size <= ORDER_REREAD_AFTER:
                cache_lookup(f"search_{key[0]}", True)
                ids = rows if rows.ndim == 1 else rows[:, 0]
                rows = arrange(np.concatenate([rows[~np.isin(ids, changed)], read(changed)]))
                self.matches.put(key, snap.epoch, snap.gen, rows)
                return rows
        cache_lookup(f"search_{key[0]}", False)
        rows = arrange(read(None))
        if len(rows) >= (least or MATCH_CACHE_MIN_IDS):
            self.matches.put(key, snap.epoch, snap.gen, rows)
        return rows

    def warm(self, session: Session) -> None:
        """The facet bitmaps and the default order's id array: at a million documents they
        take seconds to read, which the first search after a start would otherwise wait."""
        conn = session.connection()
        self._ids_in_order(conn, self.default_order, self.cache.current(conn))

    def _ids_in_order(self, conn: Connection, order: str, snap: Any) -> tuple[np.ndarray, np.ndarray]:
        """Every id in `order` as last read (about 1 MB per 100,000 rows), and the ids written
        since then; read again after a new epoch or once more than ORDER_REREAD_AFTER changed."""
        cached = self._orders.get(order)
        if cached is not None and cached[0] == snap.epoch:
            changed = NO_IDS if cached[1] == snap.gen else self._changed_since(conn, cached[1])
            if changed.size <= ORDER_REREAD_AFTER:
                cache_lookup("search_sort", True)
                return cached[2], changed
        ids = self._read_order(conn, order)
        self._orders[order] = (snap.epoch, snap.gen, ids)
        cache_lookup("search_sort", False)
        return ids, NO_IDS

    def apply(self, session: Session, upserts: list[Document], deletes: list[str]) -> None:
        if not upserts and not deletes:
            return
        conn = session.connection()
        # The index's words so far are parts of this batch's compounds: a process that has
        # written but never searched (or not since another process wrote) must know them too.
        # Right after its own last write (a rebuild's next batch) it knows them already.
        state = read_state(conn)
        if state != self._last_write:
            self.cache.current(conn)
        gen = bump_generation(conn)
        self._last_write = (state[0], gen)
        by_doc = {d.doc_id: d for d in upserts}
        wanted = list(by_doc) + list(deletes)
        existing: dict[str, tuple[int, bool]] = {}
        for chunk in chunked(wanted):
            existing.update({r.doc_id: (r.id, r.deleted) for r in conn.execute(
                select(search_doc.c.doc_id, search_doc.c.id, search_doc.c.deleted)
                .where(search_doc.c.doc_id.in_(chunk)))})
        new_rows = [self._row(d, gen) for key, d in by_doc.items() if key not in existing]
        if new_rows:
            conn.execute(search_doc.insert(), new_rows)
            for chunk in chunked([row["doc_id"] for row in new_rows]):
                existing.update({r.doc_id: (r.id, False) for r in conn.execute(
                    select(search_doc.c.doc_id, search_doc.c.id, search_doc.c.deleted).where(
                        search_doc.c.doc_id.in_(chunk)))})
        inserted = {r["doc_id"] for r in new_rows}
        changed = [{"b_id": existing[key][0], **self._row(d, gen)} for key, d in by_doc.items()
                   if key not in inserted]
        if changed:
            stmt = update(search_doc).where(search_doc.c.id == bindparam("b_id")).values(
                {c: bindparam(c) for c in changed[0] if c not in ("b_id",)})
            conn.execute(stmt, changed)
        gone = [existing[key][0] for key in deletes if key in existing and key not in by_doc]
        if gone:
            conn.execute(update(search_doc).where(search_doc.c.id.in_(gone))
                         .values(deleted=True, facets={}, gen=gen))
        terms: set[str] = set()
        for d in upserts:
            terms |= vocabulary_words(d.title) | vocabulary_words(d.body) | vocabulary_words(d.body_en)
        terms = {t for t in terms if len(t) <= 80}
        decompounder().add(terms)  # the batch's own words are parts of its compounds
        index_rows = [(existing[key][0], d) for key, d in by_doc.items()]
        self._delete_index(conn, [rid for rid, _ in index_rows] + gone)
        if index_rows:
            self._write_index(conn, index_rows)
        if terms:
            self._insert_terms(conn, [{"term": t, "gen": gen} for t in sorted(terms)])

    def _insert_terms(self, conn: Connection, rows: list[dict[str, Any]]) -> None:
        raise NotImplementedError

    @staticmethod
    def _row(d: Document, gen: int) -> dict[str, Any]:
        return {"doc_id": d.doc_id, "doc_type": d.type, "pk": d.pk, "slug": d.slug,
                "title": d.title[:300], "body": d.body, "url": d.url, "facets": d.facets,
                "sort_name": d.sort_name[:300], "created_at": d.created_at, "adoption": d.adoption,
                "deleted": False, "gen": gen}

    def clear(self, session: Session) -> None:
        conn = session.connection()
        self._clear_index(conn)
        conn.execute(delete(search_doc))
        conn.execute(delete(search_term))
        bump_generation(conn, epoch=True)

    def count_docs(self, session: Session) -> int:
        return int(session.scalar(select(func.count()).select_from(search_doc)
                                  .where(search_doc.c.deleted.is_(False))) or 0)


def _first_words(text: str, n: int = 30) -> str:
    parts = text.split(None, n)  # splits no further than needed
    if len(parts) <= n:
        return text
    return " ".join(parts[:n]) + " …"
