"""Who may start a report now; the rules ReportJobs.start (app/reporting/jobs.py) applies
before anything is written:

- rate limits on starts within a window (ReportLimits in app/settings.py): per user, per
  client address, and a stricter one per address without logging in. They count the
  report_start ledger, so every worker sees the same counts;
- an anonymous request identical to one made within `anonymous_reuse` seconds gets that
  report. All anonymous visitors are one principal, so the report would be the same: a
  burst of visitors asking for the national benchmark makes it once.

Starts are serialised (a table lock on PostgreSQL; SQLite's one write lock, taken by the
first statement, a delete), so concurrent starts cannot all read the same count and pass.
"""

from __future__ import annotations

import hashlib
import json
import math
from datetime import UTC, datetime, timedelta
from typing import cast

from sqlalchemy import ColumnElement, String, and_, delete, insert, select, text
from sqlalchemy.orm import Session

from app.core.principal import Principal
from app.errors import RateLimited
from app.messages import Message
from app.reporting.models import report_start
from app.reporting.services import ReportRequest
from app.settings import ReportLimits

ADDRESS_LENGTH = cast(String, report_start.c.address.type).length or 64


def request_key(req: ReportRequest) -> str:
    return hashlib.sha256(json.dumps(req.as_dict(), sort_keys=True).encode()).hexdigest()


def serialise_starts(session: Session, limits: ReportLimits) -> None:
    """Wait for the other starts to commit, and forget the starts no rule reads any more."""
    if session.get_bind().dialect.name == "postgresql":
        # Conflicts with itself (and with inserts), not with reads of the ledger.
        session.execute(text("LOCK TABLE report_start IN SHARE ROW EXCLUSIVE MODE"))
    # On SQLite this first statement of the transaction takes the write lock until commit.
    keep = timedelta(seconds=max(limits.window, limits.anonymous_reuse))
    session.execute(delete(report_start).where(report_start.c.created_at < datetime.now(UTC) - keep))


def recent_anonymous(session: Session, req: ReportRequest, limits: ReportLimits, now: datetime) -> list[str]:
    """Jobs of the same anonymous request within the reuse time, newest first."""
    if limits.anonymous_reuse <= 0:
        return []
    return list(session.scalars(
        select(report_start.c.job_id)
        .where(report_start.c.owner_id.is_(None), report_start.c.request_key == request_key(req),
               report_start.c.created_at >= now - timedelta(seconds=limits.anonymous_reuse))
        .order_by(report_start.c.created_at.desc())))


def check_rates(session: Session, limits: ReportLimits, principal: Principal, address: str,
                now: datetime) -> None:
    """RateLimited, with the seconds until a start leaves the window, once a limit is reached."""
    window = limits.window
    by_address = report_start.c.address == address[:ADDRESS_LENGTH]
    if principal.is_authenticated:
        wait = _wait(session, report_start.c.owner_id == principal.id, limits.per_user, window, now)
        if wait:
            raise RateLimited(Message("you have started {limit} reports within {window} seconds; try again in "
                                      "{seconds} seconds", limit=limits.per_user, window=window, seconds=wait), wait)
    else:
        wait = _wait(session, and_(by_address, report_start.c.owner_id.is_(None)), limits.anonymous_per_address,
                     window, now)
        if wait:
            raise RateLimited(Message("without logging in, {limit} reports may be started from one address within "
                                      "{window} seconds; log in, or try again in {seconds} seconds",
                                      limit=limits.anonymous_per_address, window=window, seconds=wait), wait)
    wait = _wait(session, by_address, limits.per_address, window, now)
    if wait:
        raise RateLimited(Message("{limit} reports have been started from your address within {window} seconds; "
                                  "try again in {seconds} seconds", limit=limits.per_address, window=window,
                                  seconds=wait), wait)


def _wait(session: Session, whose: ColumnElement[bool], limit: int, window: int, now: datetime) -> int | None:
    """Seconds until one of `whose` starts leaves the window, when `limit` are in it (0: no limit)."""
    if limit <= 0 or window <= 0:
        return None
    stamps = list(session.scalars(select(report_start.c.created_at).where(
        whose, report_start.c.created_at > now - timedelta(seconds=window)).order_by(report_start.c.created_at)))
    if len(stamps) < limit:
        return None
    free_at = stamps[len(stamps) - limit] + timedelta(seconds=window)
    return max(1, math.ceil((free_at - now).total_seconds()))


def record_start(session: Session, job_id: str, req: ReportRequest, principal: Principal, address: str,
                 now: datetime) -> None:
    session.execute(insert(report_start).values(job_id=job_id, owner_id=principal.id,
                                                address=address[:ADDRESS_LENGTH], request_key=request_key(req),
                                                created_at=now))
