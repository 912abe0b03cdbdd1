"""HTML pages of the reports: the list of the four kinds with their filters, starting a
generation (POST, answered at once), the status that the page polls with HTMX, and the
download."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, Response
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import File, Redirect, Template
from litestar.types import ControllerRouterHandler
from sqlalchemy.orm import Session

from app.accounts.ratelimit import client_key
from app.catalogue import services as catalogue_svc
from app.core import clock
from app.core.principal import Principal
from app.errors import TryLater, ValidationFailed
from app.messages import message_of
from app.programmes import services as programme_svc
from app.reporting import jobs
from app.reporting import services as svc
from app.web.htmx import is_htmx
from app.web.rendering import language_of, render
from app.web.routing import get, post

FormBody = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]


@get("/reports", include_in_schema=False)
def reports_page(request: Request, db: Session, principal: Principal) -> Template:
    return _reports(request, db, principal, dict(request.query_params))


def _reports(request: Request, db: Session, principal: Principal, chosen: dict[str, Any],
             failed: dict[str, Any] | None = None, status_code: int = 200) -> Template:
    """The page; `failed`: the form that was refused ({"kind", "errors": {field: reason}} or
    {"kind", "refused": why it cannot start now})."""
    lang = language_of(request)
    regions, areas = svc.filter_choices(db)
    areas.sort(key=lambda a: (a.name_en if lang == "en" else a.name_da).casefold())
    kinds = [{"kind": k, "title": svc.TITLES[k][1 if lang == "en" else 0], "allowed": svc.may_generate(principal, k)}
             for k in svc.KINDS]
    return render(request, "reporting/reports.html", status_code=status_code, kinds=kinds, regions=regions,
                  areas=areas, chosen=chosen, failed=failed, today=clock.today(),
                  programmes=programme_svc.list_programmes(db, principal))


@post("/reports/jobs", include_in_schema=False)
def start_report(request: Request, db: Session, principal: Principal, data: FormBody) -> Redirect | Template:
    try:
        form = svc.with_solution_id(db, principal, data)
        job_id = request.app.state.report_jobs.start(svc.ReportRequest.from_form(form, language_of(request)),
                                                     principal, client_key(request))
    except ValidationFailed as exc:
        if data.get("kind") not in svc.KINDS:
            raise
        # The form again, with the reason beside the field and what was typed kept.
        return _reports(request, db, principal, dict(data), {"kind": data["kind"], "errors": exc.errors},
                        status_code=400)
    except TryLater as exc:
        # The form again, with why and when to try again; nothing was started.
        refused = {"kind": data["kind"], "errors": {}, "refused": message_of(exc)}
        page = _reports(request, db, principal, dict(data), refused, status_code=exc.status_code)
        page.headers["Retry-After"] = str(exc.retry_after)
        return page
    return Redirect(f"/reports/jobs/{job_id}", status_code=303)


@get("/reports/solutions", include_in_schema=False)
def solution_options(request: Request, db: Session, principal: Principal, solution_name: str = "") -> Template:
    """The suggestions of the report form's solution field (HTMX fills its datalist)."""
    return render(request, "reporting/_solution_options.html",
                  solutions=catalogue_svc.solution_suggestions(db, principal, solution_name))


@get("/reports/jobs/{job_id:str}", include_in_schema=False)
def job_page(request: Request, principal: Principal, job_id: str) -> Template:
    status = jobs.status_for(job_id, principal)
    lang = language_of(request)
    context: dict[str, Any] = {"job": status, "title": svc.TITLES[status["request"]["kind"]][1 if lang == "en" else 0]}
    if is_htmx(request):
        return render(request, "reporting/_status.html", **context)
    return render(request, "reporting/job.html", **context)


@get("/reports/jobs/{job_id:str}/download", include_in_schema=False)
def download(principal: Principal, job_id: str) -> File | Response:
    path = jobs.pdf_path(job_id)  # refuses anything but a job id, and anything outside var/reports
    status = jobs.status_for(job_id, principal)
    if status["status"] != "done" or not path.is_file():
        return Response({"detail": "the report is not ready yet"}, status_code=409)
    return File(path=path, filename=jobs.filename(status), media_type="application/pdf",
                content_disposition_type="attachment")


ROUTES: list[ControllerRouterHandler] = [reports_page, start_report, solution_options, job_page, download]
