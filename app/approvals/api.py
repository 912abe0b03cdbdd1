"""JSON API of approvals and the public register (open data, JSON or CSV)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from litestar import MediaType, Request, Response
from litestar.enums import RequestEncodingType
from litestar.params import Body, Parameter
from litestar.types import ControllerRouterHandler
from sqlalchemy.orm import Session

from app.approvals import evidence
from app.approvals import lifecycle as lc
from app.approvals import services as svc
from app.approvals.schemas import EventIn
from app.core import clock
from app.core.pagination import PageRequest
from app.core.principal import Principal
from app.errors import ValidationFailed
from app.files import services as files
from app.files.web import download, file_upload, upload_of
from app.web.csv_export import csv_response
from app.web.routing import get, post


@get("/api/solutions/{key:str}/approval-status", tags=["approvals"],
     summary="A solution's approval status on a date (default today); any past date works")
def approval_status(db: Session, principal: Principal, key: str,
                    at: Annotated[date | None, Parameter(description="YYYY-MM-DD")] = None) -> dict[str, Any]:
    return svc.status_at(db, principal, key, at)


@get("/api/approvals/dashboard", tags=["approvals"],
     summary="Figures for approvers: temporary approvals by status, deadlines, outcomes")
def approvals_dashboard(request: Request, db: Session, principal: Principal) -> dict[str, Any]:
    minimum = request.app.state.settings.yearly_decision_minimum
    return svc.dashboard_json(svc.dashboard(db, principal, yearly_minimum=minimum))


@get("/api/approvals/{key:str}", tags=["approvals"],
     summary="A solution's approval: status, evidence plan and the whole history")
def approval_case(db: Session, principal: Principal, key: str) -> dict[str, Any]:
    solution, case = svc.get_solution_and_case(db, principal, key)
    return svc.case_view(db, principal, solution, case) | _files_json(db, principal, solution, case)


Multipart = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)]


def _files_json(db: Session, principal: Principal, solution: Any, case: Any) -> dict[str, Any]:
    """The case's evidence files, for those who may see them (approvers, admins, the vendor)."""
    found = evidence.case_files(db, principal, solution, case)
    return {"files": {kind: {str(k): [files.file_view(f) for f in rows] for k, rows in by_id.items()}
                      for kind, by_id in found.items() if kind != "events"}}


def _form_text(data: dict[str, Any], name: str) -> str | None:
    value = data.get(name)
    return value.strip() if isinstance(value, str) and value.strip() else None


@post("/api/approvals/{key:str}/milestones/{milestone_id:int}/evidence", tags=["approvals"], status_code=201,
      request_max_body_size=None, opt=file_upload("approval.evidence"),
      summary="Hand in evidence for a milestone of the solution's temporary approval (vendor)",
      description="Multipart: `file` (PDF, DOCX, XLSX, PNG or JPEG, checked from its content; at most the "
                  "configured size, 25 MB by default) and/or `note`, optional `version`. Recorded as a "
                  "`submit_evidence` event (rules M3, D5); a vendor only for its own solutions.")
def submit_evidence(db: Session, principal: Principal, file_context: files.FileContext, key: str,
                    milestone_id: int, data: Multipart) -> dict[str, Any]:
    version = _form_text(data, "version")
    event = evidence.submit_milestone_evidence(
        db, principal, file_context, key, milestone_id, _form_text(data, "note"),
        upload_of(data, "file", file_context.limit), int(version) if version and version.isdigit() else None)
    shown = svc.event_view(event)
    shown["files"] = [files.file_view(f) for f in files.attached(db, "milestone", [milestone_id])
                      if f.id in event.details.get("files", [])]
    return shown


@post("/api/approvals/{key:str}/application/files", tags=["approvals"], status_code=201,
      request_max_body_size=None, opt=file_upload("approval.apply"),
      summary="Add a file (multipart `file`) to the solution's open application")
def add_application_file(db: Session, principal: Principal, file_context: files.FileContext, key: str,
                         data: Multipart) -> dict[str, Any]:
    upload = upload_of(data, "file", file_context.limit)
    return files.file_view(evidence.add_application_file(db, principal, file_context, key, upload))


@get("/api/approvals/{key:str}/files/{file_id:int}", tags=["approvals"], media_type="application/octet-stream",
     summary="Download an evidence file of the approval (approvers, admins, the solution's vendor)")
def approval_file(db: Session, principal: Principal, file_context: files.FileContext, key: str,
                  file_id: int) -> Response[bytes]:
    row = evidence.case_file(db, principal, key, file_id)
    return download(row, files.content_of(file_context.storage, row))


@post("/api/approvals/{key:str}/events", tags=["approvals"], status_code=201,
      summary="Record an application, decision, extension, revocation, expiry or milestone",
      description="Refused with 409 (state) or 400 (dates/texts) and errors naming the rule, "
                  "e.g. {\"rule\": \"T2\", \"event\": \"rule T2: a solution may get only one "
                  "temporary approval\"}. Rules: " + "; ".join(f"{k}: {v}" for k, v in lc.RULES.items()))
def record_event(request: Request, db: Session, principal: Principal, key: str, data: EventIn) -> dict[str, Any]:
    case = svc.record_event(db, principal, key, data, decision_months=request.app.state.settings.decision_months)
    return svc.case_view(db, principal, case.solution, case)


@get("/api/register", tags=["register"],
     summary="The public register of approved solutions (open data; ?format=csv for CSV)",
     description="Every solution ever approved, with its stable register number (BT-YYYY-NNNN); "
                 "revoked, expired and ended approvals stay listed with their status.")
def register_api(request: Request, db: Session, principal: Principal, page: PageRequest,
                 status: str | None = None, treatment_area: str | None = None, purpose: str | None = None,
                 regulatory_class: str | None = None, q: str | None = None,
                 format: Annotated[str, Parameter(description="json or csv")] = "json") -> Response[Any]:
    flt = svc.register_filter(status, treatment_area, purpose, regulatory_class, q)
    if format == "csv":
        entries, _total = svc.register(db, principal, flt, None)
        rows = svc.register_csv_rows(entries, request.app.state.settings.base_url)
        return csv_response(svc.REGISTER_CSV_COLUMNS, ([row[c] for c in svc.REGISTER_CSV_COLUMNS] for row in rows),
                            f"blaastempel-register-{clock.today().isoformat()}")
    if format != "json":
        raise ValidationFailed({"format": "must be json or csv"})
    items, total = svc.register(db, principal, flt, page)
    return Response({"items": items, "total": total, "limit": page.limit, "offset": page.offset},
                    media_type=MediaType.JSON)


@get("/api/register/{number:str}", tags=["register"], summary="One register entry with its public history")
def register_entry(db: Session, principal: Principal, number: str) -> dict[str, Any]:
    case = svc.register_case(db, principal, number)
    entries = svc.register_entry(case, {t.code: t for t in svc.treatment_area_list(db)},
                                 svc.organisations_using(db, [case.solution_id]).get(case.solution_id, []),
                                 clock.today())
    entries["history"] = [svc.event_view(e, public=True) for e in svc.events_of(db, case)]
    return entries


ROUTES: list[ControllerRouterHandler] = [
    approval_status, approvals_dashboard, approval_case, record_event, register_api, register_entry,
    submit_evidence, add_application_file, approval_file,
]
