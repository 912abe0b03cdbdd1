"""JSON API of the reports: start a generation, read its status (the PDF is downloaded from
/reports/jobs/{id}/download)."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.types import ControllerRouterHandler

from app.accounts.ratelimit import client_key
from app.core.principal import Principal
from app.reporting import jobs
from app.reporting.services import ReportRequest
from app.web.routing import get, post

TAGS = ["reports"]


def _out(status: dict[str, Any]) -> dict[str, Any]:
    out = {k: status.get(k) for k in ("id", "request", "status", "step", "error", "created_at", "finished_at")}
    out["download"] = f"/reports/jobs/{status['id']}/download" if status["status"] == "done" else None
    return out


@post("/api/reports", tags=TAGS, status_code=202,
      summary="Start generating a PDF report (kind, lang, region, treatment_area, period, solution)",
      description="429 (too many starts by this user or from this address within the window) and 503 (the "
                  "queue is full) carry Retry-After; nothing is started then.")
def start_report(request: Request, principal: Principal, data: dict[str, Any]) -> dict[str, Any]:
    job_id = request.app.state.report_jobs.start(ReportRequest.from_form(data, "da"), principal, client_key(request))
    return _out(jobs.read_status(job_id))


@get("/api/reports/{job_id:str}", tags=TAGS, summary="Status of a report generation")
def report_status(principal: Principal, job_id: str) -> dict[str, Any]:
    return _out(jobs.status_for(job_id, principal))


ROUTES: list[ControllerRouterHandler] = [start_report, report_status]
