"""Report jobs under pressure: starts are limited per user and per client address (more
strictly without login), counted in the database so every worker shares them; a bounded
queue per process refuses more work with 503; an anonymous visitor's identical request
gets the report already being made. A refused start writes nothing: no status file, no
ledger row, no job.

The PDF step is a stub writing a few bytes (the PDFs are tested in test_reports.py):
what is under test here is who may start what, and when."""

from __future__ import annotations

import threading
import time
import zipfile
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient
from sqlalchemy import delete, func, select, update

from app.accounts.services import principal_of, user_by_email
from app.core.principal import Principal
from app.errors import Overloaded, RateLimited
from app.reporting import jobs, render
from app.reporting import services as svc
from app.reporting.jobs import ReportJobs, ReportQueue
from app.reporting.models import report_start
from app.settings import ReportLimits
from tests.helpers import DEMO_USERS, login

NO_RATE_LIMITS = {"per_user": 0, "per_address": 0, "anonymous_per_address": 0}
NEEDS = {"kind": "needs", "lang": "da"}


@pytest.fixture()
def configure(app: Any, monkeypatch: pytest.MonkeyPatch) -> Callable[..., ReportJobs]:
    """Give the app's report jobs these limits and a fresh queue for one test, on an empty ledger."""
    with app.state.engine.begin() as conn:
        conn.execute(delete(report_start))
    report_jobs: ReportJobs = app.state.report_jobs

    def with_limits(**limits: int) -> ReportJobs:
        chosen = ReportLimits(**limits)
        monkeypatch.setattr(report_jobs, "limits", chosen)
        monkeypatch.setattr(report_jobs, "queue", ReportQueue(chosen.running, chosen.waiting))
        return report_jobs

    return with_limits


@pytest.fixture()
def pdf_step(monkeypatch: pytest.MonkeyPatch) -> Iterator[threading.Event]:
    """The PDF step writes a stub once the event is set (it is set: clear it to hold the jobs)."""
    go = threading.Event()
    go.set()

    def write(html: str, out: Path | None = None) -> bytes:
        go.wait(60)
        pdf = b"%PDF-1.4 stub"
        if out is not None:
            out.write_bytes(pdf)
        return pdf

    monkeypatch.setattr(render, "html_to_pdf", write)
    yield go
    go.set()


def _job_files() -> set[str]:
    return {p.stem for p in jobs.reports_dir().glob("*.json")}


def _ledger(app: Any) -> int:
    with app.state.engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(report_start))


def _age_ledger(app: Any, seconds: int) -> None:
    """Move every recorded start `seconds` into the past (the window passes)."""
    with app.state.engine.begin() as conn:
        for job_id, created in conn.execute(select(report_start.c.job_id, report_start.c.created_at)).all():
            conn.execute(update(report_start).where(report_start.c.job_id == job_id)
                         .values(created_at=created - timedelta(seconds=seconds)))


def _finished(*job_ids: str) -> list[str]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        states = [jobs.read_status(j)["status"] for j in job_ids]
        if all(s in ("done", "failed") for s in states):
            return states
        time.sleep(0.05)
    raise AssertionError("the jobs did not finish")


def _principal(app: Any, role: str) -> Principal:
    with app.state.session_factory() as session:
        user = user_by_email(session, DEMO_USERS[role])
        assert user is not None
        return principal_of(user)


def _form(client: TestClient[Any], **form: str) -> Any:
    client.get("/reports")
    return client.post("/reports/jobs", data=form | {"_csrf_token": client.cookies.get("csrftoken", "")},
                       follow_redirects=False)


def _started(response: Any) -> str:
    assert response.status_code == 303, response.text
    return response.headers["location"].rsplit("/", 1)[-1]


def _alert(page: Any, kind: str) -> str:
    section = page.text[page.text.index(f'id="report-{kind}"'):]
    alert = section[section.index('role="alert"'):]
    return alert[:alert.index("</p>")]


# ---- rate limits ----------------------------------------------------------------------------


def test_a_user_may_start_so_many_reports_within_the_window(client: Any, auth: Any, app: Any,
                                                             configure: Any, pdf_step: Any) -> None:
    configure(per_user=2, per_address=0, anonymous_per_address=0, window=600)
    started = [client.post("/api/reports", json=NEEDS, headers=auth("admin")) for _ in range(2)]
    assert [r.status_code for r in started] == [202, 202]
    files, rows = _job_files(), _ledger(app)

    refused = client.post("/api/reports", json=NEEDS, headers=auth("admin"))
    assert refused.status_code == 429
    wait = refused.headers["retry-after"]
    assert 1 <= int(wait) <= 600
    assert refused.json()["detail"] == f"you have started 2 reports within 600 seconds; try again in {wait} seconds"
    assert _job_files() == files and _ledger(app) == rows  # nothing started

    assert client.post("/api/reports", json=NEEDS, headers=auth("approver")).status_code == 202  # their own count
    _age_ledger(app, 600)
    again = client.post("/api/reports", json=NEEDS, headers=auth("admin"))
    assert again.status_code == 202
    assert _finished(*(r.json()["id"] for r in started), again.json()["id"]) == ["done"] * 3


def test_an_address_may_start_so_many_reports_within_the_window(client: Any, auth: Any, app: Any,
                                                                configure: Any, pdf_step: Any) -> None:
    report_jobs = configure(per_user=0, per_address=2, anonymous_per_address=0, window=600)
    ids = [client.post("/api/reports", json=NEEDS, headers=auth(role)).json()["id"] for role in ("admin", "approver")]
    files, rows = _job_files(), _ledger(app)

    refused = client.post("/api/reports", json=NEEDS, headers=auth("assessor"))  # a third user, same address
    assert refused.status_code == 429 and 1 <= int(refused.headers["retry-after"]) <= 600
    assert refused.json()["detail"].startswith("2 reports have been started from your address within 600 seconds")
    assert _job_files() == files and _ledger(app) == rows

    login(client, "assessor")
    page = _form(client, **NEEDS)
    assert page.status_code == 429 and page.headers["retry-after"]
    assert "der er startet 2 rapporter fra din adresse inden for 600 sekunder; prøv igen om" in _alert(page, "needs")

    # From another address the same user may.
    ids.append(report_jobs.start(svc.ReportRequest(kind="needs"), _principal(app, "assessor"), "192.0.2.7"))
    assert _finished(*ids) == ["done"] * 3


def test_a_burst_of_concurrent_starts_keeps_the_limit(app: Any, configure: Any, pdf_step: Any) -> None:
    report_jobs = configure(per_user=3, per_address=0, anonymous_per_address=0, waiting=10)
    admin = _principal(app, "admin")
    together = threading.Barrier(8)
    outcomes: list[str | Exception] = []

    def attempt() -> None:
        together.wait()
        try:
            outcomes.append(report_jobs.start(svc.ReportRequest(kind="needs"), admin, "192.0.2.8"))
        except RateLimited as exc:
            outcomes.append(exc)

    threads = [threading.Thread(target=attempt) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    started = [o for o in outcomes if isinstance(o, str)]
    assert len(outcomes) == 8 and len(started) == 3, outcomes
    assert _ledger(app) == 3
    assert _finished(*started) == ["done"] * 3


# ---- the queue ------------------------------------------------------------------------------


def test_a_full_queue_answers_503_and_starts_nothing(client: Any, auth: Any, app: Any, configure: Any,
                                                     pdf_step: threading.Event) -> None:
    configure(**NO_RATE_LIMITS, running=1, waiting=1)
    pdf_step.clear()  # the first job holds its place while it runs, the second waits
    ids = [client.post("/api/reports", json=NEEDS, headers=auth("admin")).json()["id"] for _ in range(2)]
    files, rows = _job_files(), _ledger(app)

    refused = client.post("/api/reports", json=NEEDS, headers=auth("approver"))
    assert refused.status_code == 503 and refused.headers["retry-after"] == str(jobs.QUEUE_RETRY_AFTER_S)
    assert refused.json()["detail"] == "too many reports are being made right now; try again in 30 seconds"
    login(client, "approver")
    page = _form(client, kind="national-benchmark", lang="da", region="1084")
    assert page.status_code == 503 and page.headers["retry-after"] == "30"
    assert "der laves for mange rapporter lige nu; prøv igen om 30 sekunder" in _alert(page, "national-benchmark")
    form = page.text[page.text.index('id="report-national-benchmark"'):page.text.index('id="report-assessment"')]
    assert 'value="1084" selected' in form  # what was chosen is kept
    assert _job_files() == files and _ledger(app) == rows

    pdf_step.set()
    assert _finished(*ids) == ["done", "done"]
    deadline = time.monotonic() + 10  # the worker frees the place just after writing "done"
    while (response := client.post("/api/reports", json=NEEDS, headers=auth("approver"))).status_code == 503:
        assert time.monotonic() < deadline, "the places were not given back"
        time.sleep(0.05)
    assert response.status_code == 202
    _finished(response.json()["id"])


def test_a_failing_job_gives_its_place_back(configure: Any, app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    report_jobs = configure(**NO_RATE_LIMITS, running=1, waiting=0)

    def broken(html: str, out: Path | None = None) -> bytes:
        raise OSError("disk full")

    monkeypatch.setattr(render, "html_to_pdf", broken)
    admin = _principal(app, "admin")
    first = report_jobs.start(svc.ReportRequest(kind="needs"), admin, "192.0.2.9")
    assert _finished(first) == ["failed"]
    deadline = time.monotonic() + 10
    while True:
        try:
            second = report_jobs.start(svc.ReportRequest(kind="needs"), admin, "192.0.2.9")
            break
        except Overloaded:
            assert time.monotonic() < deadline, "the failed job kept its place"
            time.sleep(0.05)
    assert _finished(second) == ["failed"]


# ---- without login --------------------------------------------------------------------------


def test_anonymous_visitors_share_one_report_and_are_limited_per_address(client: Any, app: Any, configure: Any,
                                                                         pdf_step: Any) -> None:
    configure(per_user=0, per_address=0, anonymous_per_address=2, window=600, anonymous_reuse=600)
    first = _started(_form(client, **NEEDS))
    another_visitor = TestClient(app)
    assert _started(_form(another_visitor, **NEEDS)) == first  # the same report, not a second one
    assert _started(_form(client, **NEEDS)) == first
    assert _ledger(app) == 1

    english = _started(_form(client, kind="needs", lang="en"))
    assert english != first
    files, rows = _job_files(), _ledger(app)
    refused = _form(client, kind="national-benchmark", lang="da")
    assert refused.status_code == 429 and 1 <= int(refused.headers["retry-after"]) <= 600
    assert ("uden login kan der startes 2 rapporter fra én adresse inden for 600 sekunder; log ind, eller prøv "
            "igen om") in _alert(refused, "national-benchmark")
    assert _job_files() == files and _ledger(app) == rows
    assert _started(_form(another_visitor, **NEEDS)) == first  # what is made is still shared

    # Staff reports need a login; nothing is recorded for them.
    for kind in ("assessment", "temporary-approvals"):
        response = _form(client, kind=kind, lang="da", solution="selfback")
        assert response.status_code in (302, 303) and response.headers["location"].startswith("/login")
    assert _ledger(app) == rows

    # The published report is anyone's to read: a third visitor downloads it.
    assert _finished(first, english) == ["done", "done"]
    download = TestClient(app).get(f"/reports/jobs/{first}/download")
    assert download.status_code == 200 and download.content.startswith(b"%PDF")

    # A logged-in user at the same address is not held by the anonymous limit.
    login(client, "approver")
    mine = _started(_form(client, kind="national-benchmark", lang="da"))
    assert mine not in (first, english) and jobs.read_status(mine)["owner"] is not None
    _finished(mine)


def test_a_failed_anonymous_report_is_not_handed_out_again(client: Any, app: Any, configure: Any,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    configure(**NO_RATE_LIMITS, anonymous_reuse=600)

    def broken(html: str, out: Path | None = None) -> bytes:
        raise OSError("disk full")

    monkeypatch.setattr(render, "html_to_pdf", broken)
    failed = _started(_form(client, **NEEDS))
    assert _finished(failed) == ["failed"]
    retried = _started(_form(client, **NEEDS))
    assert retried != failed
    _finished(retried)


def test_an_anonymous_report_is_reused_only_for_a_while(client: Any, app: Any, configure: Any,
                                                        pdf_step: Any) -> None:
    configure(**NO_RATE_LIMITS, anonymous_reuse=300)
    first = _started(_form(client, **NEEDS))
    _finished(first)
    _age_ledger(app, 301)
    fresh = _started(_form(client, **NEEDS))
    assert fresh != first
    _finished(fresh)


def test_the_limits_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {"BLAASTEMPEL_REPORT_USER_LIMIT": "4", "BLAASTEMPEL_REPORT_ADDRESS_LIMIT": "12",
                        "BLAASTEMPEL_REPORT_ANONYMOUS_LIMIT": "1", "BLAASTEMPEL_REPORT_RATE_WINDOW": "120",
                        "BLAASTEMPEL_REPORT_RUNNING": "0", "BLAASTEMPEL_REPORT_QUEUE": "9",
                        "BLAASTEMPEL_REPORT_REUSE": "0"}.items():
        monkeypatch.setenv(name, value)
    assert ReportLimits.from_env() == ReportLimits(per_user=4, per_address=12, anonymous_per_address=1, window=120,
                                                   running=1, waiting=9, anonymous_reuse=0)


def test_the_ledger_of_starts_stays_out_of_the_register_archive(app: Any, configure: Any, pdf_step: Any,
                                                                 tmp_path: Path) -> None:
    """It holds client addresses and lives minutes: `blaastempel export` leaves it out."""
    from app.archive import export_archive

    report_jobs = configure(**NO_RATE_LIMITS)
    job_id = report_jobs.start(svc.ReportRequest(kind="needs"), _principal(app, "admin"), "192.0.2.10")
    assert _ledger(app) == 1
    with app.state.engine.connect() as conn:
        manifest = export_archive(conn, tmp_path / "register.zip")
    assert "report_start" not in manifest["tables"] and "solution" in manifest["tables"]
    with zipfile.ZipFile(tmp_path / "register.zip") as archive:
        assert not any("report_start" in name for name in archive.namelist())
    _finished(job_id)
