"""search: outbox, documents, vocabulary, state; FTS5 table (SQLite) or tsvector (PostgreSQL)

Revision ID: 0003
Revises: 0002
"""
from collections.abc import Sequence

import advanced_alchemy.types
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "search_outbox",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("doc_type", sa.String(length=20), nullable=False),
        sa.Column("pk", ID, nullable=False),
        sa.Column("enqueued_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_outbox")),
    )
    op.create_table(
        "search_doc",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("doc_id", sa.String(length=40), nullable=False),
        sa.Column("doc_type", sa.String(length=20), nullable=False),
        sa.Column("pk", ID, nullable=False),
        sa.Column("slug", sa.String(length=120), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("url", sa.String(length=200), nullable=False),
        sa.Column("facets", sa.JSON(), nullable=False),
        sa.Column("sort_name", sa.String(length=300), nullable=False),
        sa.Column("created_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=True),
        sa.Column("adoption", sa.Integer(), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("gen", sa.BigInteger(), nullable=False),
        sa.Column("tsv", postgresql.TSVECTOR().with_variant(sa.Text(), "sqlite"), nullable=True),
        sa.Column("facet_tokens", postgresql.ARRAY(sa.Text()).with_variant(sa.JSON(), "sqlite"), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_doc")),
        sa.UniqueConstraint("doc_id", name=op.f("uq_search_doc_doc_id")),
    )
    op.create_index("ix_search_doc_gen", "search_doc", ["gen"])
    op.create_index("ix_search_doc_sort_name", "search_doc", ["sort_name"])
    op.create_index("ix_search_doc_created_at", "search_doc", ["created_at"])
    op.create_index("ix_search_doc_adoption", "search_doc", ["adoption"])
    op.create_table(
        "search_term",
        sa.Column("term", sa.String(length=80), nullable=False),
        sa.Column("gen", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("term", name=op.f("pk_search_term")),
    )
    op.create_index("ix_search_term_gen", "search_term", ["gen"])
    op.create_table(
        "search_state",
        sa.Column("key", sa.String(length=20), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_search_state")),
    )
    op.execute("INSERT INTO search_state (key, value) VALUES ('epoch', 1), ('generation', 1)")

    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        # Our own Danish stems are indexed (FTS5 has no Danish stemmer); unicode61 without
        # diacritic folding keeps æ, ø and å distinct letters.
        op.execute("CREATE VIRTUAL TABLE search_fts USING fts5("
                   "title_s, body_s, facets, tokenize = 'unicode61 remove_diacritics 0')")
    elif dialect == "postgresql":
        op.execute("CREATE INDEX ix_search_doc_tsv ON search_doc USING gin (tsv)")
        op.execute("CREATE INDEX ix_search_doc_facet_tokens ON search_doc USING gin (facet_tokens)")
    # Nothing lost: every existing record is queued for the first indexing.
    now = "CURRENT_TIMESTAMP"
    for doc_type in ("solution", "project", "need"):
        op.execute(f"INSERT INTO search_outbox (doc_type, pk, enqueued_at, attempts) "
                   f"SELECT '{doc_type}', id, {now}, 0 FROM {doc_type}")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE IF EXISTS search_fts")
    op.drop_index("ix_search_term_gen", table_name="search_term")
    op.drop_table("search_state")
    op.drop_table("search_term")
    for name in ("ix_search_doc_adoption", "ix_search_doc_created_at", "ix_search_doc_sort_name",
                 "ix_search_doc_gen"):
        op.drop_index(name, table_name="search_doc")
    op.drop_table("search_doc")
    op.drop_table("search_outbox")
