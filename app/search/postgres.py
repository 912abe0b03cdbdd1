"""PostgreSQL full-text search over our own stems.

`search_doc.tsv` holds the same tokens SQLite FTS5 indexes (app/search/text.py), through
the 'simple' configuration so PostgreSQL keeps them as they are: the Danish stems of the
title (weight A) and of the body with the English stems of the English text (B), and the
stems of the compound tails of the title (C) and of the body (D); GIN-indexed. Facet tokens
sit in a GIN-indexed text[] column. A query word is its Danish or English stem as a prefix
('genoptræn:* | genoptræn:*'; a synonym-file phrase's words exactly: Term.matchers);
ts_rank_cd ranks with the weights below (a whole word above a compound's tail). Matches are
marked in Python, by the rule the index matched (text.mark_matches), as on FTS5. Facet
counts come from the shared in-memory bitmaps (app/search/sqlbase.py); the vocabulary from
search_term.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import numpy as np
from sqlalchemy import Connection, text
from sqlalchemy.orm import Session

from app.search.backend import Document, SearchQuery
from app.search.sqlbase import NO_IDS, SqlBackend, facet_token, in_mask, mask_from_bits
from app.search.text import Term, english_stems_text, stem, stem_en, stems_text, tails_text, topic_text

PAGE_COLUMNS = "d.id, d.doc_type, d.pk, d.slug, d.title, d.body, d.url, d.facets, d.adoption"
RANKED = "postgres:ranked"  # memo key: (ids best first, their scores)
# ts_rank_cd weights {D, C, B, A}: body tail, title tail, body (Danish and English), title;
# the proportions of FTS5's bm25 weights.
WEIGHTS = "{0.1, 0.4, 0.2, 1.0}"
RANK = f"ts_rank_cd('{WEIGHTS}', tsv, r, 1)"  # r: the query with the alternatives that only rank
TSVECTOR = ("setweight(to_tsvector('simple', :title_s), 'A') || setweight(to_tsvector('simple', :body_s), 'B') "
            "|| setweight(to_tsvector('simple', :title_p), 'C') || setweight(to_tsvector('simple', :body_p), 'D')")


def _word(word: str, prefix: bool) -> str:
    """Stems are letters and digits only (text.words), so they are safe inside to_tsquery."""
    mark = ":*" if prefix else ""
    return " | ".join(f"{s}{mark}" for s in dict.fromkeys((stem(word), stem_en(word))) if s)


def _term(term: Term, boost: bool, broader: bool) -> str:
    parts = [" & ".join(f"({_word(w, prefix)})" for w in alt)
             for alt, prefix in term.matchers(broader=broader, boost=boost) if alt]
    return " | ".join(f"({p})" for p in dict.fromkeys(parts) if p)


def tsquery(terms: list[Term], any_: bool = False, boost: bool = False, broader: bool = True) -> str:
    parts = [f"({e})" for t in terms if (e := _term(t, boost, broader))]
    return (" | " if any_ else " & ").join(parts)


class PostgresBackend(SqlBackend):
    name = "postgresql"

    def compact(self, session: Session) -> None:
        """Fresh planner statistics after a rebuild (autovacuum would get there later)."""
        session.connection().exec_driver_sql("ANALYZE search_doc")

    @staticmethod
    def order_by(query: SearchQuery, has_text: bool) -> str:
        if query.sort == "relevance" and has_text:
            return "score DESC, d.id"
        if query.sort == "newest":
            return "d.created_at DESC NULLS LAST, d.id DESC"
        return SqlBackend.order_by(query, has_text)

    def _match_ids(self, conn: Connection, terms: list[Term], any_: bool, memo: dict[Any, Any]) -> Any:
        """The matching ids, ranked in the same pass (the heap is read once: reading it
        costs more than ranking), best first; the ranking is kept for the answer's pages."""
        tsq = tsquery(terms, any_)
        if not tsq:
            return NO_IDS
        # Two arrays filled in the same pass (same row order), not a Row object per match:
        # numpy over 10,000 Rows takes 300 ms.
        # A whole word (or all of a compound's parts) ranks above a match of a compound's
        # first part alone: p is the query without those broader alternatives.
        precise = tsquery(terms, any_, boost=True, broader=False) if any(t.broader for t in terms) else tsq
        ids_list, scores_list, precise_list = conn.execute(text(
            f"SELECT array_agg(id), array_agg({RANK}), array_agg((tsv @@ p)::int) "
            "FROM search_doc, to_tsquery('simple', :q) q, to_tsquery('simple', :r) r, "
            "to_tsquery('simple', :p) p WHERE tsv @@ q"),
            {"q": tsq, "r": tsquery(terms, any_, boost=True), "p": precise}).one()
        ids = np.array(ids_list or [], dtype=np.int64)
        scores = np.array(scores_list or [], dtype=np.float64)
        order = np.lexsort((ids, -scores, -np.array(precise_list or [], dtype=np.int64)))
        memo[RANKED] = (ids[order], scores[order])
        return ids

    def _rank_relaxed(self, conn: Connection, terms: list[Term], counts: np.ndarray, snap: Any,
                      memo: dict[Any, Any]) -> None:
        """More terms matched first, then the rank over any term (one pass, as _match_ids)."""
        self._match_ids(conn, terms, True, memo)
        ids, scores = memo[RANKED]
        matched = counts[np.minimum(ids, counts.size - 1)] * (ids < counts.size)
        order = np.lexsort((ids, -scores, -matched))
        memo[RANKED] = (ids[order], scores[order])

    def _fast_rows(self, conn: Connection, terms: list[Term], query: SearchQuery,
                   snap: Any, final: int, text_count: int, memo: dict[Any, Any]) -> list[Any] | None:
        """A relevance page of a text query: the first ranked ids in the final bitmap (which
        holds the facets and exclusions too). Other sorts are ordered by _hit_rows' SQL."""
        ranked = memo.get(RANKED)
        if ranked is None or query.sort != "relevance":
            return None
        ids, scores = ranked
        keep = in_mask(ids, mask_from_bits(final, snap.nbits))
        page = slice(query.offset, query.offset + query.limit)
        chosen = dict(zip(ids[keep][page].tolist(), scores[keep][page].tolist(), strict=True))
        if not chosen:
            return []
        rows = conn.execute(text(f"SELECT {PAGE_COLUMNS} FROM search_doc d WHERE d.id = ANY(:ids)"),
                            {"ids": list(chosen)})
        by_id = {r.id: r._asdict() for r in rows}
        return [SimpleNamespace(**by_id[i], score=score) for i, score in chosen.items() if i in by_id]

    def _hit_rows(self, conn: Connection, terms: list[Term], query: SearchQuery,
                  exclude: list[int]) -> list[Any]:
        tsq = tsquery(terms, query.match_any)
        params: dict[str, Any] = {"limit": query.limit, "offset": query.offset}
        where = ["NOT d.deleted"]
        if exclude:
            where.append(f"d.id NOT IN ({','.join(str(int(i)) for i in exclude)})")
        for i, tokens in enumerate(self.facet_where(query)):
            params[f"f{i}"] = tokens
            where.append(f"d.facet_tokens && CAST(:f{i} AS text[])")
        if tsq:
            params.update(q=tsq, r=tsquery(terms, query.match_any, boost=True))
            where.append("d.tsv @@ q")
            sql = (f"SELECT {PAGE_COLUMNS}, {RANK.replace('tsv', 'd.tsv')} AS score "
                   "FROM search_doc d, to_tsquery('simple', :q) q, to_tsquery('simple', :r) r "
                   f"WHERE {' AND '.join(where)} ORDER BY {self.order_by(query, True)} "
                   "LIMIT :limit OFFSET :offset")
        else:
            sql = (f"SELECT {PAGE_COLUMNS}, NULL AS score FROM search_doc d "
                   f"WHERE {' AND '.join(where)} ORDER BY {self.order_by(query, False)} "
                   "LIMIT :limit OFFSET :offset")
        return list(conn.execute(text(sql), params))

    def _write_index(self, conn: Connection, rows: list[tuple[int, Document]]) -> None:
        conn.execute(text(
            f"UPDATE search_doc SET tsv = {TSVECTOR}, facet_tokens = CAST(:tokens AS text[]) WHERE id = :id"),
            [{"id": rid, "title_s": stems_text(d.title),
              "body_s": f"{stems_text(d.body)} {english_stems_text(d.body_en)}",
              "title_p": topic_text(d.title, d.topic), "body_p": tails_text(d.body),
              "tokens": [facet_token(f, v) for f, vals in d.facets.items() for v in vals]}
             for rid, d in rows])

    def _delete_index(self, conn: Connection, ids: list[int]) -> None:
        if ids:
            conn.execute(text("UPDATE search_doc SET tsv = NULL, facet_tokens = '{}' WHERE id = ANY(:ids)"),
                         {"ids": ids})

    def _clear_index(self, conn: Connection) -> None:
        """search_doc itself is emptied by SqlBackend.clear."""

    def _insert_terms(self, conn: Connection, rows: list[dict[str, Any]]) -> None:
        conn.execute(text("INSERT INTO search_term(term, gen) VALUES (:term, :gen) ON CONFLICT DO NOTHING"),
                     rows)
