"""Background generation of reports, outside the request.

A job is a status file var/reports/<id>.json (written atomically: temp file + rename) next
to the PDF var/reports/<id>.pdf. Every worker on the machine sees the same files, so the
worker that answers the polling request need not be the one generating. The generation
runs in a daemon thread with its own database session; one report at a time per process
(a semaphore), so a burst of requests never starves the web workers of CPU.
"""

from __future__ import annotations

import json
import os
import re
import socket
import threading
import time
import uuid
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from app.accounts.principal import Principal
from app.errors import NotFound
from app.messages import message_of, translate
from app.reporting import render
from app.reporting import services as svc
from app.settings import PROJECT_ROOT
from app.web.i18n import LANGUAGES, translations

JOB_ID = re.compile(r"^[0-9a-f]{32}$")
# A job that has not finished after this long lost its worker (restart, crash).
STALE_AFTER_S = 15 * 60
_one_at_a_time = threading.Semaphore(1)


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
    parts = [req["kind"], *(str(req[k]) for k in ("region", "treatment_area", "period", "solution") if req.get(k))]
    return "blaastempel-" + "-".join(re.sub(r"[^0-9A-Za-z_-]+", "", p) for p in parts) + f"-{req['lang']}.pdf"


def start(req: svc.ReportRequest, principal: Principal, session_factory: sessionmaker[Session],
          frameworks: Any = None, search_backend: Any = None, *, wait: bool = False) -> str:
    """Queue a report and return its id at once; a thread generates it (wait=True: here)."""
    req.validate()
    with session_factory() as session:
        svc.check_references(session, req, principal)
    job_id = uuid.uuid4().hex
    status = {"id": job_id, "request": req.as_dict(), "status": "queued", "step": None, "error": None,
              "owner": principal.id, "created_at": _now(), "finished_at": None,
              "worker": f"{socket.gethostname()}:{os.getpid()}", "updated": time.time(), "pages": None}
    _write_status(job_id, status)
    args = (job_id, status, req, principal, session_factory, frameworks, search_backend)
    if wait:
        _run(*args)
    else:
        threading.Thread(target=_run, args=args, name=f"report-{job_id[:8]}", daemon=True).start()
    return job_id


def _run(job_id: str, status: dict[str, Any], req: svc.ReportRequest, principal: Principal,
         session_factory: sessionmaker[Session], frameworks: Any, search_backend: Any) -> None:
    with _one_at_a_time:
        try:
            _update(job_id, status, status="running", step="data")
            with session_factory() as session:
                context = svc.build(session, req, principal=principal, frameworks=frameworks,
                                    search_backend=search_backend,
                                    progress=lambda step: None)
                html = render.render_html(context)
                session.rollback()  # read only
            _update(job_id, status, step="pdf")
            render.html_to_pdf(html, pdf_path(job_id))
            _update(job_id, status, status="done", step=None, finished_at=_now())
        except Exception as exc:
            detail = getattr(exc, "detail", None) or message_of(exc) or type(exc).__name__
            _update(job_id, status, status="failed", finished_at=_now(), **_failure(detail))


def may_see(status: dict[str, Any], principal: Principal) -> bool:
    """Only the one who asked for a report gets it (anonymous requests: public data only)."""
    return status.get("owner") == principal.id


def principal_dict(principal: Principal) -> dict[str, Any]:
    return asdict(principal)
