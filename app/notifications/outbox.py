"""Writing notifications. `enqueue` only adds a row to the caller's session: the mail is
sent later by `blaastempel notify send`, so an event and its notification are committed (or
rolled back) together and no request waits for a mail server."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.notifications.kinds import KINDS
from app.notifications.models import Notification, NotificationPreference

MAIL_QUEUE_STATES = ("pending", "failed")


def wants(session: Session, user: User, kind: str) -> bool:
    choice = session.scalar(select(NotificationPreference.enabled)
                            .where(NotificationPreference.user_id == user.id, NotificationPreference.kind == kind))
    return choice is not False


def enqueue(session: Session, user: User, kind: str, context: dict[str, Any],
            dedup_key: str | None = None) -> Notification | None:
    """A pending mail of `kind` to `user`, or None when the user is deactivated, has
    switched the kind off, or already has this (kind, dedup_key). `context` must be JSON."""
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    if not user.is_active or not wants(session, user, kind):
        return None
    if dedup_key is not None and session.scalar(
            select(Notification.id).where(Notification.user_id == user.id, Notification.kind == kind,
                                          Notification.dedup_key == dedup_key)) is not None:
        return None
    note = Notification(user_id=user.id, kind=kind, context=context, dedup_key=dedup_key,
                        next_attempt_at=datetime.now(UTC))
    session.add(note)
    return note


def queue_state(session: Session) -> dict[str, int]:
    """How much mail waits to go (pending) and how much was given up on (failed)."""
    found = dict(session.execute(select(Notification.status, func.count())
                                 .where(Notification.status.in_(MAIL_QUEUE_STATES))
                                 .group_by(Notification.status)).all())
    return {state: int(found.get(state, 0)) for state in MAIL_QUEUE_STATES}
