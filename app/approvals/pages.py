"""HTML pages: the public register, the approvers' dashboard, a solution's approval case
(history, evidence plan and the decision forms), the status badge shown on a solution's
page, and the iCalendar feed of deadlines."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from litestar import Controller, MediaType, Request, Response
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect, Template
from litestar.types import ControllerRouterHandler
from sqlalchemy.orm import Session

from app.approvals import evidence
from app.approvals import lifecycle as lc
from app.approvals import services as svc
from app.approvals.ical import build_calendar
from app.approvals.schemas import EventIn
from app.assessment.display import framework_title
from app.assessment.loader import FrameworkRegistry
from app.benchmark.services import IN_USE_DEFINITION
from app.catalogue.enums import Purpose, RegulatoryClass
from app.core import clock
from app.core.pagination import PageRequest
from app.core.principal import Principal, require
from app.errors import Conflict, ValidationFailed
from app.files import services as files
from app.files.web import download, file_upload, upload_of
from app.messages import Message, message_of
from app.web import htmx
from app.web.forms import ListForm, choice, text, typed_dates
from app.web.i18n import translations
from app.web.pager import pager
from app.web.rendering import language_of, render, validate_form
from app.web.routing import get, post

FormBody = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
UploadBody = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)]
MILESTONE_ROWS = 4
DATE_FIELDS = ("on", "valid_from", "valid_until", "evidence_due")


def _page(request: Request, template: str, status_code: int = 200, **context: Any) -> Template:
    lang = language_of(request)

    def area_label(code: str, areas: dict[str, Any]) -> str:
        area = areas.get(code)
        if area is None:
            return code
        return area.name_en if lang == "en" else area.name_da

    def parse_day(value: str | None) -> date | None:
        return date.fromisoformat(value) if value else None

    return htmx.vary(render(request, template, status_code=status_code, area_label=area_label,
                            parse_day=parse_day, in_use_definition=IN_USE_DEFINITION, **context))


# ---- the public register -------------------------------------------------------------------

REGISTER_FORM = ListForm("/register", svc.RegisterFilter, {
    "q": text, "status": choice(lc.REGISTER_STATUSES), "treatment_area": text, "purpose": choice(Purpose),
    "regulatory_class": choice(RegulatoryClass),
})


class RegisterPages(Controller):
    path = "/register"
    include_in_schema = False

    @get("/")
    def list(self, request: Request, db: Session, principal: Principal, page: PageRequest) -> Template:
        listing = REGISTER_FORM.parse(request.query_params)
        items, total = svc.register(db, principal, listing.filter, page)
        areas = svc.treatment_area_list(db)
        if language_of(request) == "en":
            areas.sort(key=lambda a: a.name_en)
        return _page(request, "approvals/register.html", items=items, filters=listing.values,
                     pager=pager(REGISTER_FORM.path, listing.values, page, total), areas=areas,
                     areas_by_code={a.code: a for a in areas}, statuses=lc.REGISTER_STATUSES,
                     purposes=[p.value for p in Purpose],
                     regulatory_classes=[r.value for r in RegulatoryClass], today=clock.today())

    @get("/{number:str}")
    def detail(self, request: Request, db: Session, principal: Principal, number: str) -> Template:
        case = svc.register_case(db, principal, number)
        areas = {a.code: a for a in svc.treatment_area_list(db)}
        orgs = svc.organisations_using(db, [case.solution_id]).get(case.solution_id, [])
        entry = svc.register_entry(case, areas, orgs, clock.today())
        return _page(request, "approvals/register_detail.html", entry=entry, case=case,
                     areas_by_code=areas, history=svc.events_of(db, case))


# ---- approvers' pages ----------------------------------------------------------------------


def _form_event(raw: dict[str, Any]) -> dict[str, Any]:
    """A posted decision form as EventIn input (blank fields left out)."""
    def one(key: str) -> str:
        value = raw.get(key, "")
        return (value[-1] if isinstance(value, list) else value or "").strip()

    def many(key: str) -> list[str]:
        value = raw.get(key, [])
        return [v for v in (value if isinstance(value, list) else [value]) if v]

    data: dict[str, Any] = {"event": one("event")}
    for key in (*DATE_FIELDS, "reason", "conditions", "indications", "evidence_url", "milestone_id",
                "version", "basis", "basis_reference"):
        if one(key):
            data[key] = one(key)
    data["treatment_areas"] = many("treatment_areas")
    data["assessment_ids"] = many("assessment_ids")
    milestones = []
    for i in range(1, MILESTONE_ROWS + 1):
        title, due = one(f"milestone_title_{i}"), one(f"milestone_due_{i}")
        if title or due:
            milestones.append({"title": title, "due": due or None})
    if milestones:
        data["milestones"] = milestones
    return data


def _typed_event_dates(raw: dict[str, Any], lang: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The decision form with its typed dates read in the page's language ("3.12.2026"),
    and {field: why} for those that are not whole dates."""
    dated, errors = typed_dates(raw, DATE_FIELDS, lang)
    milestones = []
    for number, milestone in enumerate(raw.get("milestones", []), start=1):
        due, not_due = typed_dates(milestone, ("due",), lang)
        milestones.append(due)
        if not_due:
            errors.setdefault("milestones", Message("milestone {number}: {why}", number=number,
                                                    why=not_due["due"]))
    if milestones:
        dated["milestones"] = milestones
    return dated, errors


class ApprovalPages(Controller):
    path = "/approvals"
    include_in_schema = False

    @get("/")
    def dashboard(self, request: Request, db: Session, principal: Principal) -> Template:
        data = svc.dashboard(db, principal, yearly_minimum=request.app.state.settings.yearly_decision_minimum)
        secret = request.app.state.settings.secret_key
        # A calendar program has no language cookie: the link carries the page's language.
        feed = (f"{request.app.state.settings.base_url}/approvals/calendar.ics?user={principal.id}"
                f"&token={svc.calendar_token(secret, principal.id or 0)}&lang={language_of(request)}")
        return _page(request, "approvals/dashboard.html", d=data, feed_url=feed,
                     windows=svc.WINDOWS, decision_months=request.app.state.settings.decision_months)

    def _case_page(self, request: Request, db: Session, principal: Principal,
                   frameworks: FrameworkRegistry, slug: str,
                   error_event: str | None = None, errors: dict[str, str] | None = None,
                   values: dict[str, Any] | None = None, status_code: int = 200) -> Template:
        solution, case = svc.get_solution_and_case(db, principal, slug)
        now = clock.today()
        view = svc.case_view(db, principal, solution, case, now)
        areas = svc.treatment_area_list(db)
        if language_of(request) == "en":
            areas.sort(key=lambda a: a.name_en)
        may_decide = principal.can("approval.decide")
        may_apply = principal.can("approval.apply") and (
            principal.role != "vendor" or principal.vendor_id == solution.vendor_id)
        forms = [e for e in view["allowed_events"]
                 if (e == lc.APPLY and may_apply) or (e != lc.APPLY and may_decide)]
        default_values = {"treatment_areas": [t.code for t in solution.treatment_areas]}
        own = principal.role == "vendor" and principal.vendor_id == solution.vendor_id
        return _page(request, "approvals/case.html", status_code=status_code, solution=solution,
                     case_files=evidence.case_files(db, principal, solution, case), uploaded_on=files.uploaded_on,
                     see_evidence=evidence.may_see_files(principal, solution),
                     # the vendor, or an approver for it (evidence sent by post or mail)
                     may_hand_in=(own or may_decide) and view["status"] == lc.TEMPORARY
                     and any(m["status"] == lc.PENDING for m in view["milestones"]),
                     may_add_to_application=(may_apply and view["recorded_status"] == lc.APPLIED),
                     file_limit_mb=files.megabytes(request.app.state.settings.file_max_bytes),
                     case=case, view=view, forms=forms, areas=areas,
                     areas_by_code={a.code: a for a in areas},
                     assessments=svc.completed_assessments(db, solution) if may_decide else [],
                     framework_title=lambda a: framework_title(frameworks, a.framework_id,
                                                               a.framework_version, language_of(request)),
                     history=svc.events_of(db, case), error_event=error_event, errors=errors or {},
                     values=values or default_values, today=now, milestone_rows=MILESTONE_ROWS,
                     staff=principal.can("approval.dashboard"), bases=lc.BASES,
                     decision_months=request.app.state.settings.decision_months)

    @get("/solutions/{slug:str}")
    def case(self, request: Request, db: Session, principal: Principal, frameworks: FrameworkRegistry,
             slug: str) -> Template:
        if not principal.is_authenticated:
            require(principal, "approval.apply")
        return self._case_page(request, db, principal, frameworks, slug)

    @post("/solutions/{slug:str}", media_type=MediaType.HTML)
    def record(self, request: Request, db: Session, principal: Principal, frameworks: FrameworkRegistry,
               slug: str, data: FormBody) -> Any:
        if not any(principal.can(p) for p in ("approval.apply", "approval.decide", "approval.evidence")):
            require(principal, "approval.apply")  # 401/403 before the form is validated
        raw = _form_event(data)
        kind = raw.get("event", "")
        lang = language_of(request)
        dated, not_dates = _typed_event_dates(raw, lang)
        parsed, errors = validate_form(EventIn, dated, lang)
        if parsed is None or not_dates:
            return self._case_page(request, db, principal, frameworks, slug, kind, errors | not_dates, raw, 400)
        try:
            case = svc.record_event(db, principal, slug, parsed,
                                    decision_months=request.app.state.settings.decision_months)
        except svc.ApprovalRefused as exc:
            return self._case_page(request, db, principal, frameworks, slug, kind, exc.errors, raw, exc.status_code)
        except ValidationFailed as exc:
            return self._case_page(request, db, principal, frameworks, slug, kind, exc.errors, raw, 400)
        except Conflict as exc:
            return self._case_page(request, db, principal, frameworks, slug, kind, {"event": message_of(exc)}, raw, 409)
        return Redirect(f"/approvals/solutions/{case.solution.slug}?saved={kind}", status_code=303)

    def _refused(self, request: Request, db: Session, principal: Principal, frameworks: FrameworkRegistry,
                 slug: str, kind: str, exc: ValidationFailed | Conflict, raw: dict[str, Any]) -> Template:
        db.rollback()  # a refused file or event leaves nothing behind
        errors = exc.errors if isinstance(exc, ValidationFailed) else {"event": message_of(exc)}
        return self._case_page(request, db, principal, frameworks, slug, kind, errors,
                               {k: v for k, v in raw.items() if isinstance(v, str)}, exc.status_code)

    @post("/solutions/{slug:str}/evidence", media_type=MediaType.HTML, request_max_body_size=None,
          opt=file_upload("approval.evidence"))
    def hand_in(self, request: Request, db: Session, principal: Principal, frameworks: FrameworkRegistry,
                file_context: files.FileContext, slug: str, data: UploadBody) -> Any:
        """The vendor hands in evidence (a file and/or a note) for a milestone."""
        milestone = str(data.get("milestone_id", ""))
        try:
            evidence.submit_milestone_evidence(
                db, principal, file_context, slug, int(milestone) if milestone.isdigit() else 0,
                data.get("note") if isinstance(data.get("note"), str) else None,
                upload_of(data, "file", file_context.limit))
        except (ValidationFailed, Conflict) as exc:
            return self._refused(request, db, principal, frameworks, slug, lc.SUBMIT_EVIDENCE, exc, data)
        return Redirect(f"/approvals/solutions/{slug}?saved={lc.SUBMIT_EVIDENCE}#plan-heading", status_code=303)

    @post("/solutions/{slug:str}/application/files", media_type=MediaType.HTML, request_max_body_size=None,
          opt=file_upload("approval.apply"))
    def add_to_application(self, request: Request, db: Session, principal: Principal,
                           frameworks: FrameworkRegistry, file_context: files.FileContext, slug: str,
                           data: UploadBody) -> Any:
        upload = upload_of(data, "file", file_context.limit)
        try:
            evidence.add_application_file(db, principal, file_context, slug, upload)
        except (ValidationFailed, Conflict) as exc:
            return self._refused(request, db, principal, frameworks, slug, "application_file", exc, data)
        return Redirect(f"/approvals/solutions/{slug}#history-heading", status_code=303)

    @get("/solutions/{slug:str}/files/{file_id:int}")
    def file(self, db: Session, principal: Principal, file_context: files.FileContext, slug: str,
             file_id: int) -> Response[bytes]:
        row = evidence.case_file(db, principal, slug, file_id)
        return download(row, files.content_of(file_context.storage, row))

    @get("/solutions/{slug:str}/badge")
    def badge(self, request: Request, db: Session, principal: Principal, slug: str) -> Template:
        solution, case = svc.get_solution_and_case(db, principal, slug)
        view = svc.case_view(db, principal, solution, case)
        return _page(request, "approvals/_badge.html", solution=solution, view=view,
                     staff=principal.can("approval.dashboard"))

    @get("/calendar.ics")
    def calendar(self, request: Request, db: Session, principal: Principal, user: int | None = None,
                 token: str | None = None) -> Response[bytes]:
        if not (principal.is_authenticated and principal.can("approval.dashboard")):
            svc.calendar_user(db, request.app.state.settings.secret_key, user, token)
        body = build_calendar(svc.calendar_deadlines(db), request.app.state.settings.base_url,
                              translations(language_of(request)).gettext)
        return Response(body, media_type="text/calendar; charset=utf-8",
                        headers={"Content-Disposition": 'inline; filename="blaastempel-deadlines.ics"',
                                 "Cache-Control": "private, max-age=300"})


ROUTES: list[ControllerRouterHandler] = [RegisterPages, ApprovalPages]
