"""JSON API of the catalogue under /api. Thin: parse, call the service, shape the answer."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller
from litestar.params import Parameter
from litestar.types import ControllerRouterHandler
from sqlalchemy.orm import Session

from app.catalogue import services as svc
from app.catalogue.enums import (
    OrganisationKind,
    Origin,
    Priority,
    ProjectStage,
    Purpose,
    RegulatoryClass,
    TargetUsers,
)
from app.catalogue.models import Project
from app.catalogue.schemas import (
    EndorsementIn,
    NeedIn,
    NeedOut,
    NeedUpdate,
    OrganisationOut,
    ProjectIn,
    ProjectOut,
    ProjectUpdate,
    SolutionIn,
    SolutionOut,
    SolutionRef,
    SolutionUpdate,
    TreatmentAreaOut,
    VendorIn,
    VendorOut,
    VendorUpdate,
)
from app.core.pagination import Page, PageRequest
from app.core.principal import Principal
from app.web.routing import delete, get, post, put


def _page(model: Any, items: list[Any], total: int, page: PageRequest) -> dict[str, Any]:
    return {"items": [model.model_validate(i) for i in items], "total": total,
            "limit": page.limit, "offset": page.offset}


class OrganisationApi(Controller):
    path = "/api/organisations"
    tags = ["catalogue"]

    @get("/", summary="Regions, municipalities, hospitals, GP clinics and national bodies")
    def list(self, db: Session, page: PageRequest, kind: OrganisationKind | None = None,
             region_id: int | None = None, q: str | None = None) -> Page[OrganisationOut]:
        items, total = svc.list_organisations(db, page, kind=kind, region_id=region_id, q=q)
        return Page[OrganisationOut](**_page(OrganisationOut, items, total, page))

    @get("/{key:str}", summary="One organisation by id or by kind:code")
    def detail(self, db: Session, key: str) -> OrganisationOut:
        return OrganisationOut.model_validate(svc.get_organisation(db, key))


@get("/api/treatment-areas", tags=["catalogue"], summary="The shared vocabulary of treatment areas")
def list_treatment_areas(db: Session) -> list[TreatmentAreaOut]:
    return [TreatmentAreaOut.model_validate(t) for t in svc.treatment_areas(db)]


class VendorApi(Controller):
    path = "/api/vendors"
    tags = ["catalogue"]

    @get("/")
    def list(self, db: Session, page: PageRequest, q: str | None = None,
             country: str | None = None) -> Page[VendorOut]:
        items, total = svc.list_vendors(db, page, q=q, country=country)
        return Page[VendorOut](**_page(VendorOut, items, total, page))

    @get("/{vendor_id:int}")
    def detail(self, db: Session, vendor_id: int) -> VendorOut:
        return VendorOut.model_validate(svc.get_vendor(db, vendor_id))

    @post("/")
    def create(self, db: Session, principal: Principal, data: VendorIn) -> VendorOut:
        return VendorOut.model_validate(svc.create_vendor(db, principal, data))

    @put("/{vendor_id:int}")
    def update(self, db: Session, principal: Principal, vendor_id: int, data: VendorUpdate) -> VendorOut:
        return VendorOut.model_validate(svc.update_vendor(db, principal, vendor_id, data))

    @delete("/{vendor_id:int}")
    def remove(self, db: Session, principal: Principal, vendor_id: int) -> None:
        svc.delete_record(db, principal, svc.get_vendor(db, vendor_id))


class SolutionApi(Controller):
    path = "/api/solutions"
    tags = ["catalogue"]

    @get("/", summary="Solutions, filtered and paginated")
    def list(
        self, db: Session, principal: Principal, page: PageRequest,
        q: str | None = None, purpose: Purpose | None = None,
        treatment_area: Annotated[str | None, Parameter(description="treatment area code")] = None,
        target_users: TargetUsers | None = None, origin: Origin | None = None,
        regulatory_class: RegulatoryClass | None = None, country: str | None = None,
        vendor_id: int | None = None, published: bool | None = None,
        sort: Annotated[str, Parameter(description="name, -name, newest or trl")] = "name",
    ) -> Page[SolutionOut]:
        flt = svc.SolutionFilter(q=q, purpose=purpose, treatment_area=treatment_area,
                                 target_users=target_users, origin=origin,
                                 regulatory_class=regulatory_class, country=country,
                                 vendor_id=vendor_id, published=published)
        items, total = svc.list_solutions(db, principal, flt, page, sort)
        return Page[SolutionOut](**_page(SolutionOut, items, total, page))

    @get("/{key:str}", summary="One solution by id or slug")
    def detail(self, db: Session, principal: Principal, key: str) -> SolutionOut:
        return SolutionOut.model_validate(svc.get_solution(db, principal, key))

    @post("/")
    def create(self, db: Session, principal: Principal, data: SolutionIn) -> SolutionOut:
        return SolutionOut.model_validate(svc.create_solution(db, principal, data))

    @put("/{key:str}", summary="Replace a solution; send the version you read")
    def update(self, db: Session, principal: Principal, key: str, data: SolutionUpdate) -> SolutionOut:
        return SolutionOut.model_validate(svc.update_solution(db, principal, key, data))

    @delete("/{key:str}")
    def remove(self, db: Session, principal: Principal, key: str) -> None:
        svc.delete_record(db, principal, svc.get_solution(db, principal, key))


def _projects_out(db: Session, principal: Principal, projects: list[Project]) -> list[ProjectOut]:
    """Projects with only the linked solutions the principal may see."""
    linked = svc.linked_solutions(db, principal, projects)
    return [ProjectOut.model_validate(p).model_copy(
        update={"solutions": [SolutionRef.model_validate(s) for s in linked[p.id]]}) for p in projects]


class ProjectApi(Controller):
    path = "/api/projects"
    tags = ["catalogue"]

    @get("/")
    def list(self, db: Session, principal: Principal, page: PageRequest, q: str | None = None,
             stage: ProjectStage | None = None, owner_id: int | None = None,
             region_id: int | None = None, solution_id: int | None = None) -> Page[ProjectOut]:
        flt = svc.ProjectFilter(q=q, stage=stage, owner_id=owner_id, region_id=region_id,
                                solution_id=solution_id)
        items, total = svc.list_projects(db, principal, flt, page)
        return Page[ProjectOut](items=_projects_out(db, principal, items), total=total, limit=page.limit,
                                offset=page.offset)

    @get("/{key:str}")
    def detail(self, db: Session, principal: Principal, key: str) -> ProjectOut:
        return _projects_out(db, principal, [svc.get_project(db, key)])[0]

    @post("/")
    def create(self, db: Session, principal: Principal, data: ProjectIn) -> ProjectOut:
        return _projects_out(db, principal, [svc.create_project(db, principal, data)])[0]

    @put("/{key:str}")
    def update(self, db: Session, principal: Principal, key: str, data: ProjectUpdate) -> ProjectOut:
        return _projects_out(db, principal, [svc.update_project(db, principal, key, data)])[0]

    @delete("/{key:str}")
    def remove(self, db: Session, principal: Principal, key: str) -> None:
        svc.delete_record(db, principal, svc.get_project(db, key))


class NeedApi(Controller):
    path = "/api/needs"
    tags = ["catalogue"]

    @get("/", summary="Needs (behov), ranked by how many organisations share them")
    def list(self, db: Session, page: PageRequest, q: str | None = None,
             treatment_area: str | None = None, priority: Priority | None = None,
             organisation_id: int | None = None,
             sort: Annotated[str, Parameter(description="endorsements, title or newest")] = "endorsements",
             ) -> Page[NeedOut]:
        flt = svc.NeedFilter(q=q, treatment_area=treatment_area, priority=priority,
                             organisation_id=organisation_id)
        items, total = svc.list_needs(db, flt, page, sort)
        return Page[NeedOut](**_page(NeedOut, items, total, page))

    @get("/{key:str}")
    def detail(self, db: Session, key: str) -> NeedOut:
        return NeedOut.model_validate(svc.get_need(db, key))

    @post("/")
    def create(self, db: Session, principal: Principal, data: NeedIn) -> NeedOut:
        return NeedOut.model_validate(svc.create_need(db, principal, data))

    @put("/{key:str}")
    def update(self, db: Session, principal: Principal, key: str, data: NeedUpdate) -> NeedOut:
        return NeedOut.model_validate(svc.update_need(db, principal, key, data))

    @post("/{key:str}/endorsements", summary="Endorse a need on behalf of an organisation")
    def endorse(self, db: Session, principal: Principal, key: str, data: EndorsementIn) -> NeedOut:
        return NeedOut.model_validate(svc.endorse_need(db, principal, key, data))

    @delete("/{key:str}")
    def remove(self, db: Session, principal: Principal, key: str) -> None:
        svc.delete_record(db, principal, svc.get_need(db, key))


ROUTES: list[ControllerRouterHandler] = [
    OrganisationApi, list_treatment_areas, VendorApi, SolutionApi, ProjectApi, NeedApi,
]
