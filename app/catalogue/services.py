"""Catalogue business rules: listing, visibility, ownership, references, versions.

Services take a Session and a Principal, never a request; they flush but do not
commit (the request or CLI owns the transaction).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, func, not_, or_, select, true
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.catalogue.codes import icd10_code, is_language
from app.catalogue.counts import SOLUTION_COUNTS
from app.catalogue.models import (
    Need,
    NeedEndorsement,
    Organisation,
    Project,
    Solution,
    SolutionStudy,
    TreatmentArea,
    Vendor,
    project_solution,
    solution_treatment_area,
)
from app.catalogue.regions import in_region, valid_on
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
from app.core import clock
from app.core.pagination import PageRequest, page_rows, paginate
from app.core.principal import ANONYMOUS_PRINCIPAL, Principal, require
from app.core.records import assign, check_version, flush, get_record, is_id, not_found, unique_slug
from app.core.roles import Role
from app.errors import Conflict, Forbidden, ValidationFailed
from app.messages import Message, Term

# ---- reference look-ups ------------------------------------------------------------


def treatment_areas(session: Session) -> list[TreatmentArea]:
    return list(session.scalars(select(TreatmentArea).order_by(TreatmentArea.name_da)))


def _treatment_areas_by_code(session: Session, codes: Sequence[str], field: str) -> list[TreatmentArea]:
    if not codes:
        return []
    found = {t.code: t for t in session.scalars(select(TreatmentArea).where(TreatmentArea.code.in_(codes)))}
    unknown = [c for c in codes if c not in found]
    if unknown:
        raise ValidationFailed({field: Message("unknown treatment area: {codes}", codes=", ".join(unknown))})
    return [found[c] for c in dict.fromkeys(codes)]


def _organisations_by_id(session: Session, ids: Sequence[int], field: str) -> list[Organisation]:
    if not ids:
        return []
    found = {o.id: o for o in session.scalars(select(Organisation).where(Organisation.id.in_(ids)))}
    unknown = [str(i) for i in ids if i not in found]
    if unknown:
        raise ValidationFailed({field: Message("unknown organisation id: {ids}", ids=", ".join(unknown))})
    return [found[i] for i in dict.fromkeys(ids)]


def _by_ids(session: Session, model: Any, ids: Sequence[int], field: str, label: str,
            visible: ColumnElement[bool] | None = None) -> list[Any]:
    """The records of these ids (among those `visible`, if given), or a 400 naming the field
    and the ids it does not know: one the reader may not see is unknown, not forbidden."""
    if not ids:
        return []
    stmt = select(model).where(model.id.in_(ids))
    if visible is not None:
        stmt = stmt.where(visible)
    found = {o.id: o for o in session.scalars(stmt)}
    unknown = [str(i) for i in ids if i not in found]
    if unknown:
        raise ValidationFailed({field: Message("unknown {kind} id: {ids}", kind=Term("record", label),
                                               ids=", ".join(unknown))})
    return [found[i] for i in dict.fromkeys(ids)]


# ---- organisations -----------------------------------------------------------------


def list_organisations(session: Session, page: PageRequest, *, kind: str | None = None,
                       region_id: int | None = None, q: str | None = None) -> tuple[list[Organisation], int]:
    """The organisations valid today (an ended or coming region is reached by its own page)."""
    stmt = select(Organisation).where(valid_on(Organisation, clock.today())).order_by(Organisation.kind,
                                                                                   Organisation.name)
    if kind:
        stmt = stmt.where(Organisation.kind == kind)
    if region_id:
        stmt = stmt.where(or_(in_region(region_id, clock.today()), Organisation.id == region_id))
    if q:
        stmt = stmt.where(Organisation.name.icontains(q, autoescape=True))
    return paginate(session, stmt, page)


def get_organisation(session: Session, key: int | str) -> Organisation:
    if isinstance(key, str) and ":" in key:
        kind, _, code = key.partition(":")
        obj = session.scalar(select(Organisation).where(Organisation.kind == kind, Organisation.code == code))
        if obj is None:
            raise not_found("organisation", key)
        return obj
    return get_record(session, Organisation, int(key) if is_id(key) else -1, "organisation")


def find_organisation(session: Session, organisation_id: int | None) -> Organisation | None:
    return session.get(Organisation, organisation_id) if organisation_id else None


def region_members(session: Session, region: Organisation, on: date | None = None) -> list[Organisation]:
    """The region's organisations on a day (today by default), or on its last day if it has
    ended, or its first if it has not started."""
    day = on or clock.today()
    if region.valid_to is not None and region.valid_to < day:
        day = region.valid_to
    if region.valid_from is not None and region.valid_from > day:
        day = region.valid_from
    return list(session.scalars(select(Organisation).where(in_region(region.id, day))
                                .order_by(Organisation.kind, Organisation.name)))


def organisation_choices(session: Session, kinds: Sequence[str] | None = None,
                         on: date | None = None) -> list[Organisation]:
    """The organisations a picker offers: those valid on the day in view (today by default),
    so from 1 January 2027 Region Østdanmark instead of Hovedstaden and Sjælland."""
    stmt = select(Organisation).where(valid_on(Organisation, on or clock.today())).order_by(
        Organisation.kind, Organisation.name)
    if kinds:
        stmt = stmt.where(Organisation.kind.in_(kinds))
    return list(session.scalars(stmt))


# ---- vendors -----------------------------------------------------------------------


def list_vendors(session: Session, page: PageRequest, *, q: str | None = None,
                 country: str | None = None) -> tuple[list[Vendor], int]:
    stmt = select(Vendor).order_by(Vendor.name)
    if q:
        stmt = stmt.where(Vendor.name.icontains(q, autoescape=True))
    if country:
        stmt = stmt.where(Vendor.country == country.upper())
    return paginate(session, stmt, page)


def get_vendor(session: Session, key: int | str) -> Vendor:
    return get_record(session, Vendor, int(key) if is_id(key) else -1, "vendor")


def find_vendor(session: Session, vendor_id: int | None) -> Vendor | None:
    return session.get(Vendor, vendor_id) if vendor_id else None


def acts_for_vendor(principal: Principal, vendor_id: int) -> bool:
    """Vendor users act only for their own vendor; other roles are not tied to one."""
    return principal.role != Role.VENDOR or principal.vendor_id == vendor_id


def acts_for_organisation(principal: Principal, organisation_id: int) -> bool:
    """Org reporters act only for their own organisation; other roles are not tied to one."""
    return principal.role != Role.ORG_REPORTER or principal.organisation_id == organisation_id


def may_for_vendor(principal: Principal, permission: str, vendor_id: int) -> bool:
    return principal.can(permission) and acts_for_vendor(principal, vendor_id)


def may_for_organisation(principal: Principal, permission: str, organisation_id: int) -> bool:
    return principal.can(permission) and acts_for_organisation(principal, organisation_id)


def _check_vendor_owner(principal: Principal, vendor_id: int) -> None:
    if not acts_for_vendor(principal, vendor_id):
        raise Forbidden("a vendor user may only change its own vendor's records")


def _check_vendor_unique(session: Session, values: dict[str, Any], own_id: int | None = None) -> None:
    """A name or CVR number another vendor has is an invalid field, refused before the flush."""
    taken = {field: "is already used by another record" for field in ("name", "cvr")
             if values.get(field) is not None and session.scalar(select(Vendor.id).where(
                 getattr(Vendor, field) == values[field], Vendor.id != (own_id or -1))) is not None}
    if taken:
        raise ValidationFailed(taken)


def create_vendor(session: Session, principal: Principal, data: VendorIn) -> Vendor:
    require(principal, "vendor.create")
    values = data.model_dump(mode="json")
    _check_vendor_unique(session, values)
    vendor = Vendor(**values)
    session.add(vendor)
    flush(session)
    return vendor


def update_vendor(session: Session, principal: Principal, key: int | str, data: VendorUpdate) -> Vendor:
    require(principal, "vendor.update")
    vendor = get_vendor(session, key)
    _check_vendor_owner(principal, vendor.id)
    check_version(vendor, data.version)
    values = data.model_dump(mode="json", exclude={"version"})
    _check_vendor_unique(session, values, vendor.id)
    assign(vendor, values)
    flush(session)
    return vendor


def delete_record(session: Session, principal: Principal, obj: Any) -> None:
    require(principal, "record.delete")
    session.delete(obj)
    try:
        session.flush()
    except IntegrityError as exc:
        session.rollback()
        raise Conflict("the record is still referenced by other records and cannot be deleted") from exc


# ---- solutions ---------------------------------------------------------------------


@dataclass(frozen=True)
class SolutionFilter:
    q: str | None = None
    purpose: str | None = None
    treatment_area: str | None = None
    target_users: str | None = None
    origin: str | None = None
    regulatory_class: str | None = None
    country: str | None = None
    vendor_id: int | None = None
    published: bool | None = None


SOLUTION_SORTS = {"name": Solution.name, "-name": Solution.name.desc(),
                  "newest": Solution.id.desc(), "trl": Solution.trl.desc()}


def solution_visible(principal: Principal) -> ColumnElement[bool]:
    """The one rule of who sees a solution, as a filter for any query of solutions: a
    published solution is seen by everyone; an unpublished one only by staff (admin,
    approver, assessor, procurement) and by the users of the vendor that owns it. Lists,
    details, links from projects, the register and reports filter with it; the search
    index and the benchmark's figures are public, built for PUBLIC (see unpublished())."""
    if not principal.can("catalogue.read_unpublished"):
        return Solution.published.is_(True)
    if principal.role == Role.VENDOR:
        return or_(Solution.published.is_(True), Solution.vendor_id == principal.vendor_id)
    return true()


def unpublished() -> ColumnElement[bool]:
    """The solutions the public may not see: not solution_visible(PUBLIC), written so that
    an index on published serves it (the column is never NULL)."""
    return Solution.published.is_(False)


PUBLIC = ANONYMOUS_PRINCIPAL  # the reader the search index is built for


def list_solutions(session: Session, principal: Principal, flt: SolutionFilter,
                   page: PageRequest, sort: str = "name") -> tuple[list[Solution], int]:
    if sort not in SOLUTION_SORTS:
        raise ValidationFailed({"sort": Message("one of {values}", values=", ".join(SOLUTION_SORTS))})
    stmt = select(Solution).where(solution_visible(principal))
    for column in ("purpose", "target_users", "origin", "regulatory_class"):
        if value := getattr(flt, column):
            stmt = stmt.where(getattr(Solution, column) == value)
    if flt.country:
        stmt = stmt.where(Solution.country == flt.country.upper())
    if flt.vendor_id:
        stmt = stmt.where(Solution.vendor_id == flt.vendor_id)
    if flt.published is not None:
        stmt = stmt.where(Solution.published.is_(flt.published))
    area_id = None
    if flt.treatment_area:
        area_id = session.scalar(select(TreatmentArea.id).where(TreatmentArea.code == flt.treatment_area)) or -1
        # EXISTS, not IN: the list walks its name-order index and stops at the page.
        stmt = stmt.where(exists().where(solution_treatment_area.c.solution_id == Solution.id,
                                         solution_treatment_area.c.treatment_area_id == area_id))
    if flt.q:
        stmt = stmt.where(Solution.name.icontains(flt.q, autoescape=True))
    stmt = stmt.order_by(SOLUTION_SORTS[sort], Solution.id)
    where = _counted_groups(principal, flt, area_id)
    total = None if where is None else SOLUTION_COUNTS.total(session, where)
    if total is None:
        return paginate(session, stmt, page, single_pass=bool(flt.treatment_area or flt.q))
    return page_rows(session, stmt, page), total


def _counted_groups(principal: Principal, flt: SolutionFilter,
                    area_id: int | None) -> list[tuple[str, Any]] | None:
    """The list's filter as the groups of catalogue.counts select them, or None when they
    cannot answer it (a name search, a vendor, a vendor's own unpublished solutions)."""
    if flt.q or flt.vendor_id or (principal.can("catalogue.read_unpublished") and principal.role == Role.VENDOR):
        return None
    where: list[tuple[str, Any]] = [(c, getattr(flt, c)) for c in ("purpose", "target_users", "origin",
                                                                  "regulatory_class") if getattr(flt, c)]
    if flt.country:
        where.append(("country", flt.country.upper()))
    if not principal.can("catalogue.read_unpublished"):
        where.append(("published", True))
    if flt.published is not None:
        where.append(("published", flt.published))
    if area_id is not None:
        where.append(("area", area_id))
    return where


def get_solution(session: Session, principal: Principal, key: int | str) -> Solution:
    """A solution by id or slug; one the principal may not see does not exist for them."""
    by_key = Solution.id == int(key) if is_id(key) else Solution.slug == key
    solution = session.scalar(select(Solution).where(by_key, solution_visible(principal)))
    if solution is None:
        raise not_found("solution", key)
    return solution


def find_solution(session: Session, principal: Principal, solution_id: int | None) -> Solution | None:
    if not solution_id:
        return None
    return session.scalar(select(Solution).where(Solution.id == solution_id, solution_visible(principal)))


def linked_solutions(session: Session, principal: Principal,
                     projects: Sequence[Project]) -> dict[int, list[Solution]]:
    """The solutions each project links to, as far as the principal may see them, by name."""
    links: dict[int, list[Solution]] = {p.id: [] for p in projects}
    if not links:
        return links
    rows = session.execute(
        select(project_solution.c.project_id, Solution)
        .join(Solution, Solution.id == project_solution.c.solution_id)
        .where(project_solution.c.project_id.in_(links), solution_visible(principal))
        .order_by(Solution.name, Solution.id))
    for project_id, solution in rows:
        links[project_id].append(solution)
    return links


def _icd10_codes(codes: Sequence[str]) -> tuple[list[str], list[str]]:
    """The codes in ICD-10 form (SKS "DM545" becomes "M54.5"), once each; and those the
    register's ICD-10 list (data/reference/icd10.csv) does not know."""
    known = {code: icd10_code(code) for code in codes}
    return (list(dict.fromkeys(c for c in known.values() if c)),
            [code for code, found in known.items() if found is None])


def _buyer_fact_values(data: SolutionIn) -> dict[str, Any]:
    """The coded buyer facts, checked against their reference lists: every bad field is named."""
    values: dict[str, Any] = {}
    errors: dict[str, Any] = {}
    for field in ("indications", "contraindications"):
        values[field], unknown = _icd10_codes(getattr(data, field))
        if unknown:
            errors[field] = Message("unknown ICD-10 code: {codes}", codes=", ".join(unknown))
    languages = [code.strip().lower() for code in data.languages]
    if unknown_languages := [code for code in languages if not is_language(code)]:
        errors["languages"] = Message("not an ISO 639-1 language code: {codes}",
                                      codes=", ".join(unknown_languages))
    if errors:
        raise ValidationFailed(errors)
    values["languages"] = list(dict.fromkeys(languages))
    values["platforms"] = list(dict.fromkeys(p.value for p in data.platforms))
    values["price_dkk"] = data.price_dkk
    values["studies"] = [study.model_dump(mode="json") for study in data.studies]
    return values


STUDY_FIELDS = ("design", "participants", "population", "outcome_measures", "main_result", "country",
                "year", "doi", "url", "registry_id")


def set_studies(solution: Solution, studies: list[dict[str, Any]]) -> None:
    """Replace the solution's studies, unless they are the same (then nothing is written)."""
    current = [{f: getattr(s, f) for f in STUDY_FIELDS} for s in solution.studies]
    if current != studies:
        solution.studies = [SolutionStudy(position=i, **study) for i, study in enumerate(studies)]


def _solution_values(session: Session, principal: Principal, data: SolutionIn) -> dict[str, Any]:
    _check_vendor_owner(principal, data.vendor_id)
    if session.get(Vendor, data.vendor_id) is None:
        raise ValidationFailed({"vendor_id": Message("no vendor with id {id}", id=data.vendor_id)})
    values = data.model_dump(mode="json", exclude={"slug", "treatment_areas", "version"})
    values["treatment_areas"] = _treatment_areas_by_code(session, data.treatment_areas, "treatment_areas")
    return values | _buyer_fact_values(data)


def create_solution(session: Session, principal: Principal, data: SolutionIn) -> Solution:
    require(principal, "solution.create")
    values = _solution_values(session, principal, data)
    studies = values.pop("studies")
    solution = Solution(slug=unique_slug(session, Solution, data.slug, data.name), **values)
    set_studies(solution, studies)
    session.add(solution)
    flush(session)
    return solution


def update_solution(session: Session, principal: Principal, key: int | str,
                    data: SolutionUpdate) -> Solution:
    require(principal, "solution.update")
    solution = get_solution(session, principal, key)
    _check_vendor_owner(principal, solution.vendor_id)
    check_version(solution, data.version)
    values = _solution_values(session, principal, data)
    values["slug"] = unique_slug(session, Solution, data.slug or solution.slug, data.name, solution.id)
    set_studies(solution, values.pop("studies"))
    assign(solution, values)
    flush(session)
    return solution


# ---- projects ----------------------------------------------------------------------


@dataclass(frozen=True)
class ProjectFilter:
    q: str | None = None
    stage: str | None = None
    owner_id: int | None = None
    region_id: int | None = None
    solution_id: int | None = None
    partner_id: int | None = None
    need_id: int | None = None


def list_projects(session: Session, principal: Principal, flt: ProjectFilter,
                  page: PageRequest) -> tuple[list[Project], int]:
    """Projects are public; filtering by a solution the principal may not see finds none
    (which projects use it is as hidden as the solution). Show their solutions with
    linked_solutions, never project.solutions."""
    stmt = select(Project).order_by(Project.name, Project.id)
    if flt.q:
        stmt = stmt.where(Project.name.icontains(flt.q, autoescape=True))
    if flt.stage:
        stmt = stmt.where(Project.stage == flt.stage)
    if flt.owner_id:
        stmt = stmt.where(Project.owner_id == flt.owner_id)
    if flt.region_id:
        owners = select(Organisation.id).where(
            or_(in_region(flt.region_id, clock.today()), Organisation.id == flt.region_id))
        stmt = stmt.where(Project.owner_id.in_(owners))
    if flt.solution_id:
        stmt = stmt.where(Project.solutions.any(and_(Solution.id == flt.solution_id,
                                                     solution_visible(principal))))
    if flt.partner_id:
        stmt = stmt.where(Project.partners.any(Organisation.id == flt.partner_id))
    if flt.need_id:
        stmt = stmt.where(Project.needs.any(Need.id == flt.need_id))
    return paginate(session, stmt, page)


def get_project(session: Session, key: int | str) -> Project:
    return get_record(session, Project, key, "project")


def _hidden_links(session: Session, principal: Principal, project: Project | None) -> list[Solution]:
    """The project's links to solutions the principal may not see: kept as they are when
    the principal saves the project, since they could neither see nor choose them."""
    if project is None:
        return []
    return list(session.scalars(
        select(Solution).join(project_solution, project_solution.c.solution_id == Solution.id)
        .where(project_solution.c.project_id == project.id, not_(solution_visible(principal)))))


def _check_org_owner(principal: Principal, organisation_id: int, field: str) -> None:
    if not acts_for_organisation(principal, organisation_id):
        raise Forbidden(Message("{field}: an org_reporter may only act for its own organisation",
                                field=field))


def _project_values(session: Session, principal: Principal, data: ProjectIn,
                    project: Project | None = None) -> dict[str, Any]:
    _check_org_owner(principal, data.owner_id, "owner_id")
    if session.get(Organisation, data.owner_id) is None:
        raise ValidationFailed({"owner_id": Message("no organisation with id {id}", id=data.owner_id)})
    values = data.model_dump(mode="python", exclude={"slug", "partner_ids", "solution_ids",
                                                     "need_ids", "version"})
    values["partners"] = _organisations_by_id(session, data.partner_ids, "partner_ids")
    values["solutions"] = _by_ids(session, Solution, data.solution_ids, "solution_ids", "solution",
                                  visible=solution_visible(principal)) + _hidden_links(session, principal, project)
    values["needs"] = _by_ids(session, Need, data.need_ids, "need_ids", "need")
    return values


def create_project(session: Session, principal: Principal, data: ProjectIn) -> Project:
    require(principal, "project.create")
    values = _project_values(session, principal, data)
    project = Project(slug=unique_slug(session, Project, data.slug, data.name), **values)
    session.add(project)
    flush(session)
    return project


def update_project(session: Session, principal: Principal, key: int | str,
                   data: ProjectUpdate) -> Project:
    require(principal, "project.update")
    project = get_project(session, key)
    _check_org_owner(principal, project.owner_id, "owner_id")
    check_version(project, data.version)
    values = _project_values(session, principal, data, project)
    values["slug"] = unique_slug(session, Project, data.slug or project.slug, data.name, project.id)
    assign(project, values)
    flush(session)
    return project


# ---- needs -------------------------------------------------------------------------


@dataclass(frozen=True)
class NeedFilter:
    q: str | None = None
    treatment_area: str | None = None
    priority: str | None = None
    organisation_id: int | None = None
    endorsed_by: int | None = None


NEED_SORTS = {"endorsements": (Need.endorsement_count.desc(), Need.title),
              "title": (Need.title,), "newest": (Need.id.desc(),)}


def list_needs(session: Session, flt: NeedFilter, page: PageRequest,
               sort: str = "endorsements") -> tuple[list[Need], int]:
    if sort not in NEED_SORTS:
        raise ValidationFailed({"sort": Message("one of {values}", values=", ".join(NEED_SORTS))})
    stmt = select(Need).order_by(*NEED_SORTS[sort], Need.id)
    if flt.q:
        stmt = stmt.where(Need.title.icontains(flt.q, autoescape=True))
    if flt.priority:
        stmt = stmt.where(Need.priority == flt.priority)
    if flt.organisation_id:
        stmt = stmt.where(Need.organisation_id == flt.organisation_id)
    if flt.endorsed_by:
        stmt = stmt.where(Need.endorsements.any(NeedEndorsement.organisation_id == flt.endorsed_by))
    if flt.treatment_area:
        stmt = stmt.join(TreatmentArea, Need.treatment_area_id == TreatmentArea.id).where(
            TreatmentArea.code == flt.treatment_area)
    return paginate(session, stmt, page)


def get_need(session: Session, key: int | str) -> Need:
    return get_record(session, Need, key, "need")


def _need_values(session: Session, principal: Principal, data: NeedIn) -> dict[str, Any]:
    _check_org_owner(principal, data.organisation_id, "organisation_id")
    if session.get(Organisation, data.organisation_id) is None:
        raise ValidationFailed({"organisation_id": Message("no organisation with id {id}",
                                                           id=data.organisation_id)})
    values = data.model_dump(mode="python", exclude={"slug", "treatment_area", "version"})
    areas = _treatment_areas_by_code(session, [data.treatment_area] if data.treatment_area else [],
                                     "treatment_area")
    values["treatment_area"] = areas[0] if areas else None
    return values


def create_need(session: Session, principal: Principal, data: NeedIn) -> Need:
    require(principal, "need.create")
    need = Need(slug=unique_slug(session, Need, data.slug, data.title),
                **_need_values(session, principal, data))
    session.add(need)
    flush(session)
    return need


def update_need(session: Session, principal: Principal, key: int | str, data: NeedUpdate) -> Need:
    require(principal, "need.update")
    need = get_need(session, key)
    _check_org_owner(principal, need.organisation_id, "organisation_id")
    check_version(need, data.version)
    values = _need_values(session, principal, data)
    values["slug"] = unique_slug(session, Need, data.slug or need.slug, data.title, need.id)
    assign(need, values)
    flush(session)
    return need


def endorse_need(session: Session, principal: Principal, key: int | str, data: EndorsementIn) -> Need:
    """An organisation says it shares this need; each organisation counts once."""
    require(principal, "need.endorse")
    need = get_need(session, key)
    organisation_id = data.organisation_id or principal.organisation_id
    if organisation_id is None:
        raise ValidationFailed({"organisation_id": "say which organisation endorses the need"})
    _check_org_owner(principal, organisation_id, "organisation_id")
    _organisations_by_id(session, [organisation_id], "organisation_id")
    if any(e.organisation_id == organisation_id for e in need.endorsements):
        raise Conflict("this organisation has already endorsed the need")
    need.endorsements.append(NeedEndorsement(organisation_id=organisation_id, comment=data.comment))
    need.endorsement_count = len(need.endorsements)
    flush(session)
    return need


# ---- the front page ----------------------------------------------------------------


def counts(session: Session, principal: Principal) -> dict[str, int]:
    """How many solutions (that the principal may see), projects and needs there are."""
    return {
        "solutions": session.scalar(select(func.count()).select_from(Solution)
                                    .where(solution_visible(principal))) or 0,
        "projects": session.scalar(select(func.count()).select_from(Project)) or 0,
        "needs": session.scalar(select(func.count()).select_from(Need)) or 0,
    }


SUGGESTIONS = 12


def solution_suggestions(session: Session, principal: Principal, typed: str) -> list[Solution]:
    """The solutions whose name contains what was typed (the catalogue's own list, so only
    those the principal may see), for the suggestion lists of forms that name a solution."""
    typed = typed.strip()
    if not typed:
        return []
    found, _total = list_solutions(session, principal, SolutionFilter(q=typed),
                                   PageRequest(limit=SUGGESTIONS, offset=0))
    return found


def solution_by_name(session: Session, principal: Principal, typed: str) -> Solution:
    """The one solution a typed name means: the one named exactly so (case aside), else the
    only one whose name contains it. None or several is an error on the field, in words."""
    candidates = solution_suggestions(session, principal, typed)
    exact = [s for s in candidates if s.name.casefold() == typed.strip().casefold()]
    chosen = exact or candidates
    if len(chosen) == 1:
        return chosen[0]
    if not chosen:
        raise ValidationFailed({"solution": Message("no solution is called {name}", name=typed.strip())})
    raise ValidationFailed({"solution": Message("{name} matches several solutions ({names}); choose one in the list",
                                                name=typed.strip(), names=", ".join(s.name for s in chosen[:5]))})
