"""Benchmark: one `blaastempel notify send` run over the demo register's mail.

Run: .venv/bin/python -m bench.bench_notify [--synthetic N] [--digest]
     (BENCH_DATABASE_URL=... for PostgreSQL)

Builds a fresh database with the migrations and the demo seed (whatever mail the seed's
events wrote is in the outbox), adds N synthetic notifications spread over the active demo
users (default 1,000; 0 measures the demo register's own mail alone), and times one run of
the sender (the code `notify send` runs) into a real SMTP server on loopback (aiosmtpd,
no TLS: the cost measured is ours, not the network's). With --digest every user has chosen
the daily summary and the run is at the digest hour.
Prints the mail written, the mails sent (a digest counts once), the time and mails per second.
"""

from __future__ import annotations

import argparse
import socket
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from aiosmtpd.controller import Controller
from sqlalchemy import func, select

from app.accounts.models import User
from app.audit.hook import set_actor
from app.core.clock import DANISH_TIME
from app.db.engine import make_engine
from app.notifications.config import MailSettings, SmtpServer
from app.notifications.models import Notification, NotificationSetting
from app.notifications.outbox import enqueue
from app.notifications.sender import Sender
from app.notifications.transport import SmtpTransport
from app.registry import make_session_factory
from bench.common import bench_database_url, prepare_database


class Count:
    def __init__(self) -> None:
        self.received = 0

    async def handle_DATA(self, _server: Any, _session: Any, _envelope: Any) -> str:
        self.received += 1
        return "250 OK"


def _write_mail(session_factory: Any, synthetic: int, digest: bool) -> int:
    with session_factory() as session, session.begin():
        set_actor(session, None, "bench")
        users = session.scalars(select(User).where(User.is_active.is_(True)).order_by(User.id)).all()
        for n in range(synthetic):
            enqueue(session, users[n % len(users)], "application_received", {
                "solution_name": f"Løsning {n}", "vendor_name": "Bench ApS", "applied_on": "2026-12-03",
                "path": f"/approvals/solutions/loesning-{n}"}, dedup_key=f"bench-{n}")
        if digest:
            session.add_all(NotificationSetting(user_id=user.id, delivery="daily") for user in users)
    with session_factory() as session:
        return session.scalar(select(func.count()).select_from(Notification)
                              .where(Notification.status == "pending")) or 0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--synthetic", type=int, default=1000)
    parser.add_argument("--digest", action="store_true")
    args = parser.parse_args()
    url = bench_database_url("notify")
    prepare_database(url)
    engine = make_engine(url)
    session_factory = make_session_factory(engine)
    pending = _write_mail(session_factory, args.synthetic, args.digest)
    inbox = Count()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        server = SmtpServer("smtp+plain", "127.0.0.1", port)
        mail = MailSettings(smtp=server)
        sender = Sender(session_factory, SmtpTransport(server), mail, "https://blaastempel.example.dk")
        tomorrow = (datetime.now(DANISH_TIME) + timedelta(days=1)).date()
        at = datetime(tomorrow.year, tomorrow.month, tomorrow.day, mail.digest_hour, tzinfo=DANISH_TIME)
        started = time.perf_counter()
        report = sender.run(at.astimezone(UTC))
        elapsed = time.perf_counter() - started
    finally:
        controller.stop()
        engine.dispose()
    print(f"database: {engine.dialect.name}; mail pending before the run: {pending} "
          f"({args.synthetic} synthetic, {pending - args.synthetic} from the demo seed)")
    print(f"run: {report}; the server received {inbox.received}")
    print(f"time: {elapsed:.2f} s, {report.sent / elapsed if elapsed else 0:.0f} mails/s, "
          f"{report.notifications / elapsed if elapsed else 0:.0f} notifications/s")


if __name__ == "__main__":
    main()
