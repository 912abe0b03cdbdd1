"""SQLite FTS5: the embedded engine (the default when the database is SQLite).

FTS5 has no Danish stemmer, so we index our own: `search_fts` holds, per document, the
Snowball stems of the title and the body *token for token* (stem i belongs to word i of
the original text) plus the facet tokens. A query term is a stem prefix (`"genoptræn"*`)
restricted to the two text columns. highlight() marks the matched stems; because the
stems line up with the words, the same word positions are marked in the original text,
after escaping it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, text

from app.search.backend import Document, SearchQuery
from app.search.sqlbase import SqlBackend, facet_token
from app.search.text import group_stems, mark_tokens, marked_indices, stems_text

TEXT_COLUMNS = "{title_s body_s}"
SNIPPET_WORDS = 30


def _text_expr(stem_groups: list[list[str]], any_: bool = False) -> str:
    parts = []
    for group in stem_groups:
        alts = " OR ".join(f'"{s.replace(chr(34), "")}"*' for s in group if s)
        if alts:
            parts.append(f"({alts})")
    joiner = " OR " if any_ else " AND "
    return f"{TEXT_COLUMNS} : ({joiner.join(parts)})" if parts else ""


def _facet_expr(groups: list[list[str]]) -> str:
    return " AND ".join("(" + " OR ".join(g) + ")" for g in groups if g)


class Fts5Backend(SqlBackend):
    name = "sqlite-fts5"

    def _match_ids(self, conn: Connection, groups: list[list[str]], any_: bool = False) -> list[int]:
        expr = _text_expr(group_stems(groups), any_)
        if not expr:
            return []
        cursor = conn.exec_driver_sql("SELECT rowid FROM search_fts WHERE search_fts MATCH ?", (expr,))
        return [r[0] for r in cursor.fetchall()]

    def _hit_rows(self, conn: Connection, groups: list[list[str]], query: SearchQuery,
                  exclude: list[int]) -> list[Any]:
        """Two steps: the page of row ids (narrow rows through the sorter), then the
        documents and highlight() for just those rows."""
        text_expr = _text_expr(groups, query.match_any)
        facet_expr = _facet_expr(self.facet_where(query))
        match = " AND ".join(f"({e})" for e in (text_expr, facet_expr) if e)
        order = self.order_by(query, bool(text_expr))
        not_in = f" AND d.id NOT IN ({','.join(str(int(i)) for i in exclude)})" if exclude else ""
        params: dict[str, Any] = {"limit": query.limit, "offset": query.offset}
        if match:
            params["match"] = match
            if order.startswith("score") and not exclude:
                sql = ("SELECT rowid AS id FROM search_fts WHERE search_fts MATCH :match "
                       "ORDER BY bm25(search_fts, 10.0, 2.0, 0.0), rowid LIMIT :limit OFFSET :offset")
            else:
                score = "bm25(search_fts, 10.0, 2.0, 0.0) AS score, " if text_expr else ""
                sql = (f"SELECT {score}d.id FROM search_fts JOIN search_doc d ON d.id = search_fts.rowid "
                       f"WHERE search_fts MATCH :match AND d.deleted = 0{not_in} "
                       f"ORDER BY {order} LIMIT :limit OFFSET :offset")
        else:
            sql = (f"SELECT d.id FROM search_doc d WHERE d.deleted = 0{not_in} "
                   f"ORDER BY {order} LIMIT :limit OFFSET :offset")
        ids = [r[0] for r in conn.execute(text(sql), params)]
        if not ids:
            return []
        id_list = ",".join(str(int(i)) for i in ids)
        docs = {r["id"]: dict(r) for r in conn.execute(text(
            "SELECT id, doc_type, pk, slug, title, body, url, facets, adoption FROM search_doc "
            f"WHERE id IN ({id_list})")).mappings()}
        marks: dict[int, tuple[str, str]] = {}
        if text_expr:
            for r in conn.exec_driver_sql(
                    "SELECT rowid, highlight(search_fts, 0, char(2), char(3)), "
                    "highlight(search_fts, 1, char(2), char(3)) FROM search_fts "
                    f"WHERE search_fts MATCH ? AND rowid IN ({id_list})", (text_expr,)):
                marks[r[0]] = (r[1], r[2])
        out = []
        for rid in ids:
            if rid in docs:
                title_m, body_m = marks.get(rid, (None, None))
                out.append(_Row({**docs[rid], "title_m": title_m, "body_m": body_m, "score": None}))
        return out

    def _render(self, row: Any, groups: list[list[str]]) -> tuple[str, str]:
        title = mark_tokens(row.title, marked_indices(row.title_m or ""))
        snippet = mark_tokens(row.body, marked_indices(row.body_m or ""), window=SNIPPET_WORDS)
        return title, snippet

    def _write_index(self, conn: Connection, rows: list[tuple[int, Document]]) -> None:
        conn.exec_driver_sql(
            "INSERT INTO search_fts(rowid, title_s, body_s, facets) VALUES (?, ?, ?, ?)",
            [(rid, stems_text(d.title), stems_text(d.body),
              " ".join(facet_token(f, v) for f, vals in d.facets.items() for v in vals))
             for rid, d in rows])

    def _delete_index(self, conn: Connection, ids: list[int]) -> None:
        for i in range(0, len(ids), 900):
            chunk = ids[i:i + 900]
            conn.exec_driver_sql(f"DELETE FROM search_fts WHERE rowid IN ({','.join('?' * len(chunk))})",
                                 tuple(chunk))

    def _clear_index(self, conn: Connection) -> None:
        conn.exec_driver_sql("DELETE FROM search_fts")

    def _insert_terms(self, conn: Connection, rows: list[dict[str, Any]]) -> None:
        conn.exec_driver_sql("INSERT OR IGNORE INTO search_term(term, gen) VALUES (?, ?)",
                             [(r["term"], r["gen"]) for r in rows])


class _Row:
    """Attribute access over a result mapping; facets JSON decoded."""

    def __init__(self, mapping: Any) -> None:
        import json

        self.__dict__.update(dict(mapping))
        if isinstance(self.facets, str):
            self.facets = json.loads(self.facets)
