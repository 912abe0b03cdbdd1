"""HTML pages for buyers: the overview a solution's page loads (assessments, approval,
where it is in use) and the comparison of 2-4 solutions (/compare?solutions=a,b)."""

from __future__ import annotations

from datetime import date

from litestar import Request
from litestar.response import Template
from litestar.types import ControllerRouterHandler
from sqlalchemy.orm import Session

from app.assessment.loader import FrameworkRegistry
from app.benchmark import map_figures
from app.benchmark.services import IN_USE_DEFINITION
from app.buyer import services as svc
from app.catalogue import services as catalogue
from app.core.principal import Principal
from app.errors import ValidationFailed
from app.web import htmx
from app.web.rendering import language_of, render
from app.web.routing import get


def _parse_day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _render(request: Request, template: str, status_code: int = 200, **context: object) -> Template:
    return htmx.vary(render(request, template, status_code=status_code, in_use_definition=IN_USE_DEFINITION,
                            min_compared=svc.MIN_COMPARED, max_compared=svc.MAX_COMPARED, parse_day=_parse_day,
                            **context))


@get("/solutions/{slug:str}/overview", include_in_schema=False)
def solution_overview(request: Request, db: Session, principal: Principal, frameworks: FrameworkRegistry,
                      slug: str) -> Template:
    solution = catalogue.get_solution(db, principal, slug)
    lang = language_of(request)
    overview = svc.overviews(db, frameworks, [solution], lang)[0]
    template = "buyer/_overview.html" if htmx.is_htmx(request) else "buyer/overview.html"
    return _render(request, template, o=overview, solution=solution,
                   in_use_map=map_figures.in_use_map(overview["adoption"], lang))


@get("/compare", include_in_schema=False)
def compare(request: Request, db: Session, principal: Principal, frameworks: FrameworkRegistry,
            solutions: list[str] | None = None) -> Template:
    keys = svc.requested_keys(solutions or [])
    if not keys:
        return _render(request, "buyer/compare.html", items=[], error=None, keys=keys)
    try:
        items = svc.comparison(db, principal, frameworks, keys, language_of(request))
    except ValidationFailed as exc:
        return _render(request, "buyer/compare.html", status_code=400, items=[], error=exc.errors["solutions"],
                       keys=keys)
    return _render(request, "buyer/compare.html", items=items, error=None,
                   keys=[i["slug"] for i in items])


ROUTES: list[ControllerRouterHandler] = [solution_overview, compare]
