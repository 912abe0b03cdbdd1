"""Search tables. The outbox is the only way changes reach an index; search_doc/search_term/
search_state hold the database engines' index (SQLite FTS5 adds the virtual table
search_fts, made by migration 0003; PostgreSQL the narrow table search_tsv, made by 0022)."""

from __future__ import annotations

from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import JSON, BigInteger, Boolean, Column, Index, Integer, String, Table, Text

from app.db.base import metadata

ID = BigInteger().with_variant(Integer(), "sqlite")

search_outbox = Table(
    "search_outbox", metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("doc_type", String(20), nullable=False),
    Column("pk", ID, nullable=False),
    Column("enqueued_at", DateTimeUTC(timezone=True), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("last_error", Text, nullable=True),
)

search_doc = Table(
    "search_doc", metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("doc_id", String(40), nullable=False, unique=True),
    Column("doc_type", String(20), nullable=False),
    Column("pk", ID, nullable=False),
    Column("slug", String(120), nullable=False),
    Column("title", String(300), nullable=False),
    Column("body", Text, nullable=False),
    Column("url", String(200), nullable=False),
    Column("facets", JSON, nullable=False),
    Column("sort_name", String(300), nullable=False),
    Column("created_at", DateTimeUTC(timezone=True), nullable=True),
    Column("adoption", Integer, nullable=False, default=0),
    Column("deleted", Boolean, nullable=False, default=False),
    Column("gen", BigInteger, nullable=False, default=0),
    Index("ix_search_doc_gen", "gen"),
    Index("ix_search_doc_sort_name", "sort_name"),
    Index("ix_search_doc_created_at", "created_at"),
    Index("ix_search_doc_adoption", "adoption"),
)

search_term = Table(
    "search_term", metadata,
    Column("term", String(80), primary_key=True),
    Column("gen", BigInteger, nullable=False, default=0),
    Index("ix_search_term_gen", "gen"),
)

search_state = Table(
    "search_state", metadata,
    Column("key", String(20), primary_key=True),
    Column("value", BigInteger, nullable=False),
)
