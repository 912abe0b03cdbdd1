"""JSON API of the benchmark under /api/benchmark: the same figures as the pages."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import MediaType, Request, Response
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.exceptions import HTTPException
from litestar.params import Body
from litestar.status_codes import HTTP_413_REQUEST_ENTITY_TOO_LARGE
from litestar.types import ControllerRouterHandler
from sqlalchemy.orm import Session

from app.benchmark import importer, params
from app.benchmark import services as svc
from app.benchmark.schemas import AdoptionIn, IndicatorValueIn
from app.catalogue import services as catalogue
from app.core.principal import Principal, require
from app.errors import ValidationFailed
from app.messages import Message
from app.web.i18n import translations
from app.web.routing import get, post

TAGS = ["benchmark"]


def _lang(request: Request) -> str:
    return "en" if request.query_params.get("lang") == "en" else "da"


@get("/api/benchmark/national", tags=TAGS, summary="National overview: headline figures, regions, spread, heat table")
def national(request: Request, db: Session, principal: Principal, as_of: str | None = None,
             trend: str | None = None) -> dict[str, Any]:
    """`as_of`: the day in view (default today): its regions, e.g. four from 1 January 2027;
    `trend`: "each" (the regions valid at each year's end) or "merged" (the regions of the
    day in view counted back in time), used when the trend's years span a change of regions."""
    require(principal, "benchmark.read")
    lang = _lang(request)
    return svc.national_view(db, lang, params.view_day(as_of, lang), params.trend_mode(trend))


@get("/api/benchmark/organisations/{ref:str}", tags=TAGS,
     summary="One organisation (kind:code) against its peers: ranks, trend, solutions, indicators")
def organisation(request: Request, db: Session, principal: Principal, ref: str,
                 as_of: str | None = None) -> dict[str, Any]:
    require(principal, "benchmark.read")
    lang = _lang(request)
    return svc.organisation_view(db, ref, lang, params.view_day(as_of, lang))


@get("/api/benchmark/regions/{code:str}", tags=TAGS, summary="A region's population-weighted roll-up and members")
def region(request: Request, db: Session, principal: Principal, code: str, as_of: str | None = None,
           trend: str | None = None) -> dict[str, Any]:
    """A region valid on `as_of` (default today); `trend` as for the national overview."""
    require(principal, "benchmark.read")
    lang = _lang(request)
    return svc.region_view(db, code, lang, params.view_day(as_of, lang), params.trend_mode(trend))


@get("/api/benchmark/solutions", tags=TAGS,
     summary="Spread of each solution: municipalities, hospitals and regions using it")
def solutions(db: Session, principal: Principal) -> dict[str, Any]:
    require(principal, "benchmark.read")
    return svc.solution_spread_view(db)


@get("/api/benchmark/indicators", tags=TAGS, summary="National indicators with unit, direction and targets")
def indicators(request: Request, db: Session, principal: Principal) -> list[dict[str, Any]]:
    require(principal, "benchmark.read")
    return svc.indicator_list(db, _lang(request))


@get("/api/solutions/{key:str}/adoption", tags=TAGS,
     summary="Where a solution is in use today: count, per region, organisations with status and since when")
def solution_adoption(request: Request, db: Session, principal: Principal, key: str) -> dict[str, Any]:
    require(principal, "benchmark.read")
    solution = catalogue.get_solution(db, principal, key)
    lang = _lang(request)
    adoption = svc.adoption_of(db, [solution.id], lang)[solution.id]
    return {"solution": {"id": solution.id, "slug": solution.slug, "name": solution.name},
            "definition": translations(lang).gettext(svc.IN_USE_DEFINITION)} | adoption


@post("/api/benchmark/adoption", tags=TAGS, status_code=201,
      summary="Report one adoption status (org_reporter: own organisation only)")
def report_adoption(db: Session, principal: Principal, data: AdoptionIn) -> dict[str, Any]:
    return importer.import_records(db, principal, [data.model_dump()], importer.ADOPTION).as_dict()


@post("/api/benchmark/indicator-values", tags=TAGS, status_code=201,
      summary="Report one indicator value (org_reporter: own organisation only)")
def report_indicator_value(db: Session, principal: Principal, data: IndicatorValueIn) -> dict[str, Any]:
    return importer.import_records(db, principal, [data.model_dump()], importer.INDICATORS).as_dict()


def _file_too_large(_request: Request, exc: HTTPException) -> Response[dict[str, Any]]:
    reason = importer.too_large()
    return Response({"status_code": exc.status_code, "detail": f"file: {reason}", "errors": {"file": reason}},
                    status_code=exc.status_code, media_type=MediaType.JSON)


@post("/api/benchmark/import", tags=TAGS, status_code=200,
      summary="Import a CSV or Excel file of adoption records or indicator values: all rows or none",
      description=f"The file may be at most {importer.MAX_MB} MB ({importer.MAX_BYTES:,} bytes); a larger "
                  "request is refused with 413 before it is read.",
      request_max_body_size=importer.MAX_REQUEST_BYTES,
      exception_handlers={HTTP_413_REQUEST_ENTITY_TOO_LARGE: _file_too_large})
def import_file(db: Session, principal: Principal,
                data: Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)]) -> dict[str, Any]:
    importer.require_reporter(principal)
    upload = data.get("file")
    if not isinstance(upload, UploadFile):
        raise ValidationFailed({"file": "attach the file as the multipart field 'file'"})
    kind = data.get("kind") or None
    if kind is not None and kind not in importer.KINDS:
        raise ValidationFailed({"kind": Message("must be one of {values}", values=", ".join(importer.KINDS))})
    content = upload.file.read(importer.MAX_BYTES + 1)
    return importer.import_file(db, principal, upload.filename or "upload.csv", content, kind).as_dict()


ROUTES: list[ControllerRouterHandler] = [
    national, organisation, region, solutions, indicators, solution_adoption, report_adoption, report_indicator_value,
    import_file,
]
