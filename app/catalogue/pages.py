"""HTML pages of the catalogue (Jinja + HTMX) over the same services as the API.

Every list page answers a plain GET (works without JavaScript) and, when HTMX asks
(HX-Request header), only the results partial. Forms post back to their own URL, show
each message next to its field and redirect (303) to the record when saved.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Annotated, Any

from litestar import Controller, MediaType, Request
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect, Template
from litestar.types import ControllerRouterHandler
from pydantic import BaseModel
from sqlalchemy.orm import Session

from app.audit.services import history
from app.catalogue import buyer_form
from app.catalogue import services as svc
from app.catalogue.buyer_facts import buyer_facts
from app.catalogue.enums import (
    Integration,
    OrganisationKind,
    Origin,
    Priority,
    ProjectStage,
    Purpose,
    Regulation,
    RegulatoryClass,
    TargetUsers,
)
from app.catalogue.models import Need, Organisation, Project, Solution, TreatmentArea, Vendor
from app.catalogue.schemas import (
    EndorsementIn,
    NeedIn,
    NeedUpdate,
    ProjectIn,
    ProjectUpdate,
    SolutionIn,
    SolutionUpdate,
    VendorIn,
    VendorUpdate,
)
from app.core.pagination import MAX_PAGE_SIZE, PageRequest
from app.core.principal import Principal, require
from app.core.roles import Role
from app.errors import Conflict, Forbidden, ValidationFailed
from app.messages import translate
from app.web import forms, htmx
from app.web.forms import ListForm, date_text, form_values, number_text, typed_dates, typed_numbers
from app.web.i18n import day, number, translations
from app.web.pager import pager
from app.web.rendering import language_of, render, validate_form
from app.web.routing import get, post

FormBody = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
ALL = PageRequest(limit=MAX_PAGE_SIZE, offset=0)
CONFLICT_MESSAGE = ("This record was changed by someone else while you were editing it. "
                    "Nothing was saved. Reload the page to see the latest version and make your "
                    "change again.")


# ---- small helpers -----------------------------------------------------------------


def _values(enum: Any) -> list[str]:
    return [e.value for e in enum]


_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def _audit_value(value: Any, lang: str, field: str = "") -> str:
    """A stored value of `field` as the reader reads it: a code by its label ("field:code",
    for a list field its singular "platform:ios"), a date and a number as the language
    writes them."""
    gettext = translations(lang).gettext
    if value is None or value == "":
        return "–"
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    if isinstance(value, float):  # an int may be a year or an id: shown as it is
        return number(value, lang, 2)
    if isinstance(value, list):
        return ", ".join(_audit_value(v, lang, field.removesuffix("s")) for v in value) or "–"
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_audit_value(v, lang, k)}" for k, v in value.items())
    if _ISO_DAY.fullmatch(str(value)):
        return day(str(value), lang)
    coded = f"{field}:{value}"
    worded = gettext(coded)
    return worded if field and worded != coded else gettext(str(value))


def _page(request: Request, template: str, status_code: int = 200, **context: Any) -> Template:
    """render() plus the catalogue's display helpers (names in the reader's language)."""
    lang = language_of(request)

    def area_name(area: TreatmentArea | None) -> str:
        if area is None:
            return "–"
        return area.name_en if lang == "en" else area.name_da

    def org_name(org: Organisation | None) -> str:
        if org is None:
            return "–"
        return org.name_en if lang == "en" and org.name_en else org.name

    def localized(da: str | None, en: str | None) -> tuple[str, str]:
        """Text in the reader's language, falling back to Danish; with its language code."""
        if lang == "en" and en:
            return en, "en"
        return da or "", "da"

    gettext = translations(lang).gettext

    def code_options(codes: list[str]) -> list[tuple[str, str]]:
        return [(code, gettext(code)) for code in codes]

    def area_options(areas: list[TreatmentArea]) -> list[tuple[str, str]]:
        return [(a.code, area_name(a)) for a in areas]

    def pairs(objects: list[Any], label: str = "name") -> list[tuple[Any, str]]:
        return [(o.id, getattr(o, label)) for o in objects]

    def org_groups(orgs: list[Organisation], kind_labels: dict[str, str]) -> list[tuple[str, list[Any]]]:
        groups: dict[str, list[tuple[int, str]]] = {}
        for org in orgs:
            groups.setdefault(org.kind, []).append((org.id, org_name(org)))
        return [(kind_labels.get(kind, kind), options) for kind, options in groups.items()]

    return htmx.vary(render(request, template, status_code=status_code, area_name=area_name,
                            org_name=org_name, localized=localized,
                            audit_value=lambda value, field="": _audit_value(value, lang, field),
                            code_options=code_options, area_options=area_options, pairs=pairs,
                            org_groups=org_groups, **context))


def _list_response(request: Request, form: ListForm[Any], values: dict[str, Any], page: PageRequest,
                   total: int, **context: Any) -> Template:
    """A list page, or only its results for HTMX, with the form's values and the pager."""
    name = form.path.strip("/")
    template, partial = htmx.template_for(request, f"catalogue/{name}/list.html", f"catalogue/{name}/_results.html")
    return _page(request, template, partial=partial, filters=values,
                 pager=pager(form.path, values, page, total), **context)


def _audit(db: Session, principal: Principal, entity_type: str, entity_id: int) -> list[Any] | None:
    if not principal.can("audit.read"):
        return None
    events, _total = history(db, principal, entity_type, entity_id, PageRequest(limit=50))
    return events


def _treatment_areas(db: Session, request: Request) -> list[TreatmentArea]:
    areas = svc.treatment_areas(db)
    if language_of(request) == "en":
        areas.sort(key=lambda a: a.name_en)
    return areas


def _save(request: Request, model: type[BaseModel], data: dict[str, Any], action: Callable[[Any], Any],
          numbers: tuple[str, ...] = (),
          dates: tuple[str, ...] = ()) -> tuple[Any, dict[str, str], str | None, int]:
    """Validate and save; answer (record, field errors, conflict message, status). The
    `numbers` and `dates` fields are read as typed in the page's language ("1.500.000",
    "1,5"; "3.12.2026")."""
    lang = language_of(request)
    data, not_numbers = typed_numbers(data, numbers, lang)
    data, not_dates = typed_dates(data, dates, lang)
    parsed, errors = validate_form(model, data, lang)
    if parsed is None or not_numbers or not_dates:
        return None, errors | not_numbers | not_dates, None, 400
    try:
        return action(parsed), {}, None, 303
    except ValidationFailed as exc:
        return None, exc.errors, None, 400
    except Conflict:
        return None, {}, CONFLICT_MESSAGE, 409


def _owned(record: Any, owned: bool) -> Any:
    """The record, if it is this user's to change. The role's permission is checked before
    the record is loaded (require), so anonymous users are sent to the login page."""
    if not owned:
        raise Forbidden("you may not change this record")
    return record


def _editable_solution(db: Session, principal: Principal, slug: str) -> Any:
    require(principal, "solution.update")
    solution = svc.get_solution(db, principal, slug)
    return _owned(solution, svc.acts_for_vendor(principal, solution.vendor_id))


def _editable_project(db: Session, principal: Principal, slug: str) -> Any:
    require(principal, "project.update")
    project = svc.get_project(db, slug)
    return _owned(project, svc.acts_for_organisation(principal, project.owner_id))


def _editable_need(db: Session, principal: Principal, slug: str) -> Any:
    require(principal, "need.update")
    need = svc.get_need(db, slug)
    return _owned(need, svc.acts_for_organisation(principal, need.organisation_id))


def _editable_vendor(db: Session, principal: Principal, vendor_id: int) -> Any:
    require(principal, "vendor.update")
    vendor = svc.get_vendor(db, vendor_id)
    return _owned(vendor, svc.acts_for_vendor(principal, vendor.id))


# ---- solutions ---------------------------------------------------------------------

SOLUTION_LISTS = ("treatment_areas", "integrations", "platforms", "languages")
SOLUTION_BOOLS = ("has_dpia", "has_dpa", "published")
SOLUTION_NUMBERS = ("trl", "capacity_fte_per_100k", "price_dkk")
SOLUTION_FORM = ListForm("/solutions", svc.SolutionFilter, {
    "q": forms.text, "purpose": forms.choice(Purpose), "treatment_area": forms.text,
    "target_users": forms.choice(TargetUsers), "origin": forms.choice(Origin),
    "regulatory_class": forms.choice(RegulatoryClass), "vendor_id": forms.integer,
}, sorts=svc.SOLUTION_SORTS)


def _solution_values(solution: Solution, lang: str) -> dict[str, Any]:
    return {
        "name": solution.name, "slug": solution.slug, "vendor_id": solution.vendor_id,
        "short_description_da": solution.short_description_da,
        "short_description_en": solution.short_description_en or "",
        "description_da": solution.description_da, "description_en": solution.description_en or "",
        "purpose": solution.purpose, "treatment_areas": [t.code for t in solution.treatment_areas],
        "target_users": solution.target_users, "origin": solution.origin, "country": solution.country,
        "regulatory_class": solution.regulatory_class, "regulation": solution.regulation or "",
        "has_dpia": solution.has_dpia, "has_dpa": solution.has_dpa,
        "integrations": list(solution.integrations or []),
        "trl": "" if solution.trl is None else solution.trl,
        "capacity_fte_per_100k": number_text(solution.capacity_fte_per_100k, lang),
        "website": solution.website or "", "published": solution.published,
        "version": solution.version, **buyer_form.buyer_values(solution, lang),
    }


def _save_solution(request: Request, model: type[BaseModel], values: dict[str, Any],
                   action: Callable[[Any], Any]) -> tuple[Any, dict[str, str], str | None, int]:
    """_save for the solution form, whose study rows are checked field by field."""
    lang = language_of(request)
    data, study_errors = buyer_form.solution_input(values, lang)
    if not study_errors:
        return _save(request, model, data, action, SOLUTION_NUMBERS)
    typed, not_numbers = typed_numbers(data | {"studies": []}, SOLUTION_NUMBERS, lang)
    _parsed, errors = validate_form(model, typed, lang)
    return None, errors | not_numbers | study_errors, None, 400


def _posted_solution(data: dict[str, Any]) -> dict[str, Any]:
    values = form_values(data, SOLUTION_LISTS, SOLUTION_BOOLS)
    values["studies"] = buyer_form.study_rows(values)
    return values


class SolutionPages(Controller):
    path = "/solutions"
    include_in_schema = False

    @get("/")
    def list(self, request: Request, db: Session, principal: Principal, page: PageRequest) -> Template:
        listing = SOLUTION_FORM.parse(request.query_params)
        items, total = svc.list_solutions(db, principal, listing.filter, page, listing.sort or "name")
        return _list_response(
            request, SOLUTION_FORM, listing.values, page, total, items=items,
            vendor=svc.find_vendor(db, listing.filter.vendor_id), areas=_treatment_areas(db, request),
            purposes=_values(Purpose), target_users_all=_values(TargetUsers), origins=_values(Origin),
            regulatory_classes=_values(RegulatoryClass), sorts=list(svc.SOLUTION_SORTS))

    def _form_page(self, request: Request, db: Session, principal: Principal, values: dict[str, Any],
                   errors: dict[str, str] | None = None, conflict: str | None = None,
                   solution: Solution | None = None, status_code: int = 200) -> Template:
        if principal.role == Role.VENDOR:
            vendors = [v for v in [svc.find_vendor(db, principal.vendor_id)] if v is not None]
        else:
            vendors, _total = svc.list_vendors(db, ALL)
        return _page(request, "catalogue/solutions/form.html", status_code=status_code,
                     values=values, errors=errors or {}, conflict=conflict, solution=solution,
                     vendors=vendors, areas=_treatment_areas(db, request), purposes=_values(Purpose),
                     target_users_all=_values(TargetUsers), origins=_values(Origin),
                     regulatory_classes=_values(RegulatoryClass), regulations=_values(Regulation),
                     integrations_all=_values(Integration), **buyer_form.form_context(language_of(request), values))

    @get("/new")
    def new(self, request: Request, db: Session, principal: Principal,
            vendor_id: str | None = None) -> Template:
        require(principal, "solution.create")
        chosen = principal.vendor_id if principal.role == Role.VENDOR else forms.integer(vendor_id)
        values: dict[str, Any] = {"vendor_id": chosen or "", "country": "DK", "regulatory_class": "none",
                  "published": True, "treatment_areas": [], "integrations": [], "platforms": [],
                  "languages": [], "studies": []}
        return self._form_page(request, db, principal, values)

    @post("/new", media_type=MediaType.HTML)
    def create(self, request: Request, db: Session, principal: Principal, data: FormBody) -> Any:
        require(principal, "solution.create")
        values = _posted_solution(data)
        values.pop("version", None)
        saved, errors, conflict, status = _save_solution(
            request, SolutionIn, values, lambda parsed: svc.create_solution(db, principal, parsed))
        if saved is not None:
            return Redirect(f"/solutions/{saved.slug}", status_code=303)
        return self._form_page(request, db, principal, values, errors, conflict, status_code=status)

    @get("/{slug:str}")
    def detail(self, request: Request, db: Session, principal: Principal, slug: str) -> Template:
        solution = svc.get_solution(db, principal, slug)
        projects, _total = svc.list_projects(db, principal, svc.ProjectFilter(solution_id=solution.id), ALL)
        return _page(request, "catalogue/solutions/detail.html", solution=solution, projects=projects,
                     buyer=buyer_facts(solution, language_of(request)),
                     can_edit=svc.may_for_vendor(principal, "solution.update", solution.vendor_id),
                     audit=_audit(db, principal, "solution", solution.id))

    @get("/{slug:str}/edit")
    def edit(self, request: Request, db: Session, principal: Principal, slug: str) -> Template:
        solution = _editable_solution(db, principal, slug)
        return self._form_page(request, db, principal, _solution_values(solution, language_of(request)),
                               solution=solution)

    @post("/{slug:str}/edit", media_type=MediaType.HTML)
    def update(self, request: Request, db: Session, principal: Principal, slug: str,
               data: FormBody) -> Any:
        solution = _editable_solution(db, principal, slug)
        values = _posted_solution(data)
        saved, errors, conflict, status = _save_solution(
            request, SolutionUpdate, values,
            lambda parsed: svc.update_solution(db, principal, solution.id, parsed))
        if saved is not None:
            return Redirect(f"/solutions/{saved.slug}", status_code=303)
        return self._form_page(request, db, principal, values, errors, conflict,
                               solution=svc.get_solution(db, principal, solution.id), status_code=status)


# ---- projects ----------------------------------------------------------------------

PROJECT_LISTS = ("partner_ids", "solution_ids", "need_ids")
PROJECT_NUMBERS = ("budget_dkk",)
PROJECT_DATES = ("start_date", "end_date")
PROJECT_FORM = ListForm("/projects", svc.ProjectFilter, {
    "q": forms.text, "stage": forms.choice(ProjectStage), "region_id": forms.integer,
    "owner_id": forms.integer, "solution_id": forms.integer,
})


def _project_values(project: Project, solutions: list[Solution], lang: str) -> dict[str, Any]:
    return {
        "name": project.name, "slug": project.slug, "description": project.description,
        "owner_id": project.owner_id, "partner_ids": [o.id for o in project.partners],
        "stage": project.stage, "origin": project.origin,
        "start_date": date_text(project.start_date, lang),
        "end_date": date_text(project.end_date, lang),
        "budget_dkk": "" if project.budget_dkk is None else project.budget_dkk,
        "funding_source": project.funding_source or "",
        "solution_ids": [s.id for s in solutions], "need_ids": [n.id for n in project.needs],
        "results": project.results or "", "version": project.version,
    }


def _owner_choices(db: Session, principal: Principal) -> list[Organisation]:
    if principal.role == Role.ORG_REPORTER:
        own = svc.find_organisation(db, principal.organisation_id)
        return [own] if own else []
    return svc.organisation_choices(db)


class ProjectPages(Controller):
    path = "/projects"
    include_in_schema = False

    @get("/")
    def list(self, request: Request, db: Session, principal: Principal, page: PageRequest) -> Template:
        listing = PROJECT_FORM.parse(request.query_params)
        flt = listing.filter
        items, total = svc.list_projects(db, principal, flt, page)
        return _list_response(
            request, PROJECT_FORM, listing.values, page, total, items=items,
            linked=svc.linked_solutions(db, principal, items), stages=_values(ProjectStage),
            regions=svc.organisation_choices(db, [OrganisationKind.REGION.value]),
            owner=svc.find_organisation(db, flt.owner_id), solution=svc.find_solution(db, principal, flt.solution_id))

    def _form_page(self, request: Request, db: Session, principal: Principal, values: dict[str, Any],
                   errors: dict[str, str] | None = None, conflict: str | None = None,
                   project: Project | None = None, status_code: int = 200) -> Template:
        solutions, _t = svc.list_solutions(db, principal, svc.SolutionFilter(), ALL)
        needs, _t = svc.list_needs(db, svc.NeedFilter(), ALL, "title")
        return _page(request, "catalogue/projects/form.html", status_code=status_code, values=values,
                     errors=errors or {}, conflict=conflict, project=project,
                     owners=_owner_choices(db, principal), organisations=svc.organisation_choices(db),
                     solutions=solutions, needs=needs, stages=_values(ProjectStage),
                     origins=_values(Origin), kinds=_values(OrganisationKind))

    @get("/new")
    def new(self, request: Request, db: Session, principal: Principal) -> Template:
        require(principal, "project.create")
        values: dict[str, Any] = {"owner_id": principal.organisation_id or "", "origin": "public", "stage": "",
                  "partner_ids": [], "solution_ids": [], "need_ids": []}
        return self._form_page(request, db, principal, values)

    @post("/new", media_type=MediaType.HTML)
    def create(self, request: Request, db: Session, principal: Principal, data: FormBody) -> Any:
        require(principal, "project.create")
        values = form_values(data, PROJECT_LISTS)
        values.pop("version", None)
        saved, errors, conflict, status = _save(
            request, ProjectIn, values, lambda parsed: svc.create_project(db, principal, parsed),
            PROJECT_NUMBERS, PROJECT_DATES)
        if saved is not None:
            return Redirect(f"/projects/{saved.slug}", status_code=303)
        return self._form_page(request, db, principal, values, errors, conflict, status_code=status)

    @get("/{slug:str}")
    def detail(self, request: Request, db: Session, principal: Principal, slug: str) -> Template:
        project = svc.get_project(db, slug)
        return _page(request, "catalogue/projects/detail.html", project=project,
                     solutions=svc.linked_solutions(db, principal, [project])[project.id],
                     can_edit=svc.may_for_organisation(principal, "project.update", project.owner_id),
                     audit=_audit(db, principal, "project", project.id))

    @get("/{slug:str}/edit")
    def edit(self, request: Request, db: Session, principal: Principal, slug: str) -> Template:
        project = _editable_project(db, principal, slug)
        solutions = svc.linked_solutions(db, principal, [project])[project.id]
        values = _project_values(project, solutions, language_of(request))
        return self._form_page(request, db, principal, values, project=project)

    @post("/{slug:str}/edit", media_type=MediaType.HTML)
    def update(self, request: Request, db: Session, principal: Principal, slug: str,
               data: FormBody) -> Any:
        project = _editable_project(db, principal, slug)
        values = form_values(data, PROJECT_LISTS)
        saved, errors, conflict, status = _save(
            request, ProjectUpdate, values,
            lambda parsed: svc.update_project(db, principal, project.id, parsed),
            PROJECT_NUMBERS, PROJECT_DATES)
        if saved is not None:
            return Redirect(f"/projects/{saved.slug}", status_code=303)
        return self._form_page(request, db, principal, values, errors, conflict,
                               project=svc.get_project(db, project.id), status_code=status)


# ---- needs -------------------------------------------------------------------------


NEED_NUMBERS = ("affected_patients",)


def _need_values(need: Need) -> dict[str, Any]:
    return {
        "title": need.title, "slug": need.slug, "description": need.description,
        "treatment_area": need.treatment_area.code if need.treatment_area else "",
        "organisation_id": need.organisation_id, "capacity_problem": need.capacity_problem,
        "affected_patients": "" if need.affected_patients is None else need.affected_patients,
        "priority": need.priority, "version": need.version,
    }


def _endorsement_context(db: Session, principal: Principal, need: Need) -> dict[str, Any]:
    endorsed_ids = {e.organisation_id for e in need.endorsements}
    can_endorse = principal.can("need.endorse")
    choices: list[Organisation] = []
    if can_endorse and principal.organisation_id is None:
        choices = [o for o in svc.organisation_choices(db) if o.id not in endorsed_ids]
    return {"can_endorse": can_endorse, "endorse_choices": choices,
            "own_endorsed": principal.organisation_id in endorsed_ids,
            "own_organisation": svc.find_organisation(db, principal.organisation_id)}


NEED_FORM = ListForm("/needs", svc.NeedFilter, {
    "q": forms.text, "treatment_area": forms.text, "priority": forms.choice(Priority),
    "organisation_id": forms.integer,
}, sorts=svc.NEED_SORTS)


class NeedPages(Controller):
    path = "/needs"
    include_in_schema = False

    @get("/")
    def list(self, request: Request, db: Session, page: PageRequest) -> Template:
        listing = NEED_FORM.parse(request.query_params)
        items, total = svc.list_needs(db, listing.filter, page, listing.sort or "endorsements")
        return _list_response(
            request, NEED_FORM, listing.values, page, total, items=items, areas=_treatment_areas(db, request),
            priorities=_values(Priority), sorts=list(svc.NEED_SORTS),
            organisation=svc.find_organisation(db, listing.filter.organisation_id))

    def _form_page(self, request: Request, db: Session, principal: Principal, values: dict[str, Any],
                   errors: dict[str, str] | None = None, conflict: str | None = None,
                   need: Need | None = None, status_code: int = 200) -> Template:
        return _page(request, "catalogue/needs/form.html", status_code=status_code, values=values,
                     errors=errors or {}, conflict=conflict, need=need,
                     organisations=_owner_choices(db, principal), areas=_treatment_areas(db, request),
                     priorities=_values(Priority), kinds=_values(OrganisationKind))

    @get("/new")
    def new(self, request: Request, db: Session, principal: Principal) -> Template:
        require(principal, "need.create")
        values = {"organisation_id": principal.organisation_id or "", "priority": "medium"}
        return self._form_page(request, db, principal, values)

    @post("/new", media_type=MediaType.HTML)
    def create(self, request: Request, db: Session, principal: Principal, data: FormBody) -> Any:
        require(principal, "need.create")
        values = form_values(data)
        values.pop("version", None)
        saved, errors, conflict, status = _save(
            request, NeedIn, values, lambda parsed: svc.create_need(db, principal, parsed), NEED_NUMBERS)
        if saved is not None:
            return Redirect(f"/needs/{saved.slug}", status_code=303)
        return self._form_page(request, db, principal, values, errors, conflict, status_code=status)

    def _detail(self, request: Request, db: Session, principal: Principal, need: Need,
                status_code: int = 200, endorse_error: str | None = None,
                endorsed: bool = False) -> Template:
        projects, _total = svc.list_projects(db, principal, svc.ProjectFilter(need_id=need.id), ALL)
        return _page(request, "catalogue/needs/detail.html", status_code=status_code, need=need,
                     projects=projects, endorse_error=endorse_error, endorsed=endorsed,
                     can_edit=svc.may_for_organisation(principal, "need.update", need.organisation_id),
                     audit=_audit(db, principal, "need", need.id),
                     **_endorsement_context(db, principal, need))

    @get("/{slug:str}")
    def detail(self, request: Request, db: Session, principal: Principal, slug: str) -> Template:
        return self._detail(request, db, principal, svc.get_need(db, slug))

    @post("/{slug:str}/endorse", media_type=MediaType.HTML)
    def endorse(self, request: Request, db: Session, principal: Principal, slug: str,
                data: FormBody) -> Any:
        values = form_values(data)
        error: str | None = None
        try:
            parsed = EndorsementIn.model_validate(
                {"organisation_id": forms.integer(values.get("organisation_id")),
                 "comment": forms.text(values.get("comment"))})
            need = svc.endorse_need(db, principal, slug, parsed)
        except ValidationFailed as exc:
            gettext = translations(language_of(request)).gettext
            error = "; ".join(translate(v, gettext) for v in exc.errors.values())
        except Conflict:
            error = "This organisation has already endorsed the need."
        if error is None and not htmx.is_htmx(request):
            return Redirect(f"/needs/{slug}", status_code=303)
        need = svc.get_need(db, slug)
        if htmx.is_htmx(request):
            # 200 so that HTMX swaps the message in; nothing was changed on an error.
            return _page(request, "catalogue/needs/_endorsement.html", need=need, endorse_error=error,
                         endorsed=error is None, **_endorsement_context(db, principal, need))
        return self._detail(request, db, principal, need, status_code=409 if error else 200,
                            endorse_error=error)

    @get("/{slug:str}/edit")
    def edit(self, request: Request, db: Session, principal: Principal, slug: str) -> Template:
        need = _editable_need(db, principal, slug)
        return self._form_page(request, db, principal, _need_values(need), need=need)

    @post("/{slug:str}/edit", media_type=MediaType.HTML)
    def update(self, request: Request, db: Session, principal: Principal, slug: str,
               data: FormBody) -> Any:
        need = _editable_need(db, principal, slug)
        values = form_values(data)
        saved, errors, conflict, status = _save(
            request, NeedUpdate, values, lambda parsed: svc.update_need(db, principal, need.id, parsed),
            NEED_NUMBERS)
        if saved is not None:
            return Redirect(f"/needs/{saved.slug}", status_code=303)
        return self._form_page(request, db, principal, values, errors, conflict,
                               need=svc.get_need(db, need.id), status_code=status)


# ---- vendors -----------------------------------------------------------------------


def _vendor_values(vendor: Vendor) -> dict[str, Any]:
    return {"name": vendor.name, "country": vendor.country, "cvr": vendor.cvr or "",
            "website": vendor.website or "", "version": vendor.version}


VENDOR_FORM: ListForm[dict[str, Any]] = ListForm("/vendors", dict, {"q": forms.text, "country": forms.country})


class VendorPages(Controller):
    path = "/vendors"
    include_in_schema = False

    @get("/")
    def list(self, request: Request, db: Session, page: PageRequest) -> Template:
        listing = VENDOR_FORM.parse(request.query_params)
        items, total = svc.list_vendors(db, page, **listing.filter)
        return _list_response(request, VENDOR_FORM, listing.values, page, total, items=items)

    def _form_page(self, request: Request, values: dict[str, Any], errors: dict[str, str] | None = None,
                   conflict: str | None = None, vendor: Vendor | None = None,
                   status_code: int = 200) -> Template:
        return _page(request, "catalogue/vendors/form.html", status_code=status_code, values=values,
                     errors=errors or {}, conflict=conflict, vendor=vendor)

    @get("/new")
    def new(self, request: Request, principal: Principal) -> Template:
        require(principal, "vendor.create")
        return self._form_page(request, {"country": "DK"})

    @post("/new", media_type=MediaType.HTML)
    def create(self, request: Request, db: Session, principal: Principal, data: FormBody) -> Any:
        require(principal, "vendor.create")
        values = form_values(data)
        values.pop("version", None)
        saved, errors, conflict, status = _save(
            request, VendorIn, values, lambda parsed: svc.create_vendor(db, principal, parsed))
        if saved is not None:
            return Redirect(f"/vendors/{saved.id}", status_code=303)
        return self._form_page(request, values, errors, conflict, status_code=status)

    @get("/{vendor_id:int}")
    def detail(self, request: Request, db: Session, principal: Principal, vendor_id: int) -> Template:
        vendor = svc.get_vendor(db, vendor_id)
        solutions, _total = svc.list_solutions(db, principal, svc.SolutionFilter(vendor_id=vendor.id), ALL)
        return _page(request, "catalogue/vendors/detail.html", vendor=vendor, solutions=solutions,
                     can_edit=svc.may_for_vendor(principal, "vendor.update", vendor.id),
                     can_add_solution=svc.may_for_vendor(principal, "solution.create", vendor.id),
                     audit=_audit(db, principal, "vendor", vendor.id))

    @get("/{vendor_id:int}/edit")
    def edit(self, request: Request, db: Session, principal: Principal, vendor_id: int) -> Template:
        vendor = _editable_vendor(db, principal, vendor_id)
        return self._form_page(request, _vendor_values(vendor), vendor=vendor)

    @post("/{vendor_id:int}/edit", media_type=MediaType.HTML)
    def update(self, request: Request, db: Session, principal: Principal, vendor_id: int,
               data: FormBody) -> Any:
        _editable_vendor(db, principal, vendor_id)
        values = form_values(data)
        saved, errors, conflict, status = _save(
            request, VendorUpdate, values, lambda parsed: svc.update_vendor(db, principal, vendor_id, parsed))
        if saved is not None:
            return Redirect(f"/vendors/{saved.id}", status_code=303)
        return self._form_page(request, values, errors, conflict, vendor=svc.get_vendor(db, vendor_id),
                               status_code=status)


# ---- organisations -----------------------------------------------------------------


ORGANISATION_FORM: ListForm[dict[str, Any]] = ListForm("/organisations", dict, {
    "q": forms.text, "kind": forms.choice(OrganisationKind), "region_id": forms.integer,
})


class OrganisationPages(Controller):
    path = "/organisations"
    include_in_schema = False

    @get("/")
    def list(self, request: Request, db: Session, page: PageRequest) -> Template:
        listing = ORGANISATION_FORM.parse(request.query_params)
        items, total = svc.list_organisations(db, page, **listing.filter)
        return _list_response(
            request, ORGANISATION_FORM, listing.values, page, total, items=items, kinds=_values(OrganisationKind),
            regions=svc.organisation_choices(db, [OrganisationKind.REGION.value]))

    @get("/{key:str}")
    def detail(self, request: Request, db: Session, principal: Principal, key: str) -> Template:
        organisation = svc.get_organisation(db, key)
        projects, _t = svc.list_projects(db, principal, svc.ProjectFilter(owner_id=organisation.id), ALL)
        partner_in, _t = svc.list_projects(db, principal, svc.ProjectFilter(partner_id=organisation.id), ALL)
        needs, _t = svc.list_needs(db, svc.NeedFilter(organisation_id=organisation.id), ALL)
        endorsed, _t = svc.list_needs(db, svc.NeedFilter(endorsed_by=organisation.id), ALL)
        members: list[Organisation] = []
        if organisation.kind == OrganisationKind.REGION.value:
            members = svc.region_members(db, organisation)
        return _page(request, "catalogue/organisations/detail.html", organisation=organisation,
                     projects=projects, partner_in=partner_in, needs=needs, endorsed=endorsed,
                     members=members)


ROUTES: list[ControllerRouterHandler] = [SolutionPages, ProjectPages, NeedPages, VendorPages, OrganisationPages]
