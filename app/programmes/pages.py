"""HTML pages of spread programmes: the list (with the most mature candidates to spread),
a programme's progress, an organisation's programmes, and the panel the organisation's
benchmark page loads. Every figure comes from services.py, as the API's."""

from __future__ import annotations

from datetime import date
from typing import Any

from litestar import Request
from litestar.response import Template
from litestar.types import ControllerRouterHandler
from sqlalchemy.orm import Session

from app.benchmark import params
from app.benchmark.services import IN_USE_DEFINITION
from app.core.principal import Principal
from app.programmes import charts
from app.programmes import progress as p
from app.programmes import services as svc
from app.programmes.maps import STAGE_KIND, stage_map
from app.web import htmx
from app.web.i18n import day, label, number, translations
from app.web.rendering import language_of, render
from app.web.routing import get


def pct(value: float | None, lang: str) -> str:
    return "–" if value is None else f"{number(value * 100, lang, 0)} %"


def _page(request: Request, db: Session, template: str, **context: Any) -> Template:
    lang = language_of(request)
    areas = svc.treatment_areas(db)

    def area_label(code: str) -> str:
        area = areas.get(code)
        return code if area is None else area.name_en if lang == "en" else area.name_da

    return htmx.vary(render(request, template, pct=lambda v: pct(v, lang),
                            stage_label=lambda s: label(lang, STAGE_KIND, s), stages=p.STAGES,
                            area_label=area_label, in_use_definition=IN_USE_DEFINITION, **context))


def target_text(stage: str, share: float, due: date | str, lang: str) -> str:
    """ "80 % i drift senest 31. dec. 2027" in the page's language."""
    _ = translations(lang).gettext
    return _("%(share)s %(stage)s by %(day)s") % {"share": pct(share, lang), "stage": label(lang, STAGE_KIND, stage),
                                                  "day": day(due, lang)}


def path_svg(target: dict[str, Any], lang: str, chart_id: str) -> str:
    _ = translations(lang).gettext
    points = [(date.fromisoformat(x["date"]), x["share"]) for x in target["path"]]
    return charts.path_chart(
        points, target["forecast"]["share_at_due"], target["share"], date.fromisoformat(target["due"]),
        title=_("Path to the target: %(target)s") % {"target": target_text(target["stage"], target["share"],
                                                                          target["due"], lang)},
        fmt_share=lambda v: pct(v, lang), fmt_day=lambda d: day(d, lang),
        legend=(_("So far"), _("Forecast"), _("Target")), chart_id=chart_id)


@get("/programmes", include_in_schema=False)
def list_page(request: Request, db: Session, principal: Principal) -> Template:
    lang = language_of(request)
    rows = []
    for programme in svc.list_programmes(db, principal):
        prog = svc.programme_progress(db, programme)
        first = prog.paths[0] if prog.paths else None
        rows.append({"programme": programme, "total": len(prog.stages), "counts": p.counts(prog.stages.values()),
                     "target": first and target_text(first["stage"], first["share"], first["due"], lang),
                     "share_now": first and first["forecast"].share_now,
                     "on_track": first and first["forecast"].on_track})
    return _page(request, db, "programmes/list.html", rows=rows, candidates=svc.candidates(db, principal),
                 may_manage=principal.can(svc.MANAGE))


@get("/programmes/{programme:str}", include_in_schema=False)
def programme_page(request: Request, db: Session, principal: Principal, programme: str) -> Template:
    lang = language_of(request)
    view = svc.progress_view(db, principal, programme, lang, params.view_day(request.query_params.get("as_of"), lang))
    for i, target in enumerate(view["targets"]):
        target["text"] = target_text(target["stage"], target["share"], target["due"], lang)
        target["svg"] = path_svg(target, lang, f"chart-path-{i}")
    organisations = view["organisations"]
    return _page(request, db, "programmes/programme.html", view=view, programme=view["programme"],
                 stage_map=stage_map(view["status_by_code"], lang),
                 leaders=[o for o in organisations if o["stage"] != "not_started"][:10],
                 laggards=list(reversed(organisations))[:10])


@get("/programmes/organisations/{ref:str}", include_in_schema=False)
def organisation_page(request: Request, db: Session, principal: Principal, ref: str) -> Template:
    org, rows = svc.organisation_programmes(db, principal, ref)
    return _page(request, db, "programmes/organisation.html", org=org, rows=_with_texts(rows, language_of(request)))


@get("/programmes/organisations/{ref:str}/panel", include_in_schema=False)
def organisation_panel(request: Request, db: Session, principal: Principal, ref: str) -> Template:
    """The organisation's programmes as the section its benchmark page loads."""
    org, rows = svc.organisation_programmes(db, principal, ref)
    return _page(request, db, "programmes/_organisation_panel.html", org=org,
                 rows=_with_texts(rows, language_of(request)))


def _with_texts(rows: list[dict[str, Any]], lang: str) -> list[dict[str, Any]]:
    return [r | {"target_texts": [target_text(t.stage, t.share, t.due, lang) for t in r["targets"]]} for r in rows]


ROUTES: list[ControllerRouterHandler] = [list_page, programme_page, organisation_page, organisation_panel]
