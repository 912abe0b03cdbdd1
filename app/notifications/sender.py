"""Delivering the outbox (`blaastempel notify send`, and the web app's background sender).

A run first skips the mail of users deactivated since it was written, then claims due
mail in small batches: one UPDATE sets a claimed row's `next_attempt_at` a lease ahead,
so no other run sees it as due, and commits before anything is sent. On PostgreSQL the
rows are picked FOR UPDATE SKIP LOCKED, so runs side by side claim different rows; SQLite
runs the UPDATE as one write under its single writer lock, so the same holds. Each result
is written in its own short transaction: sent, or a failure with exponential back-off and,
after MAX_ATTEMPTS, "failed". A run that dies between sending and recording leaves the
row claimed until the lease ends; it is then sent again (a repeat rather than a loss).

Users who chose a daily digest get their due mail as one mail from `digest_hour` on
(Danish time), at most once a day: the run that moves the user's `digest_on` to today
sends it."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from typing import Any

from jinja2 import TemplateError
from sqlalchemy import Select, exists, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from app.accounts.models import User
from app.core.clock import DANISH_TIME, danish_day
from app.db.base import table_of
from app.notifications.config import MailSettings
from app.notifications.models import Notification, NotificationSetting
from app.notifications.render import Mail, render_digest, render_mail
from app.notifications.transport import DELIVERY_ERRORS, Transport, message

log = logging.getLogger("blaastempel.notifications")
BATCH = 50
CLAIM_LEASE = timedelta(minutes=15)
FIRST_RETRY = timedelta(minutes=1)  # then 2, 4, 8 ... minutes
MAX_ATTEMPTS = 8  # about four hours of trying, then "failed"
# A mail that cannot be written (a missing template, a context without a value) is retried
# like a refused one, so it ends as "failed" with the reason for an admin to read.
RENDER_ERRORS = (TemplateError, KeyError, ValueError, TypeError)
NOTE = table_of(Notification)
SETTING = table_of(NotificationSetting)


@dataclass
class RunReport:
    sent: int = 0  # mails handed to the server (a digest counts once)
    notifications: int = 0  # notifications they carried
    retrying: int = 0
    failed: int = 0
    skipped: int = 0

    def __str__(self) -> str:
        return (f"{self.sent} mails sent ({self.notifications} notifications), {self.retrying} to retry, "
                f"{self.failed} failed, {self.skipped} skipped")


@dataclass(frozen=True)
class Sender:
    session_factory: sessionmaker[Session]
    transport: Transport
    mail: MailSettings
    base_url: str

    def run(self, now: datetime | None = None) -> RunReport:
        """Send everything due at `now` (default: the clock)."""
        now = now or datetime.now(UTC)
        report = RunReport(skipped=self._skip_deactivated())
        while claimed := self._claim(_due_one_by_one(now), now):
            self._deliver_each(claimed, now, report)
        today = danish_day(now)
        if now.astimezone(DANISH_TIME).hour >= self.mail.digest_hour:
            for user_id in self._digests_due(now, today):
                self._deliver_digest(user_id, now, today, report)
        return report

    # -- claiming ---------------------------------------------------------------------------
    def _skip_deactivated(self) -> int:
        inactive = select(User.id).where(User.is_active.is_(False))
        with self.session_factory() as session, session.begin():
            result = session.execute(update(NOTE).where(NOTE.c.status == "pending", NOTE.c.user_id.in_(inactive))
                                     .values(status="skipped", next_attempt_at=None,
                                             last_error="the user is deactivated"))
            return int(getattr(result, "rowcount", 0) or 0)

    def _claim(self, due: Select[Any], now: datetime, session: Session | None = None) -> list[int]:
        if session is None:
            with self.session_factory() as own, own.begin():
                return self._claim(due, now, own)
        if session.get_bind().dialect.name == "postgresql":
            due = due.with_for_update(skip_locked=True)
        rows = session.execute(update(NOTE).where(NOTE.c.id.in_(due.scalar_subquery()))
                               .values(next_attempt_at=now + CLAIM_LEASE).returning(NOTE.c.id))
        return sorted(rows.scalars())

    def _digests_due(self, now: datetime, today: date) -> Sequence[int]:
        with self.session_factory() as session:
            return session.scalars(
                select(SETTING.c.user_id).where(
                    SETTING.c.delivery == "daily",
                    or_(SETTING.c.digest_on.is_(None), SETTING.c.digest_on < today),
                    exists(_due(now).where(NOTE.c.user_id == SETTING.c.user_id)))
                .order_by(SETTING.c.user_id)).all()

    def _claim_digest(self, user_id: int, now: datetime, today: date) -> list[int]:
        """The user's due mail, if this run is the one to send today's digest."""
        with self.session_factory() as session, session.begin():
            won = session.execute(update(SETTING).where(
                SETTING.c.user_id == user_id, or_(SETTING.c.digest_on.is_(None), SETTING.c.digest_on < today))
                .values(digest_on=today))
            if not getattr(won, "rowcount", 0):
                return []
            claimed = self._claim(_due(now).where(NOTE.c.user_id == user_id), now, session)
            if not claimed:
                session.rollback()
            return claimed

    # -- delivering -------------------------------------------------------------------------
    def _deliver_each(self, ids: list[int], now: datetime, report: RunReport) -> None:
        with self.session_factory() as session:
            notes = session.scalars(select(Notification).where(Notification.id.in_(ids))
                                    .order_by(Notification.id)).all()
            mails = {note.id: self._render(note) for note in notes}
            attempts = {note.id: note.attempts for note in notes}
        done: set[int] = set()
        try:
            with self.transport.session() as post:
                for note_id, mail in mails.items():
                    error = mail if isinstance(mail, str) else _post(post, message(
                        mail, self.mail.mail_from, f"n{note_id}"))
                    self._record([note_id], attempts[note_id], now, error, report)
                    done.add(note_id)
        except DELIVERY_ERRORS as exc:  # the server is down, refused the login or TLS
            rest = [note_id for note_id in mails if note_id not in done]
            for note_id in rest:
                self._record([note_id], attempts[note_id], now, _reason(exc), report)

    def _deliver_digest(self, user_id: int, now: datetime, today: date, report: RunReport) -> None:
        ids = self._claim_digest(user_id, now, today)
        if not ids:
            return
        with self.session_factory() as session:
            notes = list(session.scalars(select(Notification).where(Notification.id.in_(ids))
                                         .order_by(Notification.id)).all())
            try:
                mail: Mail | str = render_digest(notes[0].user, notes, self.base_url)
            except RENDER_ERRORS as exc:
                mail = _reason(exc)
            attempts = max(note.attempts for note in notes)
        if isinstance(mail, str):
            error: str | None = mail
        else:
            try:
                with self.transport.session() as post:
                    error = _post(post, message(mail, self.mail.mail_from, f"d{user_id}-{today:%Y%m%d}"))
            except DELIVERY_ERRORS as exc:
                error = _reason(exc)
        self._record(ids, attempts, now, error, report)
        if error is not None:  # tried again today once the mail's back-off has passed
            with self.session_factory() as session, session.begin():
                session.execute(update(SETTING).where(SETTING.c.user_id == user_id)
                                .values(digest_on=today - timedelta(days=1)))

    def _render(self, note: Notification) -> Mail | str:
        try:
            return render_mail(note, self.base_url)
        except RENDER_ERRORS as exc:
            log.warning("notification %s (%s) could not be written: %s", note.id, note.kind, exc)
            return _reason(exc)

    def _record(self, ids: list[int], attempts: int, now: datetime, error: str | None,
                report: RunReport) -> None:
        tried = attempts + 1
        if error is None:
            values: dict[str, Any] = {"status": "sent", "sent_at": datetime.now(UTC), "next_attempt_at": None,
                                      "last_error": None}
            report.sent += 1
            report.notifications += len(ids)
        elif tried >= MAX_ATTEMPTS:
            values = {"status": "failed", "next_attempt_at": None, "last_error": str(error)}
            report.failed += len(ids)
        else:
            values = {"next_attempt_at": now + FIRST_RETRY * 2 ** attempts, "last_error": str(error)}
            report.retrying += len(ids)
        # Delivery bookkeeping, not a change to the register: written past the audit hook.
        with self.session_factory() as session, session.begin():
            session.execute(update(NOTE).where(NOTE.c.id.in_(ids)).values(attempts=tried, **values))


def _due(now: datetime) -> Select[Any]:
    return select(NOTE.c.id).where(NOTE.c.status == "pending", NOTE.c.next_attempt_at <= now)


def _due_one_by_one(now: datetime) -> Select[Any]:
    """Due mail of users without a daily digest, oldest first, one batch."""
    daily = select(SETTING.c.user_id).where(SETTING.c.delivery == "daily")
    return _due(now).where(NOTE.c.user_id.not_in(daily)).order_by(NOTE.c.id).limit(BATCH)


def _post(post: Any, msg: EmailMessage) -> str | None:
    """None when the server took the mail, else why not (the connection stays usable)."""
    try:
        post(msg)
    except DELIVERY_ERRORS as exc:
        return _reason(exc)
    return None


def _reason(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:1000]
