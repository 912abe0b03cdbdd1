"""JSON API of spread programmes under /api/programmes: the same figures as the pages."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.types import ControllerRouterHandler
from sqlalchemy.orm import Session

from app.benchmark import params
from app.core.principal import Principal
from app.programmes import services as svc
from app.programmes.schemas import ProgrammeIn
from app.web.routing import get, post, put

TAGS = ["programmes"]


def _lang(request: Request) -> str:
    return "en" if request.query_params.get("lang") == "en" else "da"


@get("/api/programmes", tags=TAGS, summary="Spread programmes, the newest year first")
def list_programmes(request: Request, db: Session, principal: Principal) -> dict[str, Any]:
    items = [svc.programme_view(db, principal, p, _lang(request)) for p in svc.list_programmes(db, principal)]
    return {"items": items, "total": len(items), "limit": len(items), "offset": 0}


@get("/api/programmes/candidates", tags=TAGS,
     summary="The most mature approved solutions to spread (approval, assessment score, use, capacity freed)")
def candidates(db: Session, principal: Principal) -> list[dict[str, Any]]:
    return [{"solution": c["solution"].slug, "name": c["solution"].name, "approval": c["approval"],
             "score": c["score"], "in_use": c["in_use"], "capacity_fte": c["capacity_fte"],
             "treatment_areas": c["treatment_areas"]} for c in svc.candidates(db, principal)]


@get("/api/programmes/{key:str}", tags=TAGS,
     summary="A programme with its progress: per organisation, per region, against each target, and a forecast",
     description="Stages: not_started, planned, implementing (a pilot), in_operation (in use: the benchmark's "
                 "definition). A target's share counts the organisations at its stage or further. The forecast "
                 "continues the change of the last 365 days in a straight line. `status_by_code` maps each "
                 "target municipality's code to its stage. `as_of` (default today): the day of the figures; "
                 "the regions are those valid that day (five in 2026, four from 1 January 2027).")
def programme(request: Request, db: Session, principal: Principal, key: str,
              as_of: str | None = None) -> dict[str, Any]:
    lang = _lang(request)
    return svc.progress_view(db, principal, key, lang, params.view_day(as_of, lang))


@post("/api/programmes", tags=TAGS, status_code=201, summary="Create a programme (admin)")
def create(request: Request, db: Session, principal: Principal, data: ProgrammeIn) -> dict[str, Any]:
    return svc.programme_view(db, principal, svc.save(db, principal, data), _lang(request))


@put("/api/programmes/{key:str}", tags=TAGS, summary="Change a programme (admin; send the version you read)")
def update(request: Request, db: Session, principal: Principal, key: str, data: ProgrammeIn) -> dict[str, Any]:
    return svc.programme_view(db, principal, svc.save(db, principal, data, key), _lang(request))


ROUTES: list[ControllerRouterHandler] = [list_programmes, candidates, programme, create, update]
