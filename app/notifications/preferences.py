"""A user's own notification choices (the "Notifikationer" page) and, for an admin, the
mail that could not be delivered. Changes go through the ORM, so the audit trail has them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.core.principal import Principal, require
from app.errors import NotFound, Unauthenticated, ValidationFailed
from app.messages import Message
from app.notifications.kinds import KINDS
from app.notifications.models import Notification, NotificationPreference, NotificationSetting

DELIVERIES = ("immediate", "daily")
LANGUAGES = ("da", "en")


@dataclass(frozen=True)
class Choices:
    enabled: frozenset[str]  # kind codes switched on
    delivery: str
    language: str


@dataclass(frozen=True)
class FailedMail:
    id: int
    email: str
    kind: str
    attempts: int
    last_error: str | None
    written_at: datetime


def own_user(session: Session, principal: Principal) -> User:
    if not principal.is_authenticated:
        raise Unauthenticated("log in to see your own page")
    user = session.get(User, principal.id)
    if user is None:
        raise NotFound("no such user")
    return user


def choices(session: Session, principal: Principal) -> Choices:
    user = own_user(session, principal)
    off = set(session.scalars(select(NotificationPreference.kind).where(
        NotificationPreference.user_id == user.id, NotificationPreference.enabled.is_(False))))
    delivery = session.scalar(select(NotificationSetting.delivery).where(NotificationSetting.user_id == user.id))
    return Choices(enabled=frozenset(KINDS) - off, delivery=delivery or "immediate", language=user.language)


def save_choices(session: Session, principal: Principal, form: Mapping[str, str | Sequence[str]]) -> Choices:
    """From the page's form: `kind` (the codes switched on, repeated), `delivery`, `language`.
    A refused value names its field and nothing is saved."""
    user = own_user(session, principal)
    raw_kinds = form.get("kind", [])
    kinds = {raw_kinds} if isinstance(raw_kinds, str) else set(raw_kinds)
    delivery, language = form.get("delivery"), form.get("language")
    errors: dict[str, str] = {}
    if kinds - KINDS.keys():
        errors["kind"] = Message("unknown kind of notification: {value}",
                                 value=", ".join(sorted(kinds - KINDS.keys())))
    if delivery not in DELIVERIES:
        errors["delivery"] = Message("choose how you want your mail: at once or as a daily summary")
    if language not in LANGUAGES:
        errors["language"] = Message("choose the language of your mail: Danish or English")
    if errors:
        raise ValidationFailed(errors)
    assert isinstance(delivery, str) and isinstance(language, str)
    _switch_kinds(session, user, kinds)
    setting = session.scalar(select(NotificationSetting).where(NotificationSetting.user_id == user.id))
    if setting is None:
        setting = NotificationSetting(user_id=user.id)
        session.add(setting)
    setting.delivery = delivery
    user.language = language
    return Choices(enabled=frozenset(kinds), delivery=delivery, language=language)


def _switch_kinds(session: Session, user: User, enabled: set[str]) -> None:
    rows = {row.kind: row for row in session.scalars(
        select(NotificationPreference).where(NotificationPreference.user_id == user.id))}
    for code in KINDS:
        row = rows.get(code)
        if row is not None:
            row.enabled = code in enabled
        elif code not in enabled:  # no row means on: only a switch turned off needs one
            session.add(NotificationPreference(user_id=user.id, kind=code, enabled=False))


def failed_mail(session: Session, principal: Principal, limit: int = 50) -> tuple[list[FailedMail], int]:
    """The latest mail given up on after its last attempt (for an admin), and how many in all."""
    require(principal, "users.manage")
    rows = session.execute(select(Notification.id, User.email, Notification.kind, Notification.attempts,
                                  Notification.last_error, Notification.created_at)
                           .join(User, User.id == Notification.user_id).where(Notification.status == "failed")
                           .order_by(Notification.id.desc()).limit(limit)).all()
    total = session.scalar(select(func.count()).select_from(Notification).where(Notification.status == "failed"))
    return [FailedMail(*row) for row in rows], total or 0
