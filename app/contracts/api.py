"""JSON API of contract KPIs: the definitions, a solution's KPIs against targets and
assessment claims, reporting one value, importing a file."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.types import ControllerRouterHandler
from sqlalchemy.orm import Session

from app.assessment.loader import FrameworkRegistry
from app.benchmark import importer as benchmark_importer
from app.catalogue import services as catalogue
from app.contracts import services as svc
from app.contracts.schemas import ContractIn, KpiValueIn
from app.core.principal import Principal
from app.errors import ValidationFailed
from app.web.routing import get, post

TAGS = ["contracts"]


def _lang(request: Request) -> str:
    return "en" if request.query_params.get("lang") == "en" else "da"


@get("/api/contract-kpis", tags=TAGS, summary="Contract KPI definitions: unit, direction, default target")
def definitions(request: Request, db: Session) -> list[dict[str, Any]]:
    return svc.definition_rows(db, _lang(request))


@get("/api/solutions/{key:str}/kpis", tags=TAGS,
     summary="A solution's contracts: per KPI target, latest value, trend, met; capacity freed against claims")
def solution_kpis(request: Request, db: Session, principal: Principal, frameworks: FrameworkRegistry,
                  key: str) -> dict[str, Any]:
    solution = catalogue.get_solution(db, principal, key)
    kpis = svc.kpis_of(db, frameworks, [solution.id], _lang(request))[solution.id]
    return {"solution": {"id": solution.id, "slug": solution.slug, "name": solution.name}} | kpis


@post("/api/solutions/{key:str}/contracts", tags=TAGS, status_code=201,
      summary="Add a contract of the solution, with an organisation or general, and its own KPI targets")
def create_contract(request: Request, db: Session, principal: Principal, frameworks: FrameworkRegistry, key: str,
                    data: ContractIn) -> dict[str, Any]:
    solution = catalogue.get_solution(db, principal, key)
    return svc.create_contract(db, principal, frameworks, solution, data, _lang(request))


@post("/api/solutions/{key:str}/kpi-values", tags=TAGS, status_code=201,
      summary="Report one KPI value (vendor: own solutions; org_reporter: own organisation's contracts)")
def report_value(db: Session, principal: Principal, key: str, data: KpiValueIn) -> dict[str, Any]:
    solution = catalogue.get_solution(db, principal, key)
    record = data.model_dump() | {"measured_on": data.measured_on.isoformat()}
    return svc.report_value(db, principal, solution, record, source="api", lang="en").as_dict()


@post("/api/kpi-values/import", tags=TAGS, status_code=200,
      summary="Import a CSV or Excel file of KPI values: all rows or none",
      description=f"Columns: {', '.join(svc.IMPORT_COLUMNS['required'])} and optionally "
                  f"{', '.join(svc.IMPORT_COLUMNS['optional'])}. Numbers and dates as a Danish spreadsheet writes "
                  f"them. At most {benchmark_importer.MAX_MB} MB.",
      request_max_body_size=benchmark_importer.MAX_REQUEST_BYTES)
def import_values(db: Session, principal: Principal,
                  data: Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)]) -> dict[str, Any]:
    svc.require_reporter(principal)
    upload = data.get("file")
    if not isinstance(upload, UploadFile):
        raise ValidationFailed({"file": "attach the file as the multipart field 'file'"})
    content = upload.file.read(benchmark_importer.MAX_BYTES + 1)
    return svc.import_file(db, principal, upload.filename or "upload.csv", content).as_dict()


ROUTES: list[ControllerRouterHandler] = [definitions, solution_kpis, create_contract, report_value, import_values]
