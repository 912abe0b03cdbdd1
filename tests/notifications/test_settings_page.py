"""Min side (/account) and its Notifikationer page: the account, a switch per kind, at
once or a daily summary, the mail language; saved with CSRF and audited; a refused value
names its field and saves nothing; an admin sees the mail given up on."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from litestar.testing import TestClient
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.accounts.services import create_user
from app.audit.models import AuditEvent
from app.notifications.kinds import KINDS
from app.notifications.models import Notification, NotificationPreference, NotificationSetting
from app.notifications.outbox import enqueue
from tests.helpers import login, unique

PASSWORD = "a long enough password 1"


@pytest.fixture()
def person(db: Session) -> Iterator[User]:
    with db.begin():
        user = create_user(db, email=f"{unique('side')}@example.org", name="Åse Øberg", role="assessor",
                           password=PASSWORD)
    yield user
    db.rollback()
    with db.begin():
        for model in (Notification, NotificationPreference, NotificationSetting):
            db.execute(delete(model).where(model.user_id == user.id))


def log_in(client: TestClient[Any], user: User) -> TestClient[Any]:
    client.get("/login")
    response = client.post("/login", data={"email": user.email, "password": PASSWORD,
                                           "_csrf_token": client.cookies.get("csrftoken", "")},
                           follow_redirects=False)
    assert response.status_code in (302, 303), response.text
    return client


def form(client: TestClient[Any], **fields: Any) -> dict[str, Any]:
    return {"_csrf_token": client.cookies.get("csrftoken", ""), **fields}


def test_my_page_shows_the_account_and_links_to_notifications(client: TestClient[Any], person: User) -> None:
    assert client.get("/account", follow_redirects=False).status_code in (302, 303)  # log in first
    log_in(client, person)
    page = client.get("/account")
    assert page.status_code == 200
    text = page.text
    assert "<h1>Min side</h1>" in text
    for shown in ("Åse Øberg", person.email, "Bedømmer", "Dansk", "Notifikationer"):
        assert shown in text
    assert f"Du får {len(KINDS)} af {len(KINDS)} slags mails fra Blåstempel, hver for sig med det samme." in text
    assert 'href="/account/notifications"' in text
    assert 'href="/account"' in client.get("/").text  # the header's name links here
    assert "Mails, der ikke kunne sendes" not in text  # for admins only


def test_the_settings_page_lists_every_kind_in_danish(client: TestClient[Any], person: User) -> None:
    text = log_in(client, person).get("/account/notifications").text
    assert "<h1>Notifikationer</h1>" in text
    for label in ("Der kommer en ansøgning om blåstempling", "Nye løsninger passer til min gemte søgning"):
        assert label in text
    assert text.count('type="checkbox"') == len(KINDS) and text.count(" checked") == len(KINDS) + 2
    assert "Dagligt sammendrag" in text and "Med det samme" in text and "Én mail om dagen kl. 7 med alt" in text


def test_choices_are_saved_audited_and_used_by_the_outbox(client: TestClient[Any], db: Session,
                                                          person: User) -> None:
    log_in(client, person)
    kept = [code for code in KINDS if code not in ("application_received", "need_matched")]
    response = client.post("/account/notifications", data=form(client, kind=kept, delivery="daily", language="en"),
                           follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/account/notifications?saved=1"
    page = client.get("/account/notifications?saved=1").text
    assert "Dine valg er gemt." in page
    db.expire_all()
    assert set(db.scalars(select(NotificationPreference.kind).where(
        NotificationPreference.user_id == person.id, NotificationPreference.enabled.is_(False)))) == {
        "application_received", "need_matched"}
    assert db.scalar(select(NotificationSetting.delivery).where(NotificationSetting.user_id == person.id)) == "daily"
    assert db.get_one(User, person.id).language == "en"
    audited = db.scalars(select(AuditEvent.entity_type).where(AuditEvent.actor_id == person.id)).all()
    assert {"notification_preference", "notification_setting", "user_account"} <= set(audited)
    db.rollback()
    with db.begin():
        user = db.get_one(User, person.id)
        assert enqueue(db, user, "application_received", {}) is None
        assert enqueue(db, user, "approval_expiring", {}) is not None
    # Switched on again: the row says so.
    client.post("/account/notifications", data=form(client, kind=list(KINDS), delivery="immediate", language="da"))
    db.expire_all()
    assert not db.scalars(select(NotificationPreference).where(
        NotificationPreference.user_id == person.id, NotificationPreference.enabled.is_(False))).all()
    assert "hver for sig med det samme" in client.get("/account").text


@pytest.mark.parametrize(("fields", "field", "reason"), [
    ({"delivery": "weekly", "language": "da"}, "delivery", "vælg, hvordan du vil have dine mails"),
    ({"delivery": "daily", "language": "de"}, "language", "vælg sproget i dine mails"),
    ({"kind": ["no_such_kind"], "delivery": "daily", "language": "da"}, "kind", "no_such_kind"),
    ({}, "delivery", "vælg, hvordan du vil have dine mails"),
])
def test_a_refused_value_names_its_field_and_saves_nothing(client: TestClient[Any], db: Session, person: User,
                                                           fields: dict[str, Any], field: str, reason: str) -> None:
    log_in(client, person)
    response = client.post("/account/notifications", data=form(client, **fields))
    assert response.status_code == 400 and response.headers["content-type"].startswith("text/html")
    assert 'id="error-summary"' in response.text and f'href="#f-{field}"' in response.text
    assert reason in response.text.lower()
    db.expire_all()
    assert db.scalars(select(NotificationPreference).where(NotificationPreference.user_id == person.id)).all() == []
    assert db.scalar(select(NotificationSetting).where(NotificationSetting.user_id == person.id)) is None


def test_saving_needs_the_csrf_token(client: TestClient[Any], db: Session, person: User) -> None:
    log_in(client, person)
    response = client.post("/account/notifications", data={"delivery": "daily", "language": "da"})
    assert response.status_code == 403
    assert db.scalar(select(NotificationSetting).where(NotificationSetting.user_id == person.id)) is None


def test_an_admin_sees_the_mail_given_up_on(client: TestClient[Any], db: Session, person: User) -> None:
    with db.begin():
        db.add(Notification(user_id=person.id, kind="milestone_due", context={}, status="failed", attempts=8,
                            last_error="SMTPDataError: (554, b'5.7.1 Message rejected')"))
    text = login(client, "admin").get("/account").text
    assert "Mails, der ikke kunne sendes" in text
    assert person.email in text and "En milepæl for evidens nærmer sig sin frist" in text
    assert "5.7.1 Message rejected" in text


def test_my_page_in_english(client: TestClient[Any], person: User) -> None:
    log_in(client, person)
    text = client.get("/account?lang=en").text
    assert "<h1>My page</h1>" in text and "Assessor" in text
    assert "An application for blåstempling arrives" in client.get("/account/notifications?lang=en").text
