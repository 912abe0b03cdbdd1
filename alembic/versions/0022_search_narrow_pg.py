"""search: PostgreSQL's text index in a narrow table of its own

PostgreSQL: search_tsv (id, tsv, title_tsv) replaces search_doc's tsv column, so a text
match reads a small heap instead of the wide document rows, and the title's own tsvector
(the weight A lexemes, GIN-indexed) ranks a large match set by its title matches alone.
Filled from the existing index. The facet tokens go: the
facets are filtered in memory (bitmaps), and in SQL by search_doc.facets.
SQLite: the two columns it never used are dropped.

Revision ID: 0022
Revises: 0021
"""
import hashlib
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from alembic import op

revision: str = "0022"
down_revision: str | None = '0021'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE TABLE search_tsv (id bigint PRIMARY KEY, tsv tsvector NOT NULL, "
                   "title_tsv tsvector NOT NULL)")
        op.execute("INSERT INTO search_tsv (id, tsv, title_tsv) SELECT id, tsv, ts_filter(tsv, '{a}') "
                   "FROM search_doc WHERE tsv IS NOT NULL AND NOT deleted")
        op.execute("CREATE INDEX ix_search_tsv_tsv ON search_tsv USING gin (tsv)")
        op.execute("CREATE INDEX ix_search_tsv_title_tsv ON search_tsv USING gin (title_tsv)")
        op.execute("DROP INDEX ix_search_doc_tsv")
        op.execute("DROP INDEX ix_search_doc_facet_tokens")
    op.drop_column("search_doc", "tsv")
    op.drop_column("search_doc", "facet_tokens")


def downgrade() -> None:
    op.add_column("search_doc", sa.Column("tsv", postgresql.TSVECTOR().with_variant(sa.Text(), "sqlite"),
                                          nullable=True))
    op.add_column("search_doc", sa.Column("facet_tokens", postgresql.ARRAY(sa.Text()).with_variant(sa.JSON(), "sqlite"),
                                          nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        op.execute("UPDATE search_doc d SET tsv = t.tsv FROM search_tsv t WHERE t.id = d.id")
        _restore_facet_tokens()
        op.execute("CREATE INDEX ix_search_doc_tsv ON search_doc USING gin (tsv)")
        op.execute("CREATE INDEX ix_search_doc_facet_tokens ON search_doc USING gin (facet_tokens)")
        op.execute("DROP TABLE search_tsv")


def _restore_facet_tokens() -> None:
    """The facet tokens 0021's PostgreSQL search filters by (sqlbase.facet_token as it was then)."""
    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT id, facets FROM search_doc WHERE NOT deleted")).all()
    tokens = [{"id": rid, "tokens": ["zf" + hashlib.sha1(f"{f}={v}".encode()).hexdigest()[:14]
                                     for f, values in (facets or {}).items() for v in values]}
              for rid, facets in rows]
    if tokens:
        conn.execute(sa.text("UPDATE search_doc SET facet_tokens = CAST(:tokens AS text[]) WHERE id = :id"), tokens)
