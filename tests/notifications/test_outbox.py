"""The outbox: a notification is a row in the event's own transaction, written only for an
active user who has the kind switched on, once per dedup key, and rendered in the user's
language."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.accounts.services import create_user
from app.notifications.models import Notification, NotificationPreference
from app.notifications.outbox import enqueue
from app.notifications.render import render_mail
from tests.helpers import unique

CONTEXT = {"solution_name": "SelfBack", "vendor_name": "SelfBack ApS", "applied_on": "2026-12-03",
           "path": "/approvals/selfback"}


@pytest.fixture()
def user(db: Session) -> Iterator[User]:
    with db.begin():
        person = create_user(db, email=f"{unique('n')}@example.org", name="Mette Approver", role="approver",
                             password="a long enough password 1")
    yield person
    db.rollback()
    with db.begin():
        db.execute(delete(Notification).where(Notification.user_id == person.id))
        db.execute(delete(NotificationPreference).where(NotificationPreference.user_id == person.id))


def test_a_notification_is_written_in_the_callers_transaction_and_lost_with_its_rollback(
        db: Session, user: User) -> None:
    with db.begin():
        assert enqueue(db, user, "application_received", CONTEXT) is not None
    db.begin()
    enqueue(db, user, "application_received", CONTEXT)
    db.rollback()
    assert len(db.scalars(select(Notification).where(Notification.user_id == user.id)).all()) == 1


def test_no_notification_for_a_kind_switched_off_or_a_deactivated_user(db: Session, user: User) -> None:
    with db.begin():
        db.add(NotificationPreference(user_id=user.id, kind="application_received", enabled=False))
    with db.begin():
        assert enqueue(db, user, "application_received", CONTEXT) is None
        assert enqueue(db, user, "approval_expiring", CONTEXT) is not None
        user.is_active = False
        assert enqueue(db, user, "approval_expiring", CONTEXT, dedup_key="x") is None


def test_a_dedup_key_is_written_once(db: Session, user: User) -> None:
    with db.begin():
        assert enqueue(db, user, "approval_expiring", CONTEXT, dedup_key="case-1:30") is not None
    with db.begin():
        assert enqueue(db, user, "approval_expiring", CONTEXT, dedup_key="case-1:30") is None
        assert enqueue(db, user, "approval_expiring", CONTEXT, dedup_key="case-1:7") is not None


def test_an_unknown_kind_is_a_programming_error(db: Session, user: User) -> None:
    with pytest.raises(ValueError, match="unknown notification kind"):
        enqueue(db, user, "no_such_kind", {})


@pytest.mark.parametrize(("language", "subject", "line"), [
    ("da", "Ny ansøgning om blåstempling: SelfBack",
     "SelfBack ApS har søgt om blåstempling af SelfBack den 3. dec. 2026."),
    ("en", "New application for blåstempling: SelfBack",
     "SelfBack ApS has applied for blåstempling of SelfBack on 3 Dec 2026."),
])
def test_a_mail_is_written_in_the_users_language(db: Session, user: User, language: str, subject: str,
                                                 line: str) -> None:
    with db.begin():
        user.language = language
        note = enqueue(db, user, "application_received", CONTEXT)
        assert note is not None
        db.flush()
        mail = render_mail(note, "https://blaastempel.example/")
    assert mail.to == user.email
    assert mail.subject == subject
    assert line in mail.body
    assert "https://blaastempel.example/approvals/selfback" in mail.body
