"""Reporting adoption without a file: the form for one record, and the files to fill in
for the import (CSV and Excel, in the page's language)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from litestar import Controller, Request, Response
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Template
from litestar.types import ControllerRouterHandler
from sqlalchemy.orm import Session

from app.benchmark import adoption_form, import_templates, importer
from app.benchmark.metrics import STATUSES
from app.core import clock
from app.core.principal import Principal
from app.errors import ValidationFailed
from app.messages import Message
from app.web.forms import date_text, form_values
from app.web.rendering import language_of, render
from app.web.routing import get, post

FormBody = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]


def _form_page(request: Request, db: Session, principal: Principal, values: dict[str, Any],
               status_code: int = 200, **context: Any) -> Template:
    choices = adoption_form.organisations(db, principal)
    example_day = date_text(date(clock.today().year, 3, 1), language_of(request))
    return render(request, "benchmark/report.html", status_code=status_code, values=values,
                  organisations=choices, statuses=STATUSES, example_day=example_day,
                  errors=context.pop("errors", {}), **context)


class ReportPage(Controller):
    """One adoption record for the reporter's own organisation (an admin: any)."""

    path = "/benchmark/report"
    include_in_schema = False

    @get("/")
    def form(self, request: Request, db: Session, principal: Principal) -> Template:
        importer.require_reporter(principal)
        own = [o.ref for o in adoption_form.organisations(db, principal) if o.id == principal.organisation_id]
        return _form_page(request, db, principal, {"organisation": own[0] if own else ""})

    @post("/")
    def submit(self, request: Request, db: Session, principal: Principal, data: FormBody) -> Template:
        values = form_values(data)
        try:
            saved = adoption_form.report(db, principal, values, language_of(request))
        except ValidationFailed as exc:
            return _form_page(request, db, principal, values, 400, errors=exc.errors)
        kept = {"organisation": values.get("organisation", "")}
        return _form_page(request, db, principal, kept, saved=saved, saved_for=kept["organisation"])


@get("/benchmark/import/template", include_in_schema=False)
def template_file(request: Request, principal: Principal, kind: str = importer.ADOPTION,
                  format: str = "xlsx") -> Response[bytes]:
    """The file to fill in, its columns and statuses named in the page's language."""
    importer.require_reporter(principal)
    if kind not in importer.KINDS:
        raise ValidationFailed({"kind": Message("must be one of {values}", values=", ".join(importer.KINDS))})
    if format not in import_templates.FORMATS:
        raise ValidationFailed({"format": Message("must be one of {values}",
                                                  values=", ".join(import_templates.FORMATS))})
    lang = language_of(request)
    if format == "csv":
        content, media_type = import_templates.template_csv(kind, lang), "text/csv; charset=utf-8"
    else:
        content, media_type = import_templates.template_xlsx(kind, lang), import_templates.XLSX_TYPE
    name = import_templates.filename(kind, lang, format)
    return Response(content, media_type=media_type,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


ROUTES: list[ControllerRouterHandler] = [ReportPage, template_file]
