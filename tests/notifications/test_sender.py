"""Delivering the outbox through a real SMTP server on loopback (aiosmtpd): the message
as a mail program reads it, STARTTLS and TLS with a login, a refusing or absent server
(pending, attempts, back-off, then "failed"), deactivated users, two senders side by side,
daily digests and the .eml files written without a server."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.accounts.services import create_user
from app.notifications import sender as sender_module
from app.notifications.background import BackgroundSender
from app.notifications.config import MailSettings, SmtpServer
from app.notifications.models import Notification, NotificationPreference, NotificationSetting
from app.notifications.outbox import enqueue
from app.notifications.sender import FIRST_RETRY, MAX_ATTEMPTS, Sender
from app.notifications.transport import FileTransport, SmtpTransport
from tests.conftest import _free_port
from tests.helpers import unique
from tests.notifications.smtp_server import PASSWORD, USER, client_tls, make_certificate, smtp_server
from tests.notifications.test_mail_templates import BASE as TEMPLATES_BASE
from tests.notifications.test_mail_templates import MAILS

# aiosmtpd warns of a login without STARTTLS: on smtps:// the connection is TLS from the start.
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")
BASE = "https://blaastempel.example.dk"
FROM = "Blåstempel <notifikationer@blaastempel.example.dk>"
DK = ZoneInfo("Europe/Copenhagen")


def context(n: int = 1) -> dict[str, Any]:
    return {"solution_name": f"Søvnhjælp {n}", "vendor_name": "Ærø Sundhed ApS", "applied_on": "2026-12-03",
            "path": f"/approvals/soevnhjaelp-{n}"}


@pytest.fixture(scope="module")
def cert(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return make_certificate(tmp_path_factory.mktemp("tls"))


@pytest.fixture()
def person(db: Session) -> Iterator[User]:
    with db.begin():
        user = create_user(db, email=f"{unique('mail')}@example.org", name="Søren Ærlig", role="approver",
                           password="a long enough password 1")
    yield user
    db.rollback()
    with db.begin():
        for model in (Notification, NotificationPreference, NotificationSetting):
            db.execute(delete(model).where(model.user_id == user.id))


def write(db: Session, user: User, count: int = 1) -> list[int]:
    with db.begin():
        notes = [enqueue(db, user, "application_received", context(n), dedup_key=unique()) for n in range(count)]
        db.flush()
        return [note.id for note in notes if note is not None]


def rows(db: Session, user: User) -> list[Notification]:
    db.expire_all()
    return list(db.scalars(select(Notification).where(Notification.user_id == user.id).order_by(Notification.id)))


def smtp_sender(app: Litestar, port: int, cert: tuple[Path, Path], scheme: str = "smtp",
                password: str = PASSWORD) -> Sender:
    server = SmtpServer(scheme, "127.0.0.1", port, USER, password)
    mail = MailSettings(smtp=server, mail_from=FROM)
    return Sender(app.state.session_factory, SmtpTransport(server, timeout=5, tls=client_tls(cert)), mail, BASE)


@pytest.mark.parametrize("scheme", ["smtp", "smtps"])
def test_a_mail_arrives_over_tls_with_its_headers_danish_text_and_link(
        app: Litestar, db: Session, person: User, cert: tuple[Path, Path], scheme: str) -> None:
    port = _free_port()
    [note_id] = write(db, person)
    with smtp_server(port, cert, implicit_tls=scheme == "smtps") as inbox:
        report = smtp_sender(app, port, cert, scheme).run()
    [msg] = inbox.to(person.email)
    assert msg["From"] == FROM
    assert msg["Subject"] == "Ny ansøgning om blåstempling: Søvnhjælp 0"
    message_id = str(msg["Message-ID"]).strip()  # folded onto its own line when long
    assert message_id.startswith("<") and f".n{note_id}@" in message_id
    assert message_id.endswith("@blaastempel.example.dk>")
    assert msg["Date"] and msg["Auto-Submitted"] == "auto-generated"
    assert msg.get_content_type() == "text/plain" and msg.get_content_charset() == "utf-8"
    body = msg.get_content()
    assert body.startswith("Kære Søren Ærlig")
    assert "Ærø Sundhed ApS har søgt om blåstempling af Søvnhjælp 0 den 3. dec. 2026." in body
    assert f"{BASE}/approvals/soevnhjaelp-0" in body and f"{BASE}/account/notifications" in body
    [row] = rows(db, person)
    assert (row.status, row.attempts, row.last_error, row.next_attempt_at) == ("sent", 1, None, None)
    assert row.sent_at is not None
    assert report.sent >= 1


def test_a_wrong_login_leaves_the_mail_pending(app: Litestar, db: Session, person: User,
                                               cert: tuple[Path, Path]) -> None:
    port = _free_port()
    write(db, person)
    with smtp_server(port, cert) as inbox:
        smtp_sender(app, port, cert, password="wrong").run()
    assert inbox.to(person.email) == []
    [row] = rows(db, person)
    assert (row.status, row.attempts) == ("pending", 1)
    assert row.last_error is not None and row.last_error.startswith("SMTP")


def test_a_refusing_server_means_retries_with_back_off_then_failed(
        app: Litestar, db: Session, person: User, cert: tuple[Path, Path]) -> None:
    port = _free_port()
    write(db, person)
    start = datetime.now(UTC) + timedelta(seconds=1)
    with smtp_server(port, cert) as inbox:
        inbox.refuse = "554 5.7.1 Message rejected"
        sender = smtp_sender(app, port, cert)
        sender.run(start)
        [row] = rows(db, person)
        assert (row.status, row.attempts) == ("pending", 1)
        assert row.last_error is not None and "554" in row.last_error
        assert row.next_attempt_at == start + FIRST_RETRY
        sender.run(start + FIRST_RETRY / 2)  # not yet due: untouched
        assert rows(db, person)[0].attempts == 1
        at = start + FIRST_RETRY
        for attempt in range(2, MAX_ATTEMPTS):
            sender.run(at)
            [row] = rows(db, person)
            assert (row.status, row.attempts) == ("pending", attempt)
            assert row.next_attempt_at == at + FIRST_RETRY * 2 ** (attempt - 1)
            at = row.next_attempt_at
        sender.run(at)
    [row] = rows(db, person)
    assert (row.status, row.attempts, row.next_attempt_at) == ("failed", MAX_ATTEMPTS, None)
    assert inbox.to(person.email) == []


def test_a_server_that_is_down_loses_nothing_and_the_pages_still_answer(
        app: Litestar, db: Session, person: User, cert: tuple[Path, Path], client: TestClient[Litestar]) -> None:
    port = _free_port()  # nobody listens: connection refused
    write(db, person, 2)
    background = BackgroundSender(smtp_sender(app, port, cert), interval=3600)
    background.run_quietly()
    assert [(r.status, r.attempts) for r in rows(db, person)] == [("pending", 1), ("pending", 1)]
    assert all("ConnectionRefusedError" in (r.last_error or "") for r in rows(db, person))
    assert client.get("/").status_code == 200
    with smtp_server(port, cert) as inbox:  # the server is back: the mail goes after its back-off
        smtp_sender(app, port, cert).run(datetime.now(UTC) + FIRST_RETRY)
    assert len(inbox.to(person.email)) == 2
    assert [r.status for r in rows(db, person)] == ["sent", "sent"]


def test_mail_for_a_user_deactivated_since_is_skipped(app: Litestar, db: Session, person: User,
                                                      cert: tuple[Path, Path]) -> None:
    port = _free_port()
    write(db, person)
    with db.begin():
        db.get_one(User, person.id).is_active = False
    with smtp_server(port, cert) as inbox:
        smtp_sender(app, port, cert).run()
    assert inbox.to(person.email) == []
    assert [r.status for r in rows(db, person)] == ["skipped"]


def test_a_kind_switched_off_never_reaches_the_server(app: Litestar, db: Session, person: User,
                                                      cert: tuple[Path, Path]) -> None:
    with db.begin():
        db.add(NotificationPreference(user_id=person.id, kind="application_received", enabled=False))
    assert write(db, person) == []
    port = _free_port()
    with smtp_server(port, cert) as inbox:
        smtp_sender(app, port, cert).run()
    assert inbox.to(person.email) == []


def test_two_senders_side_by_side_send_each_mail_once(
        app: Litestar, db: Session, person: User, cert: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sender_module, "BATCH", 4)
    ids = write(db, person, 40)
    port = _free_port()
    reports = []
    with smtp_server(port, cert) as inbox:
        inbox.delay = 0.02
        start = threading.Barrier(2)

        def run() -> None:
            start.wait()
            reports.append(smtp_sender(app, port, cert).run())

        threads = [threading.Thread(target=run) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    received = sorted(int(re.search(r"\.n(\d+)@", str(m["Message-ID"]))[1]) for m in inbox.to(person.email))
    assert received == sorted(ids), "each mail exactly once"
    assert all(r.status == "sent" and r.attempts == 1 for r in rows(db, person))
    assert all(report.sent > 0 for report in reports), "both senders took part"


def test_a_daily_digest_groups_the_days_mail_in_one_message_in_the_users_language(
        app: Litestar, db: Session, person: User, cert: tuple[Path, Path]) -> None:
    with db.begin():
        db.add(NotificationSetting(user_id=person.id, delivery="daily"))
        db.get_one(User, person.id).language = "en"
    write(db, person, 3)
    tomorrow = (datetime.now(DK) + timedelta(days=1)).date()

    def at(day: Any, hour: int) -> datetime:
        return datetime(day.year, day.month, day.day, hour, tzinfo=DK).astimezone(UTC)

    port = _free_port()
    with smtp_server(port, cert) as inbox:
        sender = smtp_sender(app, port, cert)
        sender.run(at(tomorrow, 6))  # before the digest hour (7): nothing goes
        assert inbox.to(person.email) == []
        sender.run(at(tomorrow, 8))
        [digest] = inbox.to(person.email)
        write(db, person)  # later that day: waits for tomorrow's digest
        sender.run(at(tomorrow, 12))
        assert len(inbox.to(person.email)) == 1
        sender.run(at(tomorrow + timedelta(days=1), 7))
        assert len(inbox.to(person.email)) == 2
    assert digest["Subject"] == "Blåstempel: 3 new notifications today"
    body = digest.get_content().replace("\r\n", "\n")
    for n in range(3):
        assert f"- New application for blåstempling: Søvnhjælp {n}\n  {BASE}/approvals/soevnhjaelp-{n}" in body
    assert "daily summary" in body and "Dear Søren Ærlig," in body
    assert [r.status for r in rows(db, person)] == ["sent"] * 4


def test_a_danish_digest_of_one(app: Litestar, db: Session, person: User, cert: tuple[Path, Path]) -> None:
    with db.begin():
        db.add(NotificationSetting(user_id=person.id, delivery="daily"))
    write(db, person)
    port = _free_port()
    day = (datetime.now(DK) + timedelta(days=1)).date()
    with smtp_server(port, cert) as inbox:
        smtp_sender(app, port, cert).run(datetime(day.year, day.month, day.day, 9, tzinfo=DK).astimezone(UTC))
    [digest] = inbox.to(person.email)
    assert digest["Subject"] == "Blåstempel: 1 ny notifikation i dag"
    assert "Her er dit daglige sammendrag" in digest.get_content()


def test_without_smtp_each_mail_is_an_eml_file_with_a_safe_name(app: Litestar, db: Session, person: User,
                                                               tmp_path: Path) -> None:
    write(db, person, 2)
    mail = MailSettings(mail_from=FROM, mail_dir=tmp_path / "mail")
    Sender(app.state.session_factory, FileTransport(mail.mail_dir), mail, BASE).run()
    files = sorted((tmp_path / "mail").glob("*.eml"))
    mine = sorted((m for m in (message_from_bytes(f.read_bytes(), policy=policy.default) for f in files)
                   if m["To"] == person.email), key=lambda m: str(m["Subject"]))
    assert len(mine) == 2
    assert all(set(f.name) <= set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-")
               for f in files)
    assert mine[0]["Subject"] == "Ny ansøgning om blåstempling: Søvnhjælp 0"
    assert "søgt om blåstempling" in mine[0].get_content()
    assert [r.status for r in rows(db, person)] == ["sent", "sent"]


@pytest.mark.parametrize(("url", "expected"), [
    ("smtp://user:p%40ss@mail.example.dk:2525", ("smtp", "mail.example.dk", 2525, "user", "p@ss")),
    ("smtp://mail.example.dk", ("smtp", "mail.example.dk", 587, None, None)),
    ("smtps://u:p@mail.example.dk", ("smtps", "mail.example.dk", 465, "u", "p")),
    ("smtp+plain://localhost", ("smtp+plain", "localhost", 25, None, None)),
])
def test_smtp_url_forms(url: str, expected: tuple[Any, ...]) -> None:
    server = SmtpServer.parse(url)
    assert (server.scheme, server.host, server.port, server.username, server.password) == expected
    assert "p@ss" not in str(server) and "p%40ss" not in str(server)


@pytest.mark.parametrize("url", ["http://mail.example.dk", "smtp://", "smtp://host:port", "mail.example.dk"])
def test_a_wrong_smtp_url_names_the_setting(url: str) -> None:
    with pytest.raises(SystemExit, match="SMTP_URL"):
        SmtpServer.parse(url)


def test_the_command_line_sends_and_says_where(db: Session, person: User, database_url: str, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from app.cli import main

    write(db, person)
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("BLAASTEMPEL_MAIL_DIR", str(tmp_path))
    monkeypatch.delenv("SMTP_URL", raising=False)
    result = CliRunner().invoke(main, ["notify", "send"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert f"no SMTP_URL: mail is written to {tmp_path}/ as .eml files" in result.output
    assert "mails sent" in result.output
    assert any(person.email in f.read_text() for f in tmp_path.glob("*.eml"))
    assert [r.status for r in rows(db, person)] == ["sent"]


def test_every_kind_of_mail_arrives_through_the_server_in_danish(app: Litestar, db: Session, person: User,
                                                                  cert: tuple[Path, Path]) -> None:
    with db.begin():
        for kind, (mail_context, *_rest) in MAILS.items():
            enqueue(db, person, kind, mail_context)
    port = _free_port()
    with smtp_server(port, cert) as inbox:
        smtp_sender(app, port, cert).run()
    received = {str(msg["Subject"]): msg.get_content().replace("\r\n", "\n") for msg in inbox.to(person.email)}
    for kind, (mail_context, subject, line, *_english) in MAILS.items():
        assert subject in received, kind
        body = received[subject]
        assert line.replace(TEMPLATES_BASE, BASE) in body and f"{BASE}{mail_context['path']}" in body, kind
    assert {row.status for row in rows(db, person)} == {"sent"}
