"""PostgreSQL full-text search over our own stems.

The text index is the narrow table `search_tsv` (migration 0022; the wide search_doc row
is read only for a page's hits): per document `tsv`, the same tokens SQLite FTS5 indexes
(app/search/text.py) through the 'simple' configuration so PostgreSQL keeps them as they
are: the Danish stems of the title (weight A) and of the body with the English stems of
the English text (B), and the stems of the compound tails of the title and the topic (C)
and of the body (D); and `title_tsv`, its A lexemes (the title's own words). Both are GIN-
indexed. A query word is its Danish or English stem as a prefix ('genoptræn:* |
genoptræn:*'; a synonym-file phrase's words exactly: Term.matchers); ts_rank_cd ranks with
the weights below (a whole word above a compound's tail). Matches are marked in Python, by
the rule the index matched (text.mark_matches), as on FTS5. Facets are counted and
filtered with the shared in-memory bitmaps (app/search/sqlbase.py); the vocabulary comes
from search_term.

Speed, as on FTS5 (app/search/fts5.py): one statement returns the ids of every match (the
facet bitmaps need them all), without ranking them. A relevance page of at most
EXACT_RANK_MAX matches ranks them all (one pass: ids, scores and the precise matches); of
a larger set the records with any of the words in the title are ranked (over title_tsv: a
small set), then the other matches follow in the default order. That order and the other
sorts are a per-process array of every id in the order: a page is its first ids in the
final bitmap; rows written since the array was read are ordered by PostgreSQL together
with that page (_walk). Prior art (words OR'd) is ranked in SQL (_hit_rows)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import numpy as np
from sqlalchemy import Connection, text
from sqlalchemy.orm import Session

from app.search.backend import Document, SearchQuery
from app.search.sqlbase import NO_IDS, SqlBackend, in_mask, mask_from_bits
from app.search.text import Term, english_stems_text, stem, stem_en, stems_text, tails_text, topic_text

PAGE_COLUMNS = "d.id, d.doc_type, d.pk, d.slug, d.title, d.body, d.url, d.facets, d.adoption"
RANKED = "postgres:ranked"  # memo key: (ids best first, their scores)
TITLE_RANKED = "postgres:title"  # memo key: the title matches (ids best first, their scores)
# ts_rank_cd weights {D, C, B, A}: body tail, title tail, body (Danish and English), title;
# the proportions of FTS5's bm25 weights.
WEIGHTS = "{0.1, 0.4, 0.2, 1.0}"
TSVECTOR = ("setweight(to_tsvector('simple', :title_s), 'A') || setweight(to_tsvector('simple', :body_s), 'B') "
            "|| setweight(to_tsvector('simple', :title_p), 'C') || setweight(to_tsvector('simple', :body_p), 'D')")
TEXT_INDEXES = {"ix_search_tsv_tsv": "tsv", "ix_search_tsv_title_tsv": "title_tsv"}  # as made by migration 0022
# At most this many text matches are all ranked; a larger set ranks its title matches.
EXACT_RANK_MAX = 1000
# A ranking of this many rows is kept (SqlBackend._kept): ts_rank_cd over a synonym-rich
# query costs about 20 microseconds a row (5,000 title matches: 100 ms).
RANKING_KEPT_FROM = 500
# The orders of the per-process id arrays; "adoption" is also the empty query's order and
# that of a large match set past its title matches.
ORDERS = {
    "name": "sort_name, id",
    "newest": "created_at DESC NULLS LAST, id DESC",
    "adoption": "adoption DESC, sort_name, id",
}


Atom = tuple[str, bool]  # a stem, as a prefix?


def _atoms(word: str, prefix: bool) -> list[Atom]:
    """A word's Danish and English stems. Stems are letters and digits only (text.words), so
    they are safe inside to_tsquery."""
    return [(s, prefix) for s in dict.fromkeys((stem(word), stem_en(word))) if s]


def _atoms_text(atoms: list[Atom]) -> str:
    return " | ".join(f"{s}{':*' if prefix else ''}" for s, prefix in atoms)


def _word(word: str, prefix: bool) -> str:
    return _atoms_text(_atoms(word, prefix))


def _term(term: Term, boost: bool, broader: bool) -> str:
    parts = [" & ".join(f"({_word(w, prefix)})" for w in alt)
             for alt, prefix in term.matchers(broader=broader, boost=boost) if alt]
    return " | ".join(f"({p})" for p in dict.fromkeys(parts) if p)


def tsquery(terms: list[Term], any_: bool = False, boost: bool = False, broader: bool = True) -> str:
    parts = [f"({e})" for t in terms if (e := _term(t, boost, broader))]
    return (" | " if any_ else " & ").join(parts)


def _covers(atom: Atom, other: Atom) -> bool:
    """Every lexeme `other` matches, `atom` matches too."""
    return other[0].startswith(atom[0]) if atom[1] else other == atom


def _widest(atoms: list[Atom]) -> list[Atom]:
    """The atoms no other one of them covers: their OR matches what all of them do."""
    unique = list(dict.fromkeys(atoms))
    return [a for a in unique if not any(b != a and _covers(b, a) for b in unique)]


def _filter_term(term: Term, broader: bool) -> str:
    """_term without the alternatives another one already matches ('genoptræning:*' next to
    'genoptræn:*'): the same rows for less of GIN's work, as each prefix is a walk of the
    index. Only for finding the rows: ts_rank_cd counts every alternative."""
    words = [[_widest(_atoms(w, prefix)) for w in alt]
             for alt, prefix in term.matchers(broader=broader) if alt]
    single = _widest([a for alt in words if len(alt) == 1 for a in alt[0]])
    phrases = [alt for alt in words if len(alt) > 1
               and not any(all(any(_covers(k, a) for k in single) for a in w) for w in alt)]
    parts = [_atoms_text(single)] if single else []
    parts += ["(" + " & ".join(f"({_atoms_text(w)})" for w in alt) + ")" for alt in phrases]
    return " | ".join(dict.fromkeys(parts))


def match_tsquery(terms: list[Term], any_: bool = False, broader: bool = True) -> str:
    """The rows tsquery(terms, any_, broader=broader) matches, as a cheaper query."""
    parts = [f"({e})" for t in terms if (e := _filter_term(t, broader))]
    return (" | " if any_ else " & ").join(parts)


def _ids(value: str | None) -> np.ndarray:
    """string_agg's ids parsed by numpy: no Python object per id."""
    return np.fromstring(value, dtype=np.int64, sep=" ") if value else NO_IDS


def _rank_rows(conn: Connection, column: str, q: str, r: str, p: str, among: np.ndarray | None) -> np.ndarray:
    """(id, rank over r, matches p) per row whose `column` matches q (of `among` only, when
    given). ts_rank_cd reads the row's own vector alone, so a kept ranking stays exact."""
    among_sql, params = ("", {}) if among is None else (" AND id = ANY(:among)", {"among": among.tolist()})
    # Three arrays filled in the same pass, not a Row object per match.
    ids, scores, precise = conn.execute(text(
        f"SELECT array_agg(id), array_agg(ts_rank_cd('{WEIGHTS}', {column}, r, 1)), "
        f"array_agg(({column} @@ p)::int) FROM search_tsv, to_tsquery('simple', :q) q, "
        f"to_tsquery('simple', :r) r, to_tsquery('simple', :p) p WHERE {column} @@ q{among_sql}"),
        {"q": q, "r": r, "p": p, **params}).one()
    return np.column_stack([np.array(a or [], dtype=np.float64) for a in (ids, scores, precise)])


def _best_first(rows: np.ndarray) -> np.ndarray:
    """Matches of p first, then by rank, then by id."""
    return rows[np.lexsort((rows[:, 0], -rows[:, 1], -rows[:, 2]))]


class PostgresBackend(SqlBackend):
    name = "postgresql"
    default_order = ORDERS["adoption"]

    def compact(self, session: Session) -> None:
        """After a rebuild: the text indexes built in one pass over the loaded table (clear
        dropped them: faster than keeping them up to date row by row), and fresh planner
        statistics (autovacuum would get there later)."""
        conn = session.connection()
        for name, column in TEXT_INDEXES.items():
            conn.exec_driver_sql(f"CREATE INDEX IF NOT EXISTS {name} ON search_tsv USING gin ({column})")
        conn.exec_driver_sql("ANALYZE search_doc")
        conn.exec_driver_sql("ANALYZE search_tsv")

    @staticmethod
    def order_by(query: SearchQuery, has_text: bool) -> str:
        if query.sort == "relevance" and has_text:
            return "score DESC, d.id"
        if query.sort == "newest":
            return "d.created_at DESC NULLS LAST, d.id DESC"
        return SqlBackend.order_by(query, has_text)

    def _match_ids(self, conn: Connection, terms: list[Term], any_: bool, snap: Any) -> np.ndarray:
        tsq = match_tsquery(terms, any_)
        return self._matching(conn, tsq, snap) if tsq else NO_IDS

    def _match_all(self, conn: Connection, expr: str) -> np.ndarray:
        return _ids(conn.execute(text("SELECT string_agg(id::text, ' ') FROM search_tsv "
                                      "WHERE tsv @@ to_tsquery('simple', :q)"), {"q": expr}).scalar())

    def _match_among(self, conn: Connection, expr: str, ids: np.ndarray) -> np.ndarray:
        return _ids(conn.execute(text("SELECT string_agg(id::text, ' ') FROM search_tsv "
                                      "WHERE id = ANY(:ids) AND tsv @@ to_tsquery('simple', :q)"),
                                 {"q": expr, "ids": ids.tolist()}).scalar())

    def _ranked(self, conn: Connection, snap: Any, column: str, q: str, r: str,
                p: str) -> tuple[np.ndarray, np.ndarray]:
        """The rows whose `column` matches q: their ids ranked (matches of p first, then by
        the rank over r) and their scores; a large set is kept (SqlBackend._kept)."""
        rows = self._kept(conn, ("rankings", column, q, r, p), snap,
                         lambda among: _rank_rows(conn, column, q, r, p, among), _best_first, RANKING_KEPT_FROM)
        return rows[:, 0].astype(np.int64), rows[:, 1]

    def _rank(self, conn: Connection, snap: Any, terms: list[Term], any_: bool) -> tuple[np.ndarray, np.ndarray]:
        """The matches, best first, and their scores. A whole word (or all of a compound's
        parts) ranks above a match of a compound's first part alone: p is the query without
        those broader alternatives; r adds the alternatives that only rank."""
        precise = tsquery(terms, any_, boost=True, broader=False) if any(t.broader for t in terms) \
            else tsquery(terms, any_)
        return self._ranked(conn, snap, "tsv", match_tsquery(terms, any_), tsquery(terms, any_, boost=True), precise)

    def _rank_relaxed(self, conn: Connection, terms: list[Term], counts: np.ndarray, snap: Any,
                      memo: dict[Any, Any]) -> None:
        """More terms matched first, then the rank over any term."""
        ids, scores = self._rank(conn, snap, terms, True)
        matched = counts[np.minimum(ids, counts.size - 1)] * (ids < counts.size)
        order = np.lexsort((ids, -scores, -matched))
        memo[RANKED] = (ids[order], scores[order])

    def _fast_rows(self, conn: Connection, terms: list[Term], query: SearchQuery,
                   snap: Any, final: int, text_count: int, memo: dict[Any, Any]) -> list[Any] | None:
        """The page chosen from the final bitmap (which holds the facets and exclusions too)."""
        mask = mask_from_bits(final, snap.nbits)
        need = query.offset + query.limit
        if not terms or query.sort != "relevance":
            ids = self._walk(conn, ORDERS.get(query.sort, self.default_order), mask, need, snap)
            return self._fetch_rows(conn, {i: None for i in ids[query.offset:]})
        if RANKED not in memo:
            if query.match_any:
                return None  # prior art: many words OR'd, ranked in SQL (_hit_rows)
            if text_count > EXACT_RANK_MAX:
                first = self._title_first(conn, terms, mask, need, snap, memo)
                return self._fetch_rows(conn, dict(list(first.items())[query.offset:]))
            memo[RANKED] = self._rank(conn, snap, terms, False)
        ids, scores = memo[RANKED]
        keep = in_mask(ids, mask)
        page = slice(query.offset, need)
        return self._fetch_rows(conn, dict(zip(ids[keep][page].tolist(), scores[keep][page].tolist(), strict=True)))

    def _title_first(self, conn: Connection, terms: list[Term], mask: np.ndarray, need: int, snap: Any,
                     memo: dict[Any, Any]) -> dict[int, float | None]:
        """The first `need` of a large match set (id -> score): the title matches ranked,
        then the rest in the default order."""
        if TITLE_RANKED not in memo:  # any of the words in the title; not a compound's first part alone
            titles = tsquery(terms, True, broader=False)
            memo[TITLE_RANKED] = self._ranked(conn, snap, "title_tsv", match_tsquery(terms, True, broader=False),
                                              titles, titles)
        ids, scores = memo[TITLE_RANKED]
        keep = in_mask(ids, mask)
        first: dict[int, float | None] = dict(zip(ids[keep][:need].tolist(), scores[keep][:need].tolist(),
                                                  strict=True))
        if len(first) < need:
            rest = mask.copy()
            rest[ids[ids < rest.size]] = False
            first.update(dict.fromkeys(self._walk(conn, self.default_order, rest, need - len(first), snap)))
        return first

    def _read_order(self, conn: Connection, order: str) -> np.ndarray:
        return _ids(conn.execute(text(f"SELECT string_agg(id::text, ' ' ORDER BY {order}) FROM search_doc")).scalar())

    def _changed_since(self, conn: Connection, gen: int) -> np.ndarray:
        return _ids(conn.execute(text("SELECT string_agg(id::text, ' ') FROM search_doc WHERE gen > :gen"),
                                 {"gen": gen}).scalar())

    def _sorted_ids(self, conn: Connection, order: str, ids: list[int], k: int) -> list[int]:
        return list(conn.execute(text(f"SELECT id FROM search_doc WHERE id = ANY(:ids) ORDER BY {order} LIMIT :k"),
                                 {"ids": ids, "k": k}).scalars())

    @staticmethod
    def _fetch_rows(conn: Connection, scores: dict[int, float | None]) -> list[Any]:
        """The page's rows in the order of `scores` (id -> score)."""
        if not scores:
            return []
        rows = conn.execute(text(f"SELECT {PAGE_COLUMNS} FROM search_doc d WHERE d.id = ANY(:ids)"),
                            {"ids": list(scores)})
        by_id = {r.id: r._asdict() for r in rows}
        return [SimpleNamespace(**by_id[i], score=score) for i, score in scores.items() if i in by_id]

    def _hit_rows(self, conn: Connection, terms: list[Term], query: SearchQuery,
                  exclude: list[int]) -> list[Any]:
        tsq = match_tsquery(terms, query.match_any)
        params: dict[str, Any] = {"limit": query.limit, "offset": query.offset}
        where = ["NOT d.deleted"]
        if exclude:
            where.append(f"d.id NOT IN ({','.join(str(int(i)) for i in exclude)})")
        for i, (facet, values) in enumerate(query.filters.items()):
            params.update({f"fk{i}": facet, f"fv{i}": list(values)})
            where.append(f"(d.facets::jsonb -> CAST(:fk{i} AS text)) ?| CAST(:fv{i} AS text[])")
        tables = "search_doc d JOIN search_tsv t ON t.id = d.id"
        score = "NULL"
        if tsq:
            params.update(q=tsq, r=tsquery(terms, query.match_any, boost=True))
            where.append("t.tsv @@ q")
            tables += ", to_tsquery('simple', :q) q, to_tsquery('simple', :r) r"
            score = f"ts_rank_cd('{WEIGHTS}', t.tsv, r, 1)"
        sql = (f"SELECT {PAGE_COLUMNS}, {score} AS score FROM {tables} WHERE {' AND '.join(where)} "
               f"ORDER BY {self.order_by(query, bool(tsq))} LIMIT :limit OFFSET :offset")
        return list(conn.execute(text(sql), params))

    def _write_index(self, conn: Connection, rows: list[tuple[int, Document]]) -> None:
        conn.execute(text(
            "INSERT INTO search_tsv (id, tsv, title_tsv) SELECT id, v, ts_filter(v, '{a}') "
            f"FROM (SELECT CAST(:id AS bigint) AS id, {TSVECTOR} AS v) s"),
            [{"id": rid, "title_s": stems_text(d.title),
              "body_s": f"{stems_text(d.body)} {english_stems_text(d.body_en)}",
              "title_p": topic_text(d.title, d.topic), "body_p": tails_text(d.body)}
             for rid, d in rows])

    def _delete_index(self, conn: Connection, ids: list[int]) -> None:
        if ids:
            conn.execute(text("DELETE FROM search_tsv WHERE id = ANY(:ids)"), {"ids": ids})

    def _clear_index(self, conn: Connection) -> None:
        """Before a rebuild (compact builds the text indexes again)."""
        conn.exec_driver_sql(f"DROP INDEX IF EXISTS {', '.join(TEXT_INDEXES)}")
        conn.exec_driver_sql("TRUNCATE search_tsv")

    def _insert_terms(self, conn: Connection, rows: list[dict[str, Any]]) -> None:
        conn.execute(text("INSERT INTO search_term(term, gen) VALUES (:term, :gen) ON CONFLICT DO NOTHING"),
                     rows)
