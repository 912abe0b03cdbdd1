"""HTML pages of contract KPIs: the form to report one value for a solution, and the
upload of a CSV/Excel file with the row report. A solution's KPIs are shown on its page
(buyer overview, templates/contracts/_kpis.html)."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, MediaType, Request
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Template
from litestar.types import ControllerRouterHandler
from sqlalchemy.orm import Session

from app.benchmark.importer import MAX_BYTES, MAX_MB, MAX_REQUEST_BYTES, ImportRejected
from app.catalogue import services as catalogue
from app.catalogue.models import Solution
from app.contracts import services as svc
from app.core.principal import Principal
from app.errors import ValidationFailed
from app.messages import Message
from app.web.forms import form_values
from app.web.rendering import language_of, render
from app.web.routing import get, post

FormBody = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
FIELDS = ("contract", "kpi", "measured_on", "value")


def _form_page(request: Request, db: Session, principal: Principal, solution: Solution,
               values: dict[str, Any], status_code: int = 200, **context: Any) -> Template:
    contracts = svc.require_reporter_of(db, principal, solution)
    lang = language_of(request)
    return render(request, "contracts/report.html", status_code=status_code, solution=solution,
                  contracts=[(c.reference, c.reference + (f" ({c.organisation.name})" if c.organisation else ""))
                             for c in contracts],
                  kpis=[(k.code, k.name(lang)) for k in svc.definitions(db)], values=values,
                  errors=context.pop("errors", {}), **context)


class ReportPage(Controller):
    """Report one KPI value of a solution (GET and POST on one path)."""

    path = "/solutions/{slug:str}/kpis/report"
    include_in_schema = False

    @get("/")
    def form(self, request: Request, db: Session, principal: Principal, slug: str) -> Template:
        solution = catalogue.get_solution(db, principal, slug)
        return _form_page(request, db, principal, solution, {})

    @post("/", media_type=MediaType.HTML)
    def submit(self, request: Request, db: Session, principal: Principal, slug: str, data: FormBody) -> Template:
        solution = catalogue.get_solution(db, principal, slug)
        values = {k: v for k, v in form_values(data).items() if k in FIELDS}
        try:
            svc.report_value(db, principal, solution, values, source="form", lang=language_of(request))
        except ValidationFailed as exc:
            errors = {k: v for k, v in exc.errors.items() if k in FIELDS}
            others = {k: v for k, v in exc.errors.items() if k not in FIELDS}
            return _form_page(request, db, principal, solution, values, 400, errors=errors, others=others)
        return _form_page(request, db, principal, solution, {"contract": values.get("contract")}, saved=values)


def _import_page(request: Request, db: Session, status_code: int = 200, **context: Any) -> Template:
    return render(request, "contracts/import.html", status_code=status_code, columns=svc.IMPORT_COLUMNS,
                  kpis=svc.definition_rows(db, language_of(request)), max_mb=MAX_MB, **context)


class ImportPage(Controller):
    """Upload a file of KPI values: all rows or none, with the row report."""

    path = "/kpis/import"
    include_in_schema = False

    @get("/")
    def form(self, request: Request, db: Session, principal: Principal) -> Template:
        svc.require_reporter(principal)
        return _import_page(request, db)

    @post("/", request_max_body_size=MAX_REQUEST_BYTES)
    def submit(self, request: Request, db: Session, principal: Principal,
               data: Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)]) -> Template:
        svc.require_reporter(principal)
        upload = data.get("file")
        if not isinstance(upload, UploadFile) or not upload.filename:
            return _import_page(request, db, 400, errors={"file": Message("choose a CSV or Excel file")})
        content = upload.file.read(MAX_BYTES + 1)
        try:
            report = svc.import_file(db, principal, upload.filename, content)
        except ImportRejected as exc:
            return _import_page(request, db, 400, rejected=exc.report)
        except ValidationFailed as exc:
            return _import_page(request, db, 400, errors=exc.errors)
        return _import_page(request, db, report=report)


ROUTES: list[ControllerRouterHandler] = [ReportPage, ImportPage]
