"""HTML pages of the benchmark. Every chart is SVG drawn on the server, with its numbers
as a table next to it and as CSV (the same URL with ?format=csv&table=NAME)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from urllib.parse import urlencode

from litestar import Controller, Request, Response
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.exceptions import HTTPException
from litestar.params import Body
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_413_REQUEST_ENTITY_TOO_LARGE
from litestar.types import ControllerRouterHandler
from sqlalchemy.orm import Session

from app.benchmark import charts, importer, map_figures, params, report_pages
from app.benchmark import services as svc
from app.benchmark.maps import MapFigure
from app.core.principal import ANONYMOUS_PRINCIPAL, Principal, require
from app.core.roles import Role
from app.errors import DomainError, ValidationFailed
from app.messages import Message
from app.web import errors
from app.web.csv_export import csv_response
from app.web.i18n import day, number, translations
from app.web.rendering import language_of, render
from app.web.routing import get, post

# A table: name -> caption, columns [(key, label, format)], rows [dict]. Formats: text,
# link (value is (label, href)), pct (a 0..1 share), int, num, rank (rank, size), date (ISO,
# shown in the page's language).
Table = dict[str, Any]


def _pct(v: float | None, lang: str) -> str:
    return "–" if v is None else f"{number(v * 100, lang, 1)} %"


def _cell(value: Any, fmt: str, lang: str) -> Any:
    if fmt == "pct":
        return _pct(value, lang)
    if fmt == "int":
        return number(value, lang, 0)
    if fmt == "num":
        return number(value, lang, 1)
    if fmt == "rank":
        rank, size = value
        return "–" if rank is None else f"{rank} / {size}"
    if fmt == "date":
        return day(value, lang)
    return "–" if value is None or value == "" else value


def _csv_value(value: Any, fmt: str) -> Any:
    if fmt == "link":
        return value[0]
    if fmt == "rank":
        return "" if value[0] is None else value[0]
    return "" if value is None else value


def _csv(table: Table, filename: str) -> Response:
    columns = table["columns"]
    return csv_response([key for key, _label, _fmt in columns],
                        ([_csv_value(row[key], fmt) for key, _label, fmt in columns] for row in table["rows"]),
                        filename)


def _respond(request: Request, template: str, tables: dict[str, Table], slug: str, **context: Any) -> Any:
    if request.query_params.get("format") == "csv":
        name = request.query_params.get("table") or next(iter(tables))
        if name not in tables:
            raise ValidationFailed({"table": Message("must be one of {values}", values=", ".join(tables))})
        return _csv(tables[name], f"{slug}-{name}")
    lang = language_of(request)
    response = render(request, template, tables=tables,
                      cell=lambda value, fmt: _cell(value, fmt, lang), pct=lambda v: _pct(v, lang), **context)
    response.headers["Vary"] = "Cookie"
    return response


def _rank(row: dict[str, Any], prefix: str) -> tuple[Any, Any]:
    return row.get(f"{prefix}_rank"), row.get(f"{prefix}_size")


# ---- the day in view and the regions across a change -----------------------------------


def _view_params(request: Request, lang: str) -> tuple[date | None, str]:
    return (params.view_day(request.query_params.get("as_of"), lang),
            params.trend_mode(request.query_params.get("trend")))


def _at(day: date | None) -> str:
    """The query that keeps a chosen day in a link to another benchmark page."""
    return f"?as_of={day.isoformat()}" if day else ""


def _day_context(day: date | None, mode: str | None) -> dict[str, Any]:
    """What the day picker and the CSV links keep: the chosen day and trend mode."""
    query = urlencode({k: v for k, v in (("as_of", day.isoformat() if day else None), ("trend", mode))
                       if v and (k != "trend" or v != svc.EACH)})
    return {"view_day": day, "trend_mode": mode, "view_query": query}


def _regions_trend_table(view: dict[str, Any], _: Any) -> dict[str, Table]:
    """The regions year by year, when the regions changed within the trend's years."""
    change = view.get("regions_trend")
    if change is None:
        return {}
    return {"regions_trend": {"caption": _("The regions year by year (end of each year)"), "columns": [
        ("period", "Year", "text"), ("name", "Region", "text"),
        ("adoption_rate", "Adoption rate (municipalities)", "pct"), ("active_users", "Active users", "int"),
        ("capacity_fte", "Capacity freed (FTE)", "num")], "rows": change["rows"]}}


# ---- national -----------------------------------------------------------------------


@get("/benchmark", include_in_schema=False)
def national_page(request: Request, db: Session, principal: Principal,
                  org: str | None = None, indicator: str | None = None) -> Template | Response | Redirect:
    require(principal, "benchmark.read")
    if org:
        return Redirect(f"/benchmark/organisations/{org}", status_code=303)
    lang = language_of(request)
    _ = translations(lang).gettext
    day, mode = _view_params(request, lang)
    view = svc.national_view(db, lang, day, mode)
    regions = view["regions"]
    at = _at(day)
    tables: dict[str, Table] = {
        "regions": {"caption": _("Regions, population-weighted"), "columns": [
            ("region", "Region", "link"), ("adoption_rate", "Adoption rate (municipalities)", "pct"),
            ("hospital_adoption_rate", "Adoption rate (hospitals)", "pct"),
            ("solutions_in_operation", "Solutions in operation", "int"),
            ("users_per_100k", "Users per 100,000", "num"), ("capacity_fte", "Capacity freed (FTE)", "num"),
            ("rank", "Rank", "int")],
            "rows": [r | {"region": (r["name"], f"/benchmark/regions/{r['code']}{at}")} for r in regions]},
        "trend": {"caption": _("National trend (end of each year)"), "columns": [
            ("period", "Year", "text"), ("adoption_rate", "Adoption rate (municipalities)", "pct"),
            ("active_users", "Active users", "int"), ("capacity_fte", "Capacity freed (FTE)", "num")],
            "rows": view["trend"]},
        "heat": {"caption": _("Share of organisations using each solution, by region"), "columns": [
            ("solution", "Solution", "link")] + [(c["code"], c["name"], "pct") for c in view["heat"]["regions"]],
            "rows": [{"solution": (r["name"], f"/solutions/{r['slug']}")}
                     | {c["region"]: c["share"] for c in r["cells"]}
                     for r in view["heat"]["rows"]]},
        **_regions_trend_table(view, _),
        "spread": {"caption": _("Spread of solutions"), "columns": [
            ("solution", "Solution", "link"), ("prioritised", "Prioritised", "text"),
            ("municipalities", "Municipalities", "int"), ("hospitals", "Hospitals", "int"),
            ("regions", "Regions", "int"), ("pilots", "Pilots", "int")],
            "rows": [s | {"solution": (s["name"], f"/solutions/{s['slug']}"),
                          "prioritised": _("yes") if s["prioritised"] else ""} for s in view["spread"]]},
    }
    region_chart = charts.bar_chart(
        [(r["name"], r["adoption_rate"], False) for r in regions], chart_id="chart-regions",
        title=_("Adoption rate of prioritised solutions by region"),
        fmt=lambda v: _pct(v, lang))
    trend_chart = charts.line_chart(
        [t["period"] for t in view["trend"]],
        [(_("Municipalities"), [t["adoption_rate"] for t in view["trend"]])], chart_id="chart-trend",
        title=_("National trend"), fmt=lambda v: _pct(v, lang))
    heat_cells = {r["solution_id"]: {c["region"]: c for c in r["cells"]} for r in view["heat"]["rows"]}
    if indicator:
        shown = svc.municipal_indicator(db, indicator, lang)
        figure, values, fmt = map_figures.indicator_map(shown, lang), shown["values"], "num"
    else:
        figure, values, fmt = map_figures.adoption_rate_map(view["municipalities"], lang), view["municipalities"], "pct"
    tables["map"] = _map_table(figure, values, fmt)
    return _respond(request, "benchmark/national.html", tables, "benchmark", view=view,
                    region_chart=region_chart, trend_chart=trend_chart, heat_cells=heat_cells,
                    organisations=svc.organisations(db, day), map_figure=figure, map_indicator=indicator or "",
                    map_indicators=svc.municipal_indicators(db, lang), **_day_context(day, mode))


def _map_table(figure: MapFigure, values: dict[str, Any], fmt: str) -> Table:
    """The map's figures as a table (for its CSV download), in the map's order of rows."""
    return {"caption": figure.title, "columns": [
        ("code", "Municipality code", "text"), ("municipality", "Municipality", "text"),
        ("value", figure.value_label, fmt)],
        "rows": [{"code": r.code, "municipality": r.name, "value": values.get(r.code)} for r in figure.rows]}


# ---- one organisation ---------------------------------------------------------------


def _attainment(row: dict[str, Any]) -> float | None:
    value, target = row["value"], row["target"]
    if value is None or not target:
        return None
    if row["direction"] == "lower":
        return target / value * 100 if value else None
    return value / target * 100


@get("/benchmark/organisations/{ref:str}", include_in_schema=False)
def organisation_page(request: Request, db: Session, principal: Principal, ref: str) -> Template | Response:
    require(principal, "benchmark.read")
    lang = language_of(request)
    _ = translations(lang).gettext
    day, _mode = _view_params(request, lang)
    view = svc.organisation_view(db, ref, lang, day)
    me = view["organisation"]
    at = _at(day)
    peers = view["peers"]
    tables: dict[str, Table] = {
        "peers": {"caption": _("Peer group: %(group)s") % {"group": _(me["peer_group"])}, "columns": [
            ("organisation", "Organisation", "link"), ("adoption_rate", "Adoption rate", "pct"),
            ("relevant_in_operation", "Prioritised solutions in operation", "int"),
            ("solutions_in_operation", "Solutions in operation", "int"),
            ("users_per_100k", "Users per 100,000", "num"), ("capacity_fte", "Capacity freed (FTE)", "num"),
            ("peer", "Rank in peer group", "rank"), ("peer_gap", "Gap to best", "pct")],
            "rows": [p | {"organisation": (p["name"], f"/benchmark/organisations/{p['ref']}{at}"),
                          "peer": _rank(p, "peer")} for p in peers]},
        "trend": {"caption": _("Trend (end of each year)"), "columns": [
            ("period", "Year", "text"), ("adoption_rate", "Adoption rate", "pct"),
            ("solutions_in_operation", "Solutions in operation", "int"), ("active_users", "Active users", "int"),
            ("capacity_fte", "Capacity freed (FTE)", "num")], "rows": view["trend"]},
        "indicators": {"caption": _("Indicators against national targets"), "columns": [
            ("name", "Indicator", "text"), ("period", "Year", "text"), ("value", "Value", "num"),
            ("target", "Target", "num"), ("unit", "Unit", "text"), ("met", "Target met", "text"),
            ("peer_median", "Peer median", "num"), ("peer", "Rank in peer group", "rank")],
            "rows": [i | {"met": "–" if i["met"] is None else (_("yes") if i["met"] else _("no")),
                          "peer": _rank(i, "peer")} for i in view["indicators"]]},
        "solutions": {"caption": _("Solutions reported"), "columns": [
            ("solution", "Solution", "link"), ("status", "Status", "text"), ("effective_from", "Since", "date"),
            ("active_users", "Active users", "int"), ("capacity_fte", "Capacity freed (FTE)", "num")],
            "rows": [s | {"solution": (s["name"], f"/solutions/{s['slug']}"), "status": _(s["status"])}
                     for s in view["solutions"]]},
    }
    peer_chart = charts.bar_chart(
        [(p["name"], p["adoption_rate"], p["self"]) for p in peers], chart_id="chart-peers",
        title=_("Adoption rate in the peer group"), fmt=lambda v: _pct(v, lang))
    trend = view["trend"]
    trend_chart = charts.line_chart(
        [t["period"] for t in trend], [(_("Adoption rate"), [t["adoption_rate"] for t in trend])],
        chart_id="chart-trend", title=_("Adoption rate over time"), fmt=lambda v: _pct(v, lang))
    latest: dict[str, dict[str, Any]] = {}
    for row in view["indicators"]:
        latest[row["indicator"]] = row
    target_chart = charts.target_chart(
        [(f"{r['name']} ({r['period']})", _attainment(r), r["met"],
          f"{r['value']:g} / {r['target']:g}" if r["target"] is not None else f"{r['value']:g}")
         for r in latest.values()], chart_id="chart-targets",
        title=_("Latest indicator values as % of the national target")) if latest else None
    may_report = principal.role == Role.ADMIN or (
        principal.role == Role.ORG_REPORTER and principal.organisation_id == me["id"])
    return _respond(request, "benchmark/organisation.html", tables, ref.replace(":", "-"), view=view, me=me,
                    peer_chart=peer_chart, trend_chart=trend_chart, target_chart=target_chart,
                    may_report=may_report, **_day_context(day, None))


# ---- one region ---------------------------------------------------------------------


@get("/benchmark/regions/{code:str}", include_in_schema=False)
def region_page(request: Request, db: Session, principal: Principal, code: str) -> Template | Response:
    require(principal, "benchmark.read")
    lang = language_of(request)
    _ = translations(lang).gettext
    day, mode = _view_params(request, lang)
    view = svc.region_view(db, code, lang, day, mode)
    members = view["members"]
    at = _at(day)
    tables: dict[str, Table] = {
        "members": {"caption": _("Organisations in the region"), "columns": [
            ("organisation", "Organisation", "link"), ("kind", "Kind", "text"), ("population", "Population", "int"),
            ("adoption_rate", "Adoption rate", "pct"), ("solutions_in_operation", "Solutions in operation", "int"),
            ("users_per_100k", "Users per 100,000", "num"), ("capacity_fte", "Capacity freed (FTE)", "num"),
            ("region", "Rank in region", "rank"), ("national", "Rank nationally", "rank")],
            "rows": [r | {"organisation": (r["name"], f"/benchmark/organisations/{r['ref']}{at}"), "kind": _(r["kind"]),
                          "region": _rank(r, "region"), "national": _rank(r, "national")} for r in members]},
        "trend": {"caption": _("Trend (end of each year)"), "columns": [
            ("period", "Year", "text"), ("adoption_rate", "Adoption rate (municipalities)", "pct"),
            ("active_users", "Active users", "int"), ("capacity_fte", "Capacity freed (FTE)", "num")],
            "rows": view["trend"]},
        **_regions_trend_table(view, _),
    }
    munis = [r for r in members if r["kind"] == "municipality"]
    member_chart = charts.bar_chart(
        [(r["name"], r["adoption_rate"], False) for r in munis], chart_id="chart-members",
        title=_("Adoption rate of the region's municipalities"), fmt=lambda v: _pct(v, lang),
        target=view["region"]["adoption_rate"], target_label=_("Region, population-weighted"))
    trend_chart = charts.line_chart(
        [t["period"] for t in view["trend"]],
        [(_("Municipalities"), [t["adoption_rate"] for t in view["trend"]])], chart_id="chart-trend",
        title=_("Adoption rate over time"), fmt=lambda v: _pct(v, lang))
    return _respond(request, "benchmark/region.html", tables, f"region-{code}", view=view,
                    region=view["region"], member_chart=member_chart, trend_chart=trend_chart,
                    **_day_context(day, mode))


# ---- import -------------------------------------------------------------------------


def _import_page(request: Request, status_code: int = 200, **context: Any) -> Template:
    return render(request, "benchmark/import.html", status_code=status_code, kinds=importer.KINDS,
                  columns=importer.COLUMNS, max_mb=importer.MAX_MB, **context)


def _file_too_large(request: Request, exc: HTTPException) -> Any:
    """The request was refused before it was read (so before its CSRF token was checked):
    the page says why and links to a fresh form rather than showing one without a token."""
    try:
        importer.require_reporter(request.scope.get("user", ANONYMOUS_PRINCIPAL))
    except DomainError as refused:
        return errors.domain_error_handler(request, refused)
    return _import_page(request, exc.status_code, errors={"file": importer.too_large()}, too_large=True)


class ImportPage(Controller):
    """The upload page (GET and POST on one path live in one controller)."""

    path = "/benchmark/import"
    include_in_schema = False

    @get("/")
    def form(self, request: Request, principal: Principal) -> Template:
        importer.require_reporter(principal)
        return _import_page(request)

    @post("/", request_max_body_size=importer.MAX_REQUEST_BYTES,
          exception_handlers={HTTP_413_REQUEST_ENTITY_TOO_LARGE: _file_too_large})
    def submit(self, request: Request, db: Session, principal: Principal,
               data: Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)]) -> Template:
        importer.require_reporter(principal)
        upload = data.get("file")
        kind = data.get("kind") or None
        if kind not in (None, *importer.KINDS):
            kind = None
        if not isinstance(upload, UploadFile) or not upload.filename:
            return _import_page(request, 400, errors={"file": Message("choose a CSV or Excel file")}, kind=kind)
        content = upload.file.read(importer.MAX_BYTES + 1)
        try:
            report = importer.import_file(db, principal, upload.filename, content, kind)
        except importer.ImportRejected as exc:
            return _import_page(request, 400, rejected=exc.report, kind=kind)
        except ValidationFailed as exc:
            return _import_page(request, 400, errors=exc.errors, kind=kind)
        return _import_page(request, report=report, kind=kind)


ROUTES: list[ControllerRouterHandler] = [national_page, organisation_page, region_page, ImportPage,
                                         *report_pages.ROUTES]
