"""Background generation of reports, outside the request.

A job is a status file var/reports/<id>.json (written atomically: temp file + rename) next
to the PDF var/reports/<id>.pdf. Every worker on the machine sees the same files, so the
worker that answers the polling request need not be the one generating. The generation
runs in a daemon thread of the process's ReportQueue with its own database session: a
bounded number at once and in line, so a burst of requests never starves the web workers
of CPU; app/reporting/admission.py holds the rules on who may start one.
"""

from __future__ import annotations

import functools
import json
import os
import queue
import re
import socket
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from app.core.principal import Principal, require
from app.errors import NotFound, Overloaded
from app.messages import Message, message_of, translate
from app.reporting import admission, render
from app.reporting import services as svc
from app.reporting.case_handling import CaseRules
from app.settings import PROJECT_ROOT, ReportLimits
from app.web.i18n import LANGUAGES, translations

JOB_ID = re.compile(r"^[0-9a-f]{32}$")
# A job that has not finished after this long lost its worker (restart, crash).
STALE_AFTER_S = 15 * 60
# When the queue is full: about the time a report takes, so a place has likely come free.
QUEUE_RETRY_AFTER_S = 30


def reports_dir() -> Path:
    return Path(os.environ.get("BLAASTEMPEL_REPORTS_DIR") or PROJECT_ROOT / "var" / "reports").resolve()


def _safe_path(job_id: str, suffix: str) -> Path:
    """The file of a job, never outside the reports folder (the id is checked, then the path)."""
    if not isinstance(job_id, str) or not JOB_ID.fullmatch(job_id):
        raise NotFound("no such report")
    base = reports_dir()
    path = (base / f"{job_id}{suffix}").resolve()
    if not path.is_relative_to(base):
        raise NotFound("no such report")
    return path


def pdf_path(job_id: str) -> Path:
    return _safe_path(job_id, ".pdf")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _write_status(job_id: str, status: dict[str, Any]) -> None:
    path = _safe_path(job_id, ".json")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{job_id}.{os.getpid()}.{threading.get_ident()}.tmp")
    tmp.write_text(json.dumps(status, ensure_ascii=False))
    tmp.replace(path)


def read_status(job_id: str) -> dict[str, Any]:
    path = _safe_path(job_id, ".json")
    try:
        status = json.loads(path.read_text())
    except (FileNotFoundError, json.JSONDecodeError) as exc:
        raise NotFound("no such report") from exc
    if status["status"] in ("queued", "running") and time.time() - status.get("updated", 0) > STALE_AFTER_S:
        status |= {"status": "failed", **_failure("the report generation stopped (was the server restarted?)")}
    return status


def _failure(message: Any) -> dict[str, Any]:
    """Why a report failed: as the API says it (English) and in each page language."""
    return {"error": str(message),
            "error_text": {lang: str(translate(message, translations(lang).gettext)) for lang in LANGUAGES}}


def _update(job_id: str, job: dict[str, Any], **changes: Any) -> None:
    job.update(changes, updated=time.time())
    _write_status(job_id, job)


def filename(status: dict[str, Any]) -> str:
    req = status["request"]
    parts = [req["kind"], *(str(req[k]) for k in ("region", "treatment_area", "period", "solution", "programme")
                            if req.get(k))]
    return "blaastempel-" + "-".join(re.sub(r"[^0-9A-Za-z_-]+", "", p) for p in parts) + f"-{req['lang']}.pdf"


class ReportQueue:
    """The generations of this process: at most `running` at once, in daemon threads, and at
    most `waiting` more in line. A start reserves a place first; without one it is refused
    (Overloaded) before anything is written. A place is freed when its job ends."""

    def __init__(self, running: int, waiting: int) -> None:
        self.running = max(1, running)
        self._places = threading.BoundedSemaphore(self.running + max(0, waiting))
        self._jobs: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()
        self._workers: list[threading.Thread] = []
        self._lock = threading.Lock()

    def reserve(self) -> None:
        if not self._places.acquire(blocking=False):
            raise Overloaded(Message("too many reports are being made right now; try again in {seconds} seconds",
                                     seconds=QUEUE_RETRY_AFTER_S), QUEUE_RETRY_AFTER_S)

    def release(self) -> None:
        """Give back a reserved place that no job took."""
        self._places.release()

    def submit(self, job: Callable[[], None]) -> None:
        """Run `job` in the place reserved for it."""
        with self._lock:
            while len(self._workers) < self.running:
                worker = threading.Thread(target=self._work, name=f"report-worker-{len(self._workers)}", daemon=True)
                worker.start()
                self._workers.append(worker)
        self._jobs.put(job)

    def _work(self) -> None:
        while True:
            job = self._jobs.get()
            try:
                job()
            finally:
                self._places.release()


class ReportJobs:
    """Starting report generations for one app (app.state.report_jobs): the permission, the
    admission rules (app/reporting/admission.py) and the queue of this process."""

    def __init__(self, session_factory: sessionmaker[Session], limits: ReportLimits, frameworks: Any = None,
                 search_backend: Any = None, case_rules: CaseRules = CaseRules()) -> None:
        self.session_factory = session_factory
        self.case_rules = case_rules
        self.limits = limits
        self.queue = ReportQueue(limits.running, limits.waiting)
        self.frameworks = frameworks
        self.search_backend = search_backend

    def start(self, req: svc.ReportRequest, principal: Principal, address: str) -> str:
        """The id of the job that makes the report, queued now, or, for an anonymous request,
        of the same request made a moment ago; refused (RateLimited, Overloaded) with nothing
        written."""
        req.validate()
        if not svc.may_generate(principal, req.kind):
            require(principal, svc.PERMISSIONS[req.kind] or "")
        with self.session_factory() as session:
            svc.check_references(session, req, principal)
            session.rollback()
            admission.serialise_starts(session, self.limits)
            now = datetime.now(UTC)  # after waiting for the other starts
            if not principal.is_authenticated and (reused := _reusable_job(session, req, self.limits, now)):
                return reused
            admission.check_rates(session, self.limits, principal, address, now)
            job_id, status = self._record(session, req, principal, address, now)
        self.queue.submit(functools.partial(self._run, job_id, status, req, principal))
        return job_id

    def _record(self, session: Session, req: svc.ReportRequest, principal: Principal, address: str,
                now: datetime) -> tuple[str, dict[str, Any]]:
        """Take a place in the queue and record the start (ledger row, status file): all or nothing."""
        self.queue.reserve()
        job_id = uuid.uuid4().hex
        try:
            admission.record_start(session, job_id, req, principal, address, now)
            status = _queued(job_id, req, principal)
            session.commit()
        except BaseException:
            self.queue.release()
            _safe_path(job_id, ".json").unlink(missing_ok=True)
            raise
        return job_id, status

    def _run(self, job_id: str, status: dict[str, Any], req: svc.ReportRequest, principal: Principal) -> None:
        try:
            _update(job_id, status, status="running", step="data")
            with self.session_factory() as session:
                frameworks = self.frameworks.registry(session) if self.frameworks else None
                context = svc.build(session, req, principal=principal, frameworks=frameworks,
                                    search_backend=self.search_backend, progress=lambda step: None,
                                    case_rules=self.case_rules)
                html = render.render_html(context)
                session.rollback()  # read only
            _update(job_id, status, step="pdf")
            render.html_to_pdf(html, pdf_path(job_id))
            _update(job_id, status, status="done", step=None, finished_at=_now())
        except Exception as exc:
            detail = getattr(exc, "detail", None) or message_of(exc) or type(exc).__name__
            _update(job_id, status, status="failed", finished_at=_now(), **_failure(detail))


def _queued(job_id: str, req: svc.ReportRequest, principal: Principal) -> dict[str, Any]:
    """The status file of a new job, written before its start is committed: whoever sees the
    start (an identical anonymous request) finds its status."""
    status = {"id": job_id, "request": req.as_dict(), "status": "queued", "step": None, "error": None,
              "owner": principal.id, "created_at": _now(), "finished_at": None,
              "worker": f"{socket.gethostname()}:{os.getpid()}", "updated": time.time(), "pages": None}
    _write_status(job_id, status)
    return status


def _reusable_job(session: Session, req: svc.ReportRequest, limits: ReportLimits, now: datetime) -> str | None:
    """The newest job of the same anonymous request whose report is made or being made."""
    for job_id in admission.recent_anonymous(session, req, limits, now):
        try:
            status = read_status(job_id)
        except NotFound:
            continue
        if status["status"] in ("queued", "running") or (status["status"] == "done" and pdf_path(job_id).is_file()):
            return job_id
    return None


def may_see(status: dict[str, Any], principal: Principal) -> bool:
    """Only the one who asked for a report gets it (anonymous requests: public data only)."""
    return status.get("owner") == principal.id


def status_for(job_id: str, principal: Principal) -> dict[str, Any]:
    """The status of a report the principal may see; NotFound for any other."""
    status = read_status(job_id)
    if not may_see(status, principal):
        raise NotFound("no such report")
    return status
