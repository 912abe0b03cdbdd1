"""SQLite FTS5: the embedded engine (the default when the database is SQLite).

FTS5 has no Danish stemmer, so we index our own: `search_fts` holds, per document, the
Snowball stems of the title and the body (title_s, body_s), the stems of their compound
words' tails (title_p, body_p: "hjemmemonitorering" -> "monitorering"), the English stems
of the English text (en_s) and the facet tokens. A query word is a Danish stem prefix
(`"genoptræn"*`) in the Danish columns or an English stem prefix in en_s; bm25 weighs a
whole word above a tail. Words are marked in Python (text.mark_matches) by the same rule.

Speed (search as you type on 130,000 records): one MATCH returns the matching row ids
(the facet bitmaps need them all); the page is then chosen from the final bitmap, never
by bm25-ranking every match. Up to EXACT_RANK_MAX text matches are bm25-ranked in one
pass (ids and scores together). Larger sets: the title matches first (bm25 over the
title column only: a few hundred rows), then the rest in index order (adoption) with an
early stop at the page. The other sorts take the first rows of the bitmap in a
per-process array of every id in that order; rows written since the array was read are
ordered by SQLite together with that page (see _walk).
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterable
from functools import lru_cache
from types import SimpleNamespace
from typing import Any

import numpy as np
from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from app.db.chunks import chunked
from app.search.backend import Document, SearchQuery, SearchResult
from app.search.sqlbase import NO_IDS, SqlBackend, facet_token, in_mask, mask_from_bits
from app.search.text import Term, english_stems_text, stem, stem_en, stems_text, tails_text, topic_text

# Danish stems of the words, of their compounds' tails, and English stems of English text.
DA_COLUMNS = "{title_s body_s title_p body_p}"
TITLE_COLUMNS = "{title_s title_p}"
# A whole word outranks a compound's tail in the same field: title 10, title tail 4,
# body and English text 2, body tail 1.
BM25 = "bm25(search_fts, 10.0, 2.0, 4.0, 1.0, 2.0, 0.0)"
# At most this many text matches: every match is bm25-ranked (one pass, ids and scores
# together). Above it the ranking is title matches first (bm25 over the title column,
# a small set), then the other matches in the default order, read with an early stop.
EXACT_RANK_MAX = 1000
# A sorted page is the first rows of the match bitmap in a per-process array of every id
# in that order (SqlBackend._walk).
ORDERS = {
    "name": "sort_name, id",
    "newest": "created_at DESC, id DESC",
    "adoption": "adoption DESC, sort_name, id",
    # The empty query, and the matches past the title matches.
    "relevance": "adoption DESC, id DESC",
}
RELAXED = "fts5:relaxed"  # memo key: a relaxed answer's ids in relevance order
INDEX_COLUMNS = "title_s, body_s, title_p, body_p, en_s, facets"  # search_fts's, as migration 0010 made it
TOKENIZE = "tokenize = 'unicode61 remove_diacritics 0'"
# A few rows matched again (SqlBackend._kept): a copy of their index entries in an in-memory
# database of the thread's own (nothing written through the request's connection), as
# asking search_fts about each rowid merges a prefix's whole doclist every time (500
# rowids: 21 s at a million records; the copy: about 10 ms).
AMONG = "search_fts_among"
_engine_ms = threading.local()
_among = threading.local()


def _among_copy() -> sqlite3.Connection:
    """This thread's in-memory database with an empty-able copy of search_fts's layout."""
    copy: sqlite3.Connection | None = getattr(_among, "copy", None)
    if copy is None:
        copy = _among.copy = sqlite3.connect(":memory:", isolation_level=None)
        copy.execute(f"CREATE VIRTUAL TABLE {AMONG} USING fts5({INDEX_COLUMNS}, {TOKENIZE})")
    return copy


def _tokens(stems: Iterable[str], prefix: bool) -> str:
    """`"s"* OR "t"*` (or exact: `"s" OR "t"`); s* is inside t* when s starts with t: OR-ing
    both only makes FTS5 merge twice."""
    unique = [s.replace(chr(34), "") for s in dict.fromkeys(stems) if s]
    if not prefix:
        return " OR ".join(f'"{s}"' for s in unique)
    kept = [s for s in unique if not any(t != s and s.startswith(t) for t in unique)]
    return " OR ".join(f'"{s}"*' for s in kept)


def _words_expr(words: list[str], prefix: bool, da_columns: str, english: bool) -> str:
    """Any of `words`: Danish stems in the Danish columns, English stems in en_s; a stem
    that is both a Danish and an English one is looked up once, in all of them."""
    da = {stem(w) for w in words}
    en = {stem_en(w) for w in words} if english else set()
    parts = []
    for stems, columns in ((da & en, da_columns[:-1] + " en_s}"), (da - en, da_columns), (en - da, "{en_s}")):
        if ors := _tokens(sorted(stems), prefix):
            parts.append(f"{columns} : ({ors})")
    return " OR ".join(parts)


def _term_expr(term: Term, da_columns: str, english: bool, broader: bool, phrases: bool, boost: bool) -> str:
    """One term: any alternative; an alternative of several words needs all of them.
    Without `phrases`, alternatives of several words other than what the user typed are
    left out (they cost the most); `boost` adds those that only raise the rank."""
    matchers = [m for i, m in enumerate(term.matchers(broader, boost)) if phrases or i == 0 or len(m[0]) == 1]
    parts = [e for prefix in (True, False)
             if (e := _words_expr([a[0] for a, p in matchers if len(a) == 1 and p == prefix],
                                  prefix, da_columns, english))]
    for alt, prefix in matchers:
        if len(alt) > 1:
            parts.append("(" + " AND ".join(f"({_words_expr([w], prefix, da_columns, english)})"
                                           for w in alt) + ")")
    return f"({' OR '.join(parts)})" if parts else ""


def _text_expr(terms: list[Term], any_: bool = False, da_columns: str = DA_COLUMNS, english: bool = True,
               broader: bool = True, phrases: bool = True, boost: bool = False) -> str:
    return _cached_expr(tuple(terms), any_, da_columns, english, broader, phrases, boost)


@lru_cache(maxsize=512)
def _cached_expr(terms: tuple[Term, ...], any_: bool, da_columns: str, english: bool, broader: bool,
                 phrases: bool, boost: bool) -> str:
    """One answer builds the same expressions several times (its pages, its title pass)."""
    exprs = [e for t in terms if (e := _term_expr(t, da_columns, english, broader, phrases, boost))]
    return (" OR " if any_ else " AND ").join(exprs)


def _facet_expr(groups: list[list[str]]) -> str:
    return " AND ".join("(" + " OR ".join(g) + ")" for g in groups if g)


def _sql(conn: Connection, sql: str, params: tuple[Any, ...] | dict[str, Any] = ()) -> list[Any]:
    """Run SQL on the DB-API connection (no Result wrapping); its time counts as engine time.
    A failure is raised as SQLAlchemy would (OperationalError for a locked or broken file),
    so it is answered as every other database failure is."""
    start = time.perf_counter()
    try:
        rows = conn.connection.driver_connection.execute(sql, params).fetchall()  # type: ignore[union-attr]
    except sqlite3.Error as exc:
        raise DBAPIError.instance(sql, params, exc, sqlite3.Error) from exc
    _engine_ms.total = getattr(_engine_ms, "total", 0.0) + (time.perf_counter() - start) * 1000
    return rows


class Fts5Backend(SqlBackend):
    name = "sqlite-fts5"
    default_order = ORDERS["relevance"]

    def _match_ids(self, conn: Connection, terms: list[Term], any_: bool, snap: Any) -> np.ndarray:
        expr = _text_expr(terms, any_)
        return self._matching(conn, expr, snap) if expr else NO_IDS

    def _match_among(self, conn: Connection, expr: str, ids: np.ndarray) -> np.ndarray:
        rows = _sql(conn, f"SELECT rowid, {INDEX_COLUMNS} FROM search_fts WHERE rowid IN "
                          "(SELECT value FROM json_each(?))", (json.dumps(ids.tolist()),))
        try:
            copy = _among_copy()
            copy.execute(f"DELETE FROM {AMONG}")
            copy.executemany(f"INSERT INTO {AMONG}(rowid, {INDEX_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
            matched = copy.execute(f"SELECT rowid FROM {AMONG} WHERE {AMONG} MATCH ?", (expr,)).fetchall()
        except sqlite3.Error as exc:
            raise DBAPIError.instance(expr, (), exc, sqlite3.Error) from exc
        return np.array(matched, dtype=np.int64).reshape(-1)

    def _rank_relaxed(self, conn: Connection, terms: list[Term], counts: np.ndarray, snap: Any,
                      memo: dict[Any, Any]) -> None:
        """More terms matched first; then bm25 over any term (a few matches), or the index
        order ORDERS["relevance"] (many: rows written since that array was read come last)."""
        candidates = np.flatnonzero(counts)
        if candidates.size <= EXACT_RANK_MAX:
            ids = self._ranked(conn, _text_expr(terms, True), counts > 0, memo)
        else:
            in_order, _ = self._ids_in_order(conn, self.default_order, snap)
            ids = in_order[in_mask(in_order, counts > 0)]
            ids = np.concatenate([ids, np.setdiff1d(candidates, ids)])
        memo[RELAXED] = ids[np.argsort(-counts[ids], kind="stable")]

    def _fast_rows(self, conn: Connection, terms: list[Term], query: SearchQuery,
                   snap: Any, final: int, text_count: int, memo: dict[Any, Any]) -> list[Any] | None:
        relaxed = memo.get(RELAXED)
        if query.match_any and relaxed is None:
            return None  # prior art: many words OR'd, ranked by bm25 (_hit_rows)
        mask = mask_from_bits(final, snap.nbits)
        need = query.offset + query.limit
        text_expr = _text_expr(terms)
        if text_expr and query.sort == "relevance":
            if relaxed is not None:
                ids = relaxed[in_mask(relaxed, mask)][query.offset:need].tolist()
            elif text_count <= EXACT_RANK_MAX:  # the same matches, ranked with the boosts too
                ranked = self._precise_first(conn, terms, self._ranked(conn, _text_expr(terms, boost=True), mask, memo))
                ids = ranked[query.offset:need].tolist()
            else:
                ids = self._title_first(conn, terms, mask, need, snap, memo)[query.offset:]
        else:
            ids = self._walk(conn, ORDERS[query.sort], mask, need, snap)[query.offset:]
        return self._fetch_rows(conn, ids)

    def _precise_first(self, conn: Connection, terms: list[Term], ranked: np.ndarray) -> np.ndarray:
        """A whole word (or all of a compound's parts) above a match of a compound's first
        part alone ("hjemmetræning": "træning i hjemmet" above "hjemmepleje")."""
        if not any(t.broader for t in terms):
            return ranked
        precise = self._match_all(conn, _text_expr(terms, broader=False, boost=True))
        return ranked[np.argsort(~np.isin(ranked, precise), kind="stable")]

    def _title_first(self, conn: Connection, terms: list[Term], mask: np.ndarray,
                     need: int, snap: Any, memo: dict[Any, Any]) -> list[int]:
        """The first `need` of a large match set: the words in the title (bm25 over the title
        column; synonym phrases left out: they cost the most), then a title's compound tails
        or the record's topic (title_p: large sets, so not bm25-ranked), then titles matching
        only a broader alternative (a compound's first part), then the rest; each after the
        first in the index order ORDERS["relevance"] with an early stop."""
        precise = _text_expr(terms, True, "{title_s}", english=False, broader=False, phrases=False)
        out = self._ranked(conn, precise, mask, memo).tolist()
        rest = mask.copy()
        rest[out] = False
        tiers = [_text_expr(terms, True, "{title_p}", english=False, broader=False, phrases=False)]
        if any(t.broader for t in terms):  # a compound's first part (a prefix of the word) is broader
            tiers.append(_text_expr(terms, True, TITLE_COLUMNS, english=False, phrases=False))
        for expr in tiers:
            if len(out) >= need:
                break
            ids = memo.get(("ids", expr))
            if ids is None:
                ids = memo[("ids", expr)] = self._matching(conn, expr, snap)
            tier = np.zeros_like(rest)
            tier[ids[ids < tier.size]] = True
            tier &= rest
            out += self._walk(conn, self.default_order, tier, need - len(out), snap)
            rest &= ~tier
        if len(out) < need:
            out += self._walk(conn, self.default_order, rest, need - len(out), snap)
        return out[:need]

    def _match_all(self, conn: Connection, expr: str) -> np.ndarray:
        # One text of ids (SQLite writes it) parsed by numpy: no Python object per match.
        rows = _sql(conn, "SELECT group_concat(rowid, ' ') FROM search_fts WHERE search_fts MATCH ?", (expr,))
        ids_text = rows[0][0] if rows else None
        return np.fromstring(ids_text, dtype=np.int64, sep=" ") if ids_text else NO_IDS

    @staticmethod
    def _ranked(conn: Connection, expr: str, mask: np.ndarray, memo: dict[Any, Any]) -> np.ndarray:
        """Ids matching `expr` and in `mask`, best bm25 first (ties: row id). The ranking
        pass is kept in `memo` for the answer's other pages (one per document type)."""
        ranked = memo.get(("bm25", expr))
        if ranked is None:
            rows = _sql(conn, f"SELECT rowid, {BM25} FROM search_fts WHERE search_fts MATCH ?", (expr,))
            arr = np.array(rows, dtype=np.float64).reshape(-1, 2)
            ids, scores = arr[:, 0].astype(np.int64), arr[:, 1]
            ranked = memo[("bm25", expr)] = ids[np.lexsort((ids, scores))]
        return ranked[in_mask(ranked, mask)]

    def _read_order(self, conn: Connection, order: str) -> np.ndarray:
        # group_concat keeps the subquery's order: SQLite does not flatten an ordered
        # subquery into an aggregate (tests/search compare it with a plain ORDER BY).
        rows = _sql(conn, f"SELECT group_concat(id, ' ') FROM (SELECT id FROM search_doc ORDER BY {order})")
        text_ids = rows[0][0] if rows else None
        return np.fromstring(text_ids, dtype=np.int64, sep=" ") if text_ids else NO_IDS

    def _sorted_ids(self, conn: Connection, order: str, ids: list[int], k: int) -> list[int]:
        rows = _sql(conn, f"SELECT id FROM search_doc WHERE id IN (SELECT value FROM json_each(?)) "
                          f"ORDER BY {order} LIMIT ?", (json.dumps(ids), k))
        return [r[0] for r in rows]

    def _changed_since(self, conn: Connection, gen: int) -> np.ndarray:
        rows = _sql(conn, "SELECT id FROM search_doc WHERE gen > ?", (gen,))
        return np.array(rows, dtype=np.int64).reshape(-1)

    @staticmethod
    def _fetch_rows(conn: Connection, ids: list[int]) -> list[Any]:
        if not ids:
            return []
        cols = ("id", "doc_type", "pk", "slug", "title", "body", "url", "facets", "adoption")
        docs = {r[0]: dict(zip(cols, r, strict=True)) for r in _sql(
            conn, f"SELECT {', '.join(cols)} FROM search_doc WHERE id IN ({','.join('?' * len(ids))})",
            tuple(ids))}
        return [_stored_doc(docs[i]) for i in ids if i in docs]

    def _hit_rows(self, conn: Connection, terms: list[Term], query: SearchQuery,
                  exclude: list[int]) -> list[Any]:
        """General path (prior art: OR'd words, exclusions): the page of row ids by SQL."""
        text_expr = _text_expr(terms, query.match_any)
        facet_expr = _facet_expr(self.facet_where(query))
        match = " AND ".join(f"({e})" for e in (text_expr, facet_expr) if e)
        order = self.order_by(query, bool(text_expr))
        not_in = f" AND d.id NOT IN ({','.join(str(int(i)) for i in exclude)})" if exclude else ""
        params: dict[str, Any] = {"limit": query.limit, "offset": query.offset}
        if match:
            params["match"] = match
            if order.startswith("score") and not exclude:
                sql = ("SELECT rowid AS id FROM search_fts WHERE search_fts MATCH :match "
                       f"ORDER BY {BM25}, rowid LIMIT :limit OFFSET :offset")
            else:
                score = f"{BM25} AS score, " if text_expr else ""
                sql = (f"SELECT {score}d.id FROM search_fts JOIN search_doc d ON d.id = search_fts.rowid "
                       f"WHERE search_fts MATCH :match AND d.deleted = 0{not_in} "
                       f"ORDER BY {order} LIMIT :limit OFFSET :offset")
        else:
            sql = (f"SELECT d.id FROM search_doc d WHERE d.deleted = 0{not_in} "
                   f"ORDER BY {order} LIMIT :limit OFFSET :offset")
        ids = [r[0] for r in _sql(conn, sql, params)]
        return self._fetch_rows(conn, ids)

    def search(self, session: Session, query: SearchQuery) -> SearchResult:
        """The answer, with `engine_ms` the time of its SQL statements alone (_sql)."""
        _engine_ms.total = 0.0
        result = super().search(session, query)
        result.engine_ms = float(_engine_ms.total)
        return result

    def compact(self, session: Session) -> None:
        """Merge the index's segments into one: a rebuild leaves many (inserts in batches),
        and every text match reads each of them (2.5 s for 130,000 records, halves the index)."""
        session.connection().exec_driver_sql("INSERT INTO search_fts(search_fts) VALUES ('optimize')")

    def _write_index(self, conn: Connection, rows: list[tuple[int, Document]]) -> None:
        conn.exec_driver_sql(
            f"INSERT INTO search_fts(rowid, {INDEX_COLUMNS}) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(rid, stems_text(d.title), stems_text(d.body), topic_text(d.title, d.topic), tails_text(d.body),
              english_stems_text(d.body_en),
              " ".join(facet_token(f, v) for f, vals in d.facets.items() for v in vals))
             for rid, d in rows])

    def _delete_index(self, conn: Connection, ids: list[int]) -> None:
        for chunk in chunked(ids):
            conn.exec_driver_sql(f"DELETE FROM search_fts WHERE rowid IN ({','.join('?' * len(chunk))})",
                                 tuple(chunk))

    def _clear_index(self, conn: Connection) -> None:
        conn.exec_driver_sql("DELETE FROM search_fts")

    def _insert_terms(self, conn: Connection, rows: list[dict[str, Any]]) -> None:
        conn.exec_driver_sql("INSERT OR IGNORE INTO search_term(term, gen) VALUES (?, ?)",
                             [(r["term"], r["gen"]) for r in rows])


def _stored_doc(values: dict[str, Any]) -> SimpleNamespace:
    """Attribute access over a stored search document; facets JSON decoded."""
    if isinstance(values["facets"], str):
        values["facets"] = json.loads(values["facets"])
    return SimpleNamespace(**values, score=None)
