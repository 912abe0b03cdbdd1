"""The ledger of report starts: which job, who (user or anonymous, client address), what
(a digest of the request) and when. The rate limits count it and anonymous visitors reuse a
recent identical report through it; being in the database, it is the same for every worker.
Rows older than the longest window are deleted as new reports start."""

from __future__ import annotations

from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import BigInteger, Column, Index, Integer, String, Table

from app.db.base import metadata

report_start = Table(
    "report_start", metadata,
    Column("job_id", String(32), primary_key=True),
    # No foreign key: a ledger row must never turn into an anonymous one (SET NULL) or stop
    # a user from being deleted; it lives minutes.
    Column("owner_id", BigInteger().with_variant(Integer(), "sqlite"), nullable=True),
    Column("address", String(64), nullable=False),
    Column("request_key", String(64), nullable=False),
    Column("created_at", DateTimeUTC(timezone=True), nullable=False),
    Index("ix_report_start_created_at", "created_at"),
)
