"""search linguistics: compound tails and English stems in the index; every record re-indexed

SQLite: search_fts gains the columns title_p, body_p (compound tails) and en_s (English
stems). PostgreSQL: the tsvector is now built from our own stems (same columns, new
content). Both: the index is emptied and every record queued for the indexer (or run
`blaastempel reindex`).

Revision ID: 0010
Revises: 0009
"""
from collections.abc import Sequence

from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TOKENIZE = "tokenize = 'unicode61 remove_diacritics 0'"


def _rebuild(columns: str) -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE IF EXISTS search_fts")
        op.execute(f"CREATE VIRTUAL TABLE search_fts USING fts5({columns}, {TOKENIZE})")
    op.execute("DELETE FROM search_doc")
    op.execute("DELETE FROM search_term")
    op.execute("UPDATE search_state SET value = value + 1")  # a new epoch: every cache reloads
    for doc_type in ("solution", "project", "need"):
        op.execute(f"INSERT INTO search_outbox (doc_type, pk, enqueued_at, attempts) "
                   f"SELECT '{doc_type}', id, CURRENT_TIMESTAMP, 0 FROM {doc_type}")


def upgrade() -> None:
    _rebuild("title_s, body_s, title_p, body_p, en_s, facets")


def downgrade() -> None:
    _rebuild("title_s, body_s, facets")
