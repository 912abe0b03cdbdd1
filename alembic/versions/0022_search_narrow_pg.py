"""search: PostgreSQL's text index in a narrow table of its own

PostgreSQL: search_tsv (id, tsv, title_tsv, facet_tokens) replaces search_doc's tsv and
facet_tokens columns, so a text match reads a small heap instead of the wide document rows,
and the title's own tsvector (weights A and C, GIN-indexed) ranks a large match set by its
title matches alone. Filled from the existing index (title_tsv = the A and C lexemes of tsv).
SQLite: the two columns it never used are dropped.

Revision ID: 0022
Revises: 0021
"""
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE TABLE search_tsv (id bigint PRIMARY KEY, tsv tsvector NOT NULL, "
                   "title_tsv tsvector NOT NULL, facet_tokens text[] NOT NULL)")
        op.execute("INSERT INTO search_tsv (id, tsv, title_tsv, facet_tokens) "
                   "SELECT id, tsv, ts_filter(tsv, '{a,c}'), coalesce(facet_tokens, '{}') "
                   "FROM search_doc WHERE tsv IS NOT NULL AND NOT deleted")
        op.execute("CREATE INDEX ix_search_tsv_tsv ON search_tsv USING gin (tsv)")
        op.execute("CREATE INDEX ix_search_tsv_title_tsv ON search_tsv USING gin (title_tsv)")
        op.execute("CREATE INDEX ix_search_tsv_facet_tokens ON search_tsv USING gin (facet_tokens)")
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
        op.execute("UPDATE search_doc d SET tsv = t.tsv, facet_tokens = t.facet_tokens FROM search_tsv t "
                   "WHERE t.id = d.id")
        op.execute("CREATE INDEX ix_search_doc_tsv ON search_doc USING gin (tsv)")
        op.execute("CREATE INDEX ix_search_doc_facet_tokens ON search_doc USING gin (facet_tokens)")
        op.execute("DROP TABLE search_tsv")
