"""PostgreSQL full-text search with the built-in 'danish' configuration.

`search_doc.tsv` = title (weight A) + body (weight B) through to_tsvector('danish', …),
GIN-indexed; facet tokens sit in a GIN-indexed text[] column. A query term is a Danish
stem prefix (to_tsquery('danish', 'word:*')); ts_headline marks matches (with sentinel
characters, turned into <mark> after the text is escaped). Facet counts come from the
shared in-memory bitmaps (app/search/sqlbase.py); the vocabulary from search_term.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import numpy as np
from sqlalchemy import Connection, text
from sqlalchemy.orm import Session

from app.search.backend import Document, SearchQuery
from app.search.sqlbase import NO_IDS, SqlBackend, facet_token, in_mask, mask_from_bits
from app.search.text import MARK_END, MARK_START, marked_to_html

HEADLINE_TITLE = f"StartSel={MARK_START}, StopSel={MARK_END}, HighlightAll=true"
HEADLINE_BODY = f"StartSel={MARK_START}, StopSel={MARK_END}, MaxWords=30, MinWords=12, MaxFragments=1"
PAGE_COLUMNS = "d.id, d.doc_type, d.pk, d.slug, d.title, d.body, d.url, d.facets, d.adoption"
RANKED = "postgres:ranked"  # memo key: (tsquery, ids best first, their scores)


def tsquery(groups: list[list[str]], any_: bool = False) -> str:
    """Words are letters/digits only (text.words), so they are safe inside to_tsquery."""
    parts = []
    for group in groups:
        alts = " | ".join(f"{w}:*" for w in group if w)
        if alts:
            parts.append(f"({alts})")
    return (" | " if any_ else " & ").join(parts)


class PostgresBackend(SqlBackend):
    name = "postgresql"
    stems_in_python = False  # PostgreSQL stems the words itself ('danish')

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

    def _match_ids(self, conn: Connection, groups: list[list[str]], any_: bool, memo: dict[Any, Any]) -> Any:
        """The matching ids, ranked in the same pass (the heap is read once: reading it
        costs more than ranking), best first; the ranking is kept for the answer's pages."""
        tsq = tsquery(groups, any_)
        if not tsq:
            return NO_IDS
        # Two arrays filled in the same pass (same row order), not a Row object per match:
        # numpy over 10,000 Rows takes 300 ms.
        ids_list, scores_list = conn.execute(text(
            "SELECT array_agg(id), array_agg(ts_rank_cd(tsv, q, 1)) "
            "FROM search_doc, to_tsquery('danish', :q) q WHERE tsv @@ q"), {"q": tsq}).one()
        ids = np.array(ids_list or [], dtype=np.int64)
        scores = np.array(scores_list or [], dtype=np.float64)
        order = np.lexsort((ids, -scores))  # ORDER BY score DESC, id
        memo[RANKED] = (tsq, ids[order], scores[order])
        return ids

    def _fast_rows(self, conn: Connection, groups: list[list[str]], query: SearchQuery,
                   snap: Any, final: int, text_count: int, memo: dict[Any, Any]) -> list[Any] | None:
        """A relevance page of a text query: the first ranked ids in the final bitmap (which
        holds the facets and exclusions too). Other sorts are ordered by _hit_rows' SQL."""
        ranked = memo.get(RANKED)
        if ranked is None or query.sort != "relevance":
            return None
        tsq, ids, scores = ranked
        keep = in_mask(ids, mask_from_bits(final, snap.nbits))
        page = slice(query.offset, query.offset + query.limit)
        chosen = dict(zip(ids[keep][page].tolist(), scores[keep][page].tolist(), strict=True))
        if not chosen:
            return []
        rows = conn.execute(text(
            f"SELECT {PAGE_COLUMNS}, ts_headline('danish', d.title, q, :ht) AS title_m, "
            "ts_headline('danish', d.body, q, :hb) AS body_m FROM search_doc d, to_tsquery('danish', :q) q "
            "WHERE d.id = ANY(:ids)"), {"q": tsq, "ht": HEADLINE_TITLE, "hb": HEADLINE_BODY, "ids": list(chosen)})
        by_id = {r.id: r._asdict() for r in rows}
        return [SimpleNamespace(**by_id[i], score=score) for i, score in chosen.items() if i in by_id]

    def _hit_rows(self, conn: Connection, groups: list[list[str]], query: SearchQuery,
                  exclude: list[int]) -> list[Any]:
        tsq = tsquery(groups, query.match_any)
        params: dict[str, Any] = {"limit": query.limit, "offset": query.offset}
        where = ["NOT d.deleted"]
        if exclude:
            where.append(f"d.id NOT IN ({','.join(str(int(i)) for i in exclude)})")
        for i, tokens in enumerate(self.facet_where(query)):
            params[f"f{i}"] = tokens
            where.append(f"d.facet_tokens && CAST(:f{i} AS text[])")
        if tsq:
            params.update(q=tsq, ht=HEADLINE_TITLE, hb=HEADLINE_BODY)
            where.append("d.tsv @@ q.q")
            sql = ("WITH q AS (SELECT to_tsquery('danish', :q) AS q), page AS ("
                   f"SELECT {PAGE_COLUMNS}, d.sort_name, d.created_at, ts_rank_cd(d.tsv, q.q, 1) AS score "
                   "FROM search_doc d, q "
                   f"WHERE {' AND '.join(where)} ORDER BY {self.order_by(query, True)} "
                   "LIMIT :limit OFFSET :offset) "
                   "SELECT page.*, ts_headline('danish', page.title, q.q, :ht) AS title_m, "
                   "ts_headline('danish', page.body, q.q, :hb) AS body_m FROM page, q "
                   f"ORDER BY {self.order_by(query, True).replace('d.', 'page.')}")
        else:
            sql = (f"SELECT {PAGE_COLUMNS}, NULL AS score, NULL AS title_m, NULL AS body_m FROM search_doc d "
                   f"WHERE {' AND '.join(where)} ORDER BY {self.order_by(query, False)} "
                   "LIMIT :limit OFFSET :offset")
        return list(conn.execute(text(sql), params))

    def _render(self, row: Any, groups: list[list[str]]) -> tuple[str, str]:
        title = marked_to_html(row.title_m) if row.title_m is not None else ""
        snippet = marked_to_html(row.body_m) if row.body_m is not None else ""
        return title, snippet

    def _write_index(self, conn: Connection, rows: list[tuple[int, Document]]) -> None:
        conn.execute(text(
            "UPDATE search_doc SET tsv = setweight(to_tsvector('danish', :title), 'A') || "
            "setweight(to_tsvector('danish', :body), 'B'), facet_tokens = CAST(:tokens AS text[]) "
            "WHERE id = :id"),
            [{"id": rid, "title": d.title, "body": d.body,
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
