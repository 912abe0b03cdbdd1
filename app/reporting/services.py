"""The data of each PDF report: one function per kind builds the template context from
the same services the pages and the API use (no figure is computed differently here).

A context is plain data (dicts, lists, SVG strings) so the templates in reports/templates
can be edited by a designer without touching Python.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from functools import partial
from html import unescape
from typing import Any

import pandas as pd
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app.approvals import lifecycle as lc
from app.approvals import services as approvals_svc
from app.approvals.models import ApprovalCase
from app.assessment import services as assessment_svc
from app.assessment.display import answer_text, outcome_text, tier_text
from app.assessment.loader import FrameworkRegistry
from app.assessment.models import Assessment
from app.benchmark import charts, map_figures
from app.benchmark import loader as bench_loader
from app.benchmark import metrics as m
from app.benchmark import services as bench_svc
from app.benchmark import views as bench_views
from app.benchmark.models import Indicator
from app.catalogue import services as catalogue_svc
from app.catalogue.models import Organisation, Solution, TreatmentArea
from app.catalogue.prior_art import prior_art_for_need
from app.catalogue.regions import regions_on
from app.core import clock
from app.core.pagination import MAX_PAGE_SIZE, PageRequest
from app.core.principal import Principal, require
from app.errors import NotFound, ValidationFailed
from app.messages import Message, Term, message_of, plural
from app.programmes import report as programme_report
from app.programmes import services as programme_svc
from app.reporting import contract_kpis
from app.reporting.case_handling import CaseRules
from app.reporting.case_handling import section as case_handling_section
from app.web.i18n import day, label, number, translations

KINDS = ("national-benchmark", "assessment", "temporary-approvals", "needs", "programme")
# Which permission each report needs (the same as the page it is downloaded from).
PERMISSIONS = {"national-benchmark": "benchmark.read", "assessment": "assessment.read",
               "temporary-approvals": "approval.dashboard", "needs": None, "programme": "benchmark.read"}
TITLES = {
    "national-benchmark": ("National benchmark af digitale sundhedsløsninger",
                           "National benchmark of digital health solutions"),
    "assessment": ("Vurderingsrapport", "Assessment report"),
    "temporary-approvals": ("Midlertidige godkendelser", "Temporary approvals"),
    "needs": ("Nationalt prioriterede behov", "Nationally ranked needs"),
    "programme": ("Udbredelsesprogram", "Spread programme"),
}


def may_generate(principal: Principal, kind: str) -> bool:
    permission = PERMISSIONS[kind]
    return permission is None or principal.can(permission)


@dataclass(frozen=True)
class ReportRequest:
    kind: str
    lang: str = "da"
    region: str | None = None
    treatment_area: str | None = None
    period: int | None = None
    solution: str | None = None
    programme: str | None = None

    @classmethod
    def from_form(cls, data: dict[str, Any], default_lang: str) -> ReportRequest:
        """A posted form or JSON body as a checked request."""
        def text(key: str) -> str | None:
            value = str(data.get(key) or "").strip()
            return value or None

        period = text("period")
        if period is not None and not (period.isascii() and period.isdigit() and len(period) == 4):
            raise ValidationFailed({"period": "a year, YYYY"})
        return cls(kind=text("kind") or "", lang=text("lang") or default_lang, region=text("region"),
                   treatment_area=text("treatment_area"), period=int(period) if period else None,
                   solution=text("solution"), programme=text("programme")).validate()

    def validate(self) -> ReportRequest:
        errors: dict[str, str] = {}
        if self.kind not in KINDS:
            errors["kind"] = f"must be one of {', '.join(KINDS)}"
        if self.lang not in ("da", "en"):
            errors["lang"] = "da or en"
        if self.period is not None and not 2000 <= self.period <= 2100:
            errors["period"] = "a year, YYYY"
        if self.period is not None and self.kind in ("needs", "assessment"):
            errors["period"] = "this report has no period"
        for name in ("region", "treatment_area"):
            if getattr(self, name) and self.kind == "assessment":
                errors[name] = "the assessment report is of one solution and takes no other filter"
        if self.kind == "assessment" and not self.solution:
            errors["solution"] = "the assessment report needs a solution"
        if self.kind == "programme":
            errors |= {name: "the programme report is of one programme and takes no other filter"
                       for name in ("region", "treatment_area", "period") if getattr(self, name)}
            if not self.programme:
                errors["programme"] = "the programme report needs a programme"
        if errors:
            raise ValidationFailed(errors)
        return self

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "lang": self.lang, "region": self.region,
                "treatment_area": self.treatment_area, "period": self.period, "solution": self.solution,
                "programme": self.programme}


def filter_choices(session: Session) -> tuple[list[Organisation], list[TreatmentArea]]:
    """What the report forms offer: the regions valid today and those that start later (the
    form names their first day; a report's period must lie in a region's time), and the
    treatment areas, by code."""
    today = clock.today()
    regions = session.scalars(select(Organisation).where(
        Organisation.kind == "region", or_(Organisation.valid_to.is_(None), Organisation.valid_to >= today))
        .order_by(Organisation.code))
    return list(regions), list(session.scalars(select(TreatmentArea).order_by(TreatmentArea.code)))


Progress = Callable[[str], None]


def _noop(_step: str) -> None:
    return None


def as_of_for(period: int | None) -> date:
    """The day the figures are taken at: today, or the end of the chosen year."""
    today = clock.today()
    if period is None or period >= today.year:
        return today
    return date(period, 12, 31)


def regions_day_for(period: int | None) -> date:
    """The day whose regions a report shows: the end of the chosen year (five regions for
    2026, four for 2027), or today."""
    return date(period, 12, 31) if period is not None else clock.today()


def _region(session: Session, code: str, on: date | None = None) -> Organisation:
    """The region with the code, valid on `on` if given."""
    region = session.scalar(select(Organisation).where(Organisation.kind == "region", Organisation.code == code))
    if region is None:
        raise NotFound(Message("{kind} {key} does not exist", kind=Term("missing", "region"), key=code))
    if on is not None and region.id not in {r.id for r in regions_on(session, on).regions}:
        raise NotFound(Message("{name} is not a region on {day}", name=region.name, day=on))
    return region


def _treatment_area(session: Session, code: str) -> TreatmentArea:
    area = session.scalar(select(TreatmentArea).where(TreatmentArea.code == code))
    if area is None:
        raise NotFound(Message("{kind} {key} does not exist", kind=Term("missing", "treatment area"), key=code))
    return area


def with_solution_id(session: Session, principal: Principal, data: dict[str, Any]) -> dict[str, Any]:
    """The posted form with the solution as its id: the id picked among the suggestions, or
    the solution the typed name means (so the form works without JavaScript too)."""
    if data.get("kind") != "assessment" or str(data.get("solution") or "").strip():
        return data
    typed = str(data.get("solution_name") or "").strip()
    return data | {"solution": str(catalogue_svc.solution_by_name(session, principal, typed).id)} if typed else data


def check_references(session: Session, req: ReportRequest, principal: Principal) -> None:
    """Every record the request names exists and may be seen by the one asking: a mistyped
    code or slug is an error on its field when the report is asked for, not a failed job."""
    lookups = {"region": (req.region, lambda s, key: _region(s, key, regions_day_for(req.period))),
               "treatment_area": (req.treatment_area, _treatment_area),
               "solution": (req.solution if req.kind == "assessment" else None,
                            lambda s, key: _reported_assessment(s, principal, key)),
               "programme": (req.programme if req.kind == "programme" else None,
                             lambda s, key: programme_svc.get_programme(s, principal, key))}
    errors: dict[str, str] = {}
    for field_name, (key, find) in lookups.items():
        if key:
            try:
                find(session, key)
            except NotFound as exc:
                errors[field_name] = message_of(exc)
    if errors:
        raise ValidationFailed(errors)


def _text(msg: Message, lang: str) -> str:
    """A text of the report in its language."""
    return msg.in_language(translations(lang).gettext)


def _base(req: ReportRequest, session: Session) -> dict[str, Any]:
    lang = req.lang
    filters: list[tuple[str, str]] = []
    scope: list[str] = []
    if req.region:
        region = _region(session, req.region)
        name = region.name_en if lang == "en" and region.name_en else region.name
        filters.append(("Region", name))
        scope.append(_say(lang, *REGION_SCOPE[req.kind], region=name))
    if req.treatment_area:
        area = _treatment_area(session, req.treatment_area)
        name = area.name_en if lang == "en" else area.name_da
        filters.append((_text(Message("Treatment area"), lang), name))
        scope.append(_say(lang, "behandlingsområdet {area}", "the treatment area {area}", area=name))
    if req.period:
        filters.append((_text(Message("Period"), lang), str(req.period)))
        scope.append(_say(lang, *PERIOD_SCOPE[req.kind], year=req.period,
                          day=day(as_of_for(req.period), lang)))
    generated = datetime.now(UTC)
    generated_day = day(generated.date(), lang)
    da_title, en_title = TITLES[req.kind]
    return {"kind": req.kind, "lang": lang, "title": en_title if lang == "en" else da_title,
            "filters": filters, "scoped": bool(scope), "scope_text": _scope_text(lang, scope),
            "source_text": _say(lang, "Kilde: Blåstempel-registret, udtræk {day}",
                                "Source: the Blåstempel register, extract of {day}", day=generated_day),
            "generated_at": generated, "generated_day": generated_day,
            "author": "Blåstempel", "request": req.as_dict()}


# How each kind reads a filter, in words (Danish, English).
REGION_SCOPE = {
    "national-benchmark": ("{region} med regionens kommuner og hospitaler",
                           "{region} with its municipalities and hospitals"),
    "temporary-approvals": ("løsninger i brug i {region}", "solutions in use in {region}"),
    "needs": ("behov fra {region} og regionens kommuner og hospitaler",
              "needs from {region} and its municipalities and hospitals"),
}
PERIOD_SCOPE = {
    "national-benchmark": ("tal pr. {day}", "figures as of {day}"),
    "temporary-approvals": ("godkendelser, der var gyldige i {year}", "approvals valid in {year}"),
}


def _scope_text(lang: str, scope: list[str]) -> str:
    if not scope:
        return _say(lang, "Rapporten omfatter hele landet og alle behandlingsområder.",
                    "The report covers the whole country and every treatment area.")
    return _say(lang, "Udsnit: {scope}. Alle tal, tabeller og figurer i rapporten er beregnet for dette udsnit.",
                "Selection: {scope}. Every figure, table and chart in the report is computed for this selection.",
                scope="; ".join(scope))


def _pct(v: float | None, lang: str) -> str:
    """A share as a percentage with one decimal, rounded half up after float noise is cut
    off, so one share computed two ways (a region's and its only region's) prints the same."""
    if v is None:
        return "–"
    rounded = Decimal(f"{v * 100:.9f}").quantize(Decimal("0.1"), ROUND_HALF_UP)
    return f"{number(float(rounded), lang, 1)} %"


# ---- national benchmark -------------------------------------------------------------


def _solution_ids_in_area(session: Session, code: str) -> set[int]:
    from app.catalogue.models import solution_treatment_area

    return set(session.scalars(select(solution_treatment_area.c.solution_id).join(
        TreatmentArea, TreatmentArea.id == solution_treatment_area.c.treatment_area_id).where(
        TreatmentArea.code == code)))


def national_benchmark(session: Session, req: ReportRequest, progress: Progress = _noop) -> dict[str, Any]:
    """The benchmark of the chosen part: a region filter keeps the region, its municipalities
    and hospitals; a treatment area keeps the solutions (and indicators) of that area. Every
    figure, table and chart below is computed from that part alone."""
    lang = req.lang
    ctx = _base(req, session)
    as_of = as_of_for(req.period)
    progress("benchmark")
    regions_day = regions_day_for(req.period)
    region_id = _region(session, req.region, regions_day).id if req.region else None
    in_area = _solution_ids_in_area(session, req.treatment_area) if req.treatment_area else None
    bench, orgs, relevant = bench_svc.compute_scoped(session, as_of, region_id, in_area, regions_day)
    view: dict[str, Any] = {
        "national": {k: bench_views.clean(v) for k, v in bench.national.items()},
        "regions": bench_views.region_rows(orgs, bench, lang),
        "trend": bench_views.national_trend(bench, orgs),
        "spread": bench_svc.spread_rows(session, bench, relevant),
        "prioritised_solutions": len(set(relevant["solution_id"])),
    }
    progress("organisations")
    all_rows = bench_views.org_rows(orgs, bench, None, lang)
    region_of = {int(i): (None if r is None or r is pd.NA else int(r))
                 for i, r in zip(orgs["id"], orgs["region_id"].astype(object), strict=True)}
    regions = view["regions"]
    pct = lambda v: _pct(v, lang)  # noqa: E731
    sections = [_region_section(r, all_rows, region_of, lang) for r in regions]
    progress("peers")
    peers = _peer_groups(all_rows)
    progress("spread")
    spread = view["spread"]
    widespread = [s for s in spread if s["municipalities"] > 0]
    shown = widespread[:SPREAD_CHART_ROWS]
    spread_chart = charts.bar_chart(
        [(s["name"], float(s["municipalities"]), s["prioritised"]) for s in shown],
        chart_id="chart-spread", fmt=lambda v: number(v, lang, 0),
        title=_text(Message("Municipalities using the solution"), lang)) if shown else None
    progress("indicators")
    indicators = _national_indicators(session, orgs, lang, {int(i) for i in orgs["id"]} if region_id else None,
                                      req.period, req.treatment_area)
    target_chart = charts.target_chart(
        [(f"{i['name']} ({i['period']})", i["median_attainment"], i["median_met"], i["tip"]) for i in indicators],
        chart_id="chart-targets",
        title=_text(Message("Median latest value as % of target"), lang),
    ) if indicators else None
    region_chart = charts.bar_chart(
        [(r["name"], r["adoption_rate"], False) for r in regions], chart_id="chart-regions",
        fmt=pct, max_value=1.0,
        title=_text(Message("Adoption rate of prioritised solutions by region"), lang)) if len(regions) > 1 else None
    trend_chart = charts.line_chart(
        [t["period"] for t in view["trend"]],
        [(_text(Message("Municipalities"), lang), [t["adoption_rate"] for t in view["trend"]])],
        chart_id="chart-trend", fmt=pct, title=_text(Message("National trend"), lang))
    rates = bench_views.municipality_rates(orgs, bench)
    municipality_map = map_figures.adoption_rate_map(rates, lang, map_id="map-report")
    n = view["national"]
    municipalities = sum(int(r.get("municipalities") or 0) for r in regions)
    hospitals = sum(int(r.get("hospitals") or 0) for r in regions)
    findings = _findings(lang, n, regions, spread, indicators, municipalities, ctx["scoped"])
    ctx |= {"view": view, "national": n, "regions": regions, "region_sections": sections, "peers": peers,
            "spread": spread, "spread_shown": len(shown), "spread_widespread": len(widespread),
            "indicators": indicators, "municipalities": municipalities, "hospitals": hospitals,
            "region_toc": [{"id": f"region-{x['region']['code']}", "label": x["region"]["name"], "sub": True}
                           for x in sections], "findings": findings,
            "charts": {"regions": region_chart, "trend": trend_chart, "spread": spread_chart,
                       "targets": target_chart},
            "data_taken_day": day(bench.as_of, lang), "regions_note": _regions_note(session, as_of, regions_day, lang),
            "municipality_map": municipality_map,
            "map_rows": _in_columns([r for r in municipality_map.rows if r.code in rates], 3),
            "pct": pct, "num": lambda v, d=1: number(v, lang, d)}
    return ctx


SPREAD_CHART_ROWS = 20


def _regions_note(session: Session, as_of: date, regions_day: date, lang: str) -> str | None:
    """When the figures' day and the period's regions differ (a 2027 report asked for in
    2026), the report says whose regions it shows."""
    if {r.id for r in regions_on(session, as_of).regions} == {r.id for r in regions_on(session, regions_day).regions}:
        return None
    names = ", ".join(r.name for r in regions_on(session, regions_day).regions)
    return _say(lang, "Tallene pr. {as_of} er opgjort på regionerne pr. {day}: {names}.",
                "The figures as of {as_of} are rolled up to the regions of {day}: {names}.",
                as_of=day(as_of, lang), day=day(regions_day, lang), names=names)


def _in_columns(items: list[Any], columns: int) -> list[list[Any]]:
    """Items in `columns` columns read top to bottom, as table rows (None fills the last)."""
    height = -(-len(items) // columns)
    return [[items[c * height + r] if c * height + r < len(items) else None for c in range(columns)]
            for r in range(height)]


def _region_section(r: dict[str, Any], all_rows: list[dict[str, Any]], region_of: dict[int, int | None],
                    lang: str) -> dict[str, Any]:
    members = [o for o in all_rows if region_of.get(o["id"]) == r["id"] and o["kind"] != "region"]
    members.sort(key=lambda o: ({"municipality": 0, "hospital": 1}[o["kind"]],
                                -(o["adoption_rate"] if o["adoption_rate"] is not None else -1), o["name"]))
    munis = [o for o in members if o["kind"] == "municipality"]
    chart = charts.bar_chart([(o["name"], o["adoption_rate"], False) for o in munis],
                             chart_id=f"chart-region-{r['code']}", fmt=lambda v: _pct(v, lang), max_value=1.0,
                             title=_text(Message("Adoption rate in the region's municipalities"), lang))
    return {"region": r, "members": members, "chart": chart}


def _peer_groups(all_rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    groups: dict[str, list[dict[str, Any]]] = {}
    for o in all_rows:
        if o["kind"] != "region" and o["peer_group"] is not None:
            groups.setdefault(o["peer_group"], []).append(o)
    return [{"group": g, "rows": sorted(groups[g], key=lambda o: (o["peer_rank"] or 10**6, o["name"]))}
            for g in sorted(groups, key=lambda g: (g.startswith("hospital"), g))]


def _findings(lang: str, n: dict[str, Any], regions: list[dict[str, Any]], spread: list[dict[str, Any]],
              indicators: list[dict[str, Any]], municipalities: int, scoped: bool) -> list[str]:
    def shown(value: int | None) -> str:
        return number(value, lang, 0)

    rate = _pct(n.get("municipal_adoption_rate"), lang)
    counted = plural("{n} municipality", "{n} municipalities", municipalities, n=shown(municipalities))
    out: list[Message | str] = [
        Message("The municipal adoption rate of the selection is {rate} (population-weighted, {municipalities}).",
                rate=rate, municipalities=counted) if scoped else
        Message("The national municipal adoption rate is {rate} (population-weighted, {municipalities}).",
                rate=rate, municipalities=counted)]
    rated = [r for r in regions if r.get("adoption_rate") is not None]
    if len(rated) >= 2:
        hi, lo = rated[0], rated[-1]
        out.append(Message("{highest} ranks highest at {highest_rate}; {lowest} lowest at {lowest_rate}.",
                           highest=hi["name"], highest_rate=_pct(hi["adoption_rate"], lang),
                           lowest=lo["name"], lowest_rate=_pct(lo["adoption_rate"], lang)))
    if spread:
        top = spread[0]
        out.append(Message("The most widespread solution is {solution}, in operation in {municipalities} and "
                           "{hospitals}.", solution=top["name"],
                           municipalities=plural("{n} municipality", "{n} municipalities", top["municipalities"],
                                                 n=shown(top["municipalities"])),
                           hospitals=plural("{n} hospital", "{n} hospitals", top["hospitals"],
                                            n=shown(top["hospitals"]))))
    solutions = n.get("solutions_in_operation") or 0
    out.append(plural("{solutions} solution is in operation, with {users} and {fte} FTE of capacity freed.",
                      "{solutions} solutions are in operation, with {users} and {fte} FTE of capacity freed.",
                      solutions, solutions=shown(solutions),
                      users=plural("{n} active user", "{n} active users", n.get("active_users") or 0,
                                   n=shown(n.get("active_users"))),
                      fte=number(n.get("capacity_fte"), lang, 1)))
    if indicators:
        out.append(plural("{met} of {total} indicator meets the target for the median organisation.",
                          "{met} of {total} indicators meet the target for the median organisation.",
                          len(indicators), met=sum(1 for i in indicators if i["median_met"]), total=len(indicators)))
    return [_text(f, lang) if isinstance(f, Message) else f for f in out]


def _say(lang: str, da: str, en: str, **values: Any) -> str:
    """A sentence written for the reports only, in the report's language."""
    return (en if lang == "en" else da).format(**values)


def _national_indicators(session: Session, orgs: Any, lang: str, scope_ids: set[int] | None,
                         period: int | None, treatment_area: str | None = None) -> list[dict[str, Any]]:
    indicators, targets, values = bench_loader.load_indicators(session)
    if treatment_area:
        in_area = set(session.scalars(select(Indicator.id).join(TreatmentArea).where(
            TreatmentArea.code == treatment_area)))
        values = values[values["indicator_id"].isin(in_area)]
    if values.empty:
        return []
    if scope_ids is not None:
        values = values[values["organisation_id"].isin(scope_ids)]
    if period is not None:
        values = values[values["period"] <= period]
    if values.empty:
        return []
    results = m.indicator_results(indicators, targets, values)
    info = indicators.set_index("id")
    out = []
    for ind_id, group in results.groupby("indicator_id"):
        latest_period = int(group["period"].max())
        g = group[group["period"] == latest_period]
        ind = info.loc[ind_id]
        target = bench_views.clean(g["target"].iloc[0])
        median = float(g["value"].median())
        met_share = float(g["met"].dropna().astype(float).mean()) if g["met"].notna().any() else None
        if target:
            attainment = (target / median * 100 if median else None) if ind["direction"] == "lower" \
                else median / target * 100
            median_met = (median <= target) if ind["direction"] == "lower" else (median >= target)
        else:
            attainment, median_met = None, None
        out.append({"code": ind["code"], "name": ind["name_en"] if lang == "en" else ind["name_da"],
                    "unit": ind["unit"], "direction": ind["direction"], "period": latest_period,
                    "organisations": int(g["value"].notna().sum()), "median": median, "target": target,
                    "met_share": met_share, "median_attainment": attainment, "median_met": median_met,
                    "tip": f"{median:g} / {target:g}" if target is not None else f"{median:g}"})
    return sorted(out, key=lambda i: i["code"])


# ---- one assessment -----------------------------------------------------------------


def _find_solution(session: Session, principal: Principal, key: str) -> Solution:
    return catalogue_svc.get_solution(session, principal, key)


def _reported_assessment(session: Session, principal: Principal, solution_key: str,
                         assessment_id: int | None = None) -> tuple[Solution, Assessment]:
    """The solution and the assessment its report shows: the one asked for, else the newest
    completed one, else the newest of any status."""
    solution = _find_solution(session, principal, solution_key)
    if assessment_id is not None:
        a = assessment_svc.get_assessment(session, principal, assessment_id)
        if a.solution_id != solution.id:
            raise NotFound(Message("assessment {id} is not an assessment of {solution}", id=assessment_id,
                                   solution=solution.slug))
        return solution, a
    _solution, candidates = assessment_svc.list_for_solution(session, principal, solution.id)
    completed = [c for c in candidates if c.status == "completed"]
    pool = completed or list(candidates)
    if not pool:
        raise NotFound(Message("{solution} has no assessment yet", solution=solution.name))
    return solution, max(pool, key=lambda c: c.id)


def assessment(session: Session, req: ReportRequest, principal: Principal, frameworks: FrameworkRegistry,
               assessment_id: int | None = None, progress: Progress = _noop) -> dict[str, Any]:
    lang = req.lang
    ctx = _base(req, session)
    progress("assessment")
    solution, a = _reported_assessment(session, principal, req.solution or "", assessment_id)
    fw = assessment_svc.framework_of(frameworks, a)
    score = assessment_svc.compute_score(fw, a)
    summary = assessment_svc.score_summary(score)
    by_section = {s["code"]: s for s in (summary or {}).get("sections", [])}
    crit_scores = {c.code: c for s in (score.sections if score else ()) for c in s.criteria}
    answers = {x.criterion_code: x for x in a.answers}
    inactive = fw.inactive_criteria(a.tier, {code: x.value for code, x in answers.items()})

    def text(obj: Any, field: str) -> str | None:
        return getattr(obj, f"{field}_en" if lang == "en" else f"{field}_da", None)

    sections = []
    for sec in fw.sections:
        rows = []
        for crit in sec.criteria:
            ans = answers.get(crit.code)
            cs = crit_scores.get(crit.code)
            rows.append({"code": crit.code, "question": text(crit, "question"), "gate": crit.gate,
                         "applies": crit.code not in inactive,
                         "answer": _answer_text(crit, ans.value if ans else None, lang),
                         "comment": ans.comment if ans else None, "evidence_url": ans.evidence_url if ans else None,
                         "source": label(lang, "answer-source", ans.source) if ans and ans.source else None,
                         "provenance": ans.provenance if ans else None,
                         "verification": ans.verification if ans else None,
                         "verification_label": label(lang, "verification", ans.verification)
                         if ans and ans.verification else None,
                         "answered_by": ans.answered_by.name if ans and ans.answered_by else None,
                         "credit": getattr(cs, "credit", None)})
        sections.append({"code": sec.code, "title": text(sec, "title"), "description": text(sec, "description"),
                         "result": by_section.get(sec.code), "criteria": rows})
    decision, basis = None, []
    case = approvals_svc.case_for(session, solution)
    if case is not None:
        decision = approvals_svc.case_view(session, principal, solution, case)
        basis = decision_basis(session, case, frameworks, lang)
    transitions = [{"from": t.from_status, "to": t.to_status, "actor": t.actor.name if t.actor else None,
                    # a start once noted the framework's code as its comment: the framework has its own line
                    "comment": t.comment if t.from_status else None,
                    "at": day(t.created_at.date(), lang) if t.created_at else "–"}
                   for t in a.transitions]
    outcome = (summary or {}).get("outcome")
    ctx |= {"solution": solution, "assessment": a, "framework": fw,
            "framework_title": fw.title_en if lang == "en" else fw.title_da,
            "summary": summary, "outcome_label": outcome_text(a.status, outcome, lang),
            "tier_label": tier_text(a.tier, lang), "sections": sections, "transitions": transitions,
            "decision": decision, "basis": basis, "is_evidence": evidence_assessment(a),
            "scope_text": _say(lang, "Rapporten omfatter én vurdering af {solution}.",
                               "The report covers one assessment of {solution}.", solution=solution.name),
            "author_name": a.author.name if a.author else None,
            "reviewer_name": a.reviewer.name if a.reviewer else None,
            "completed_day": day(a.completed_at.date(), lang) if a.completed_at else "–",
            "num": partial(_number_in, lang), "fmt_day": lambda v: _iso_day(v, lang),
            "data_taken_day": day(clock.today(), lang), "status_label": lambda v: _status_label(v, lang),
            "section_toc": [{"id": f"section-{x['code']}", "label": x["title"], "sub": True} for x in sections],
            "contracts": contract_kpis.contracts(session, frameworks, solution.id, lang)}
    ctx["subtitle"] = solution.name
    return ctx


def _answer_text(crit: Any, value: Any, lang: str) -> str:
    """An answer as the report prints it: a date as a date in the report's language."""
    if crit.answer_type == "date" and isinstance(value, str):
        return day(date.fromisoformat(value), lang)
    return answer_text(crit, value, lang)


def _iso_day(value: Any, lang: str) -> str:
    if not value:
        return "–"
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    return day(value, lang)


# ---- temporary approvals ------------------------------------------------------------


def temporary_approvals(session: Session, req: ReportRequest, principal: Principal,
                        frameworks: FrameworkRegistry | None = None, progress: Progress = _noop,
                        case_rules: CaseRules = CaseRules()) -> dict[str, Any]:
    """The temporary approvals of the chosen part; the overview, outcomes, deadlines and
    milestones are counted over the same cases as the list. The case handling counts every
    application of the chosen treatment area and region, this year."""
    lang = req.lang
    ctx = _base(req, session)
    progress("approvals")
    in_scope = _cases_in_scope(session, req)
    cases = _temporary_cases(in_scope, req)
    dash = approvals_svc.dashboard(session, principal, case_ids={c.id for c in cases})
    when = dash["today"]
    rows = []
    for c in cases:
        view = approvals_svc.case_view(session, principal, c.solution, c, when)
        rows.append(view | {"case": c, "evidence": approvals_svc.evidence_summary(c),
                            "basis": decision_basis(session, c, frameworks, lang)})
    counts = [(label(lang, "report-count", k), v) for k, v in dash["by_status"].items()]
    deadlines = [{"solution": d["case"].solution.name, "kind": d["kind"], "date": day(d["date"], lang),
                  "days": d["days"]} for d in dash["deadlines"]]
    overdue = [{"solution": o["case"].solution.name, "milestone": o["milestone"].title,
                "due": day(o["milestone"].due_date, lang), "days": o["days"]} for o in dash["overdue"]]
    ctx |= {"cases": rows, "counts": counts, "temporary_total": dash["temporary_total"],
            "case_toc": [{"id": f"case-{r['solution']['id']}", "label": r["solution"]["name"], "sub": True}
                         for r in rows], "deadlines": deadlines, "overdue": overdue,
            "today_day": day(when, lang), "data_taken_day": day(when, lang),
            "share_permanent": _pct(dash["share_permanent"], lang),
            "median_days": dash["median_days_to_decision"],
            "fmt_day": lambda v: _iso_day(v, lang), "status_label": lambda s: _status_label(s, lang),
            "num": lambda v, d=1: number(v, lang, d), "pending": lc.PENDING}
    handling = approvals_svc.dashboard(session, principal, case_ids={c.id for c in in_scope},
                                       yearly_minimum=case_rules.yearly_minimum)
    ctx["case_handling"] = case_handling_section(handling, case_rules, lang)
    return ctx


def _temporary_cases(in_scope: list[ApprovalCase], req: ReportRequest) -> list[ApprovalCase]:
    """The cases that have had a temporary approval, in a year in which it was valid."""
    cases = [c for c in in_scope if c.temporary_count]
    if req.period:
        cases = [c for c in cases if (c.valid_from and c.valid_from.year <= req.period) and
                 (c.valid_until is None or c.valid_until.year >= req.period)]
    return cases


def _cases_in_scope(session: Session, req: ReportRequest) -> list[ApprovalCase]:
    """Every case narrowed by the request's treatment area (one the approval covers, or, for
    a case without a decision yet, its solution's) and region (where the solution is in use:
    its projects' owners and partners)."""
    cases = list(session.scalars(select(ApprovalCase).order_by(ApprovalCase.id)))
    if req.treatment_area:
        cases = [c for c in cases if req.treatment_area in (c.treatment_areas or
                                                            [t.code for t in c.solution.treatment_areas])]
    if req.region:
        rid, region_of = _region_members(session, req)
        using = approvals_svc.organisations_using(session, [c.solution_id for c in cases])
        cases = [c for c in cases
                 if any(o.id == rid or region_of.get(o.id) == rid for o in using.get(c.solution_id, []))]
    return cases


def _region_members(session: Session, req: ReportRequest) -> tuple[int, Mapping[int, int]]:
    """The requested region's id and every organisation's region, on the report's regions day."""
    on = regions_day_for(req.period)
    return _region(session, str(req.region), on).id, regions_on(session, on).region_of


def evidence_assessment(a: Assessment) -> bool:
    """The rule for citing an assessment as the basis of an approval: it is completed and
    has answers. A draft, one still in review, or an empty shell is never shown as evidence."""
    return a.status == "completed" and bool(a.answers)


def decision_basis(session: Session, case: ApprovalCase, frameworks: FrameworkRegistry | None,
                   lang: str) -> list[dict[str, Any]]:
    """The assessments the case's decisions rest on that count as evidence (evidence_assessment)."""
    ids = {i for e in approvals_svc.events_of(session, case) for i in (e.assessment_ids or [])}
    found = session.scalars(select(Assessment).where(Assessment.id.in_(ids)).order_by(Assessment.id))
    out = []
    for a in found:
        if not evidence_assessment(a):
            continue
        framework = f"{a.framework_id} {a.framework_version}"
        if frameworks is not None:
            fw = assessment_svc.framework_of(frameworks, a)
            framework = assessment_svc.framework_label(fw)
        out.append({"framework": framework, "completed": day(a.completed_at.date(), lang) if a.completed_at else "–",
                    "score": None if a.score is None else f"{number(a.score, lang, 0)} %",
                    "outcome": outcome_text(a.status, (a.result or {}).get("outcome"), lang)})
    return out


def _number_in(lang: str, value: float | None, digits: int = 1) -> str:
    return number(value, lang, digits)


def _status_label(status: str | None, lang: str) -> str:
    return label(lang, "report-status", status) if status else "–"


# ---- needs --------------------------------------------------------------------------


def needs(session: Session, req: ReportRequest, backend: Any, limit: int = 50,
          progress: Progress = _noop) -> dict[str, Any]:
    lang = req.lang
    ctx = _base(req, session)
    progress("needs")
    ranked = _ranked_needs(session, req)
    rows = []
    for rank, need in enumerate(ranked[:limit], start=1):
        progress(f"need {rank}")
        prior = prior_art_for_need(session, backend, need, limit=3) if backend is not None else \
            {"solutions": [], "projects": []}
        rows.append({"rank": rank, "need": need,
                     "area": (need.treatment_area.name_en if lang == "en" else need.treatment_area.name_da)
                     if need.treatment_area else "–",
                     "solutions": [_hit(h, lang) for h in prior["solutions"]],
                     "projects": [_hit(h, lang) for h in prior["projects"]]})
    ctx |= {"needs": rows, "total": len(ranked), "data_taken_day": day(clock.today(), lang),
            "num": lambda v, d=0: number(v, lang, d),
            "priority_label": lambda p: label(lang, "report-priority", p)}
    return ctx


def _ranked_needs(session: Session, req: ReportRequest) -> list[Any]:
    """Every need of the chosen treatment area and region (raised by the region or one of its
    municipalities or hospitals), by endorsements."""
    flt = catalogue_svc.NeedFilter(treatment_area=req.treatment_area)
    out: list[Any] = []
    while True:
        items, total = catalogue_svc.list_needs(session, flt, PageRequest(limit=MAX_PAGE_SIZE, offset=len(out)),
                                                sort="endorsements")
        out += items
        if not items or len(out) >= total:
            break
    if req.region:
        rid, region_of = _region_members(session, req)
        out = [n for n in out if n.organisation.id == rid or region_of.get(n.organisation.id) == rid]
    return out


def _hit(hit: Any, lang: str) -> dict[str, Any]:
    status = hit.approval_status
    return {"title": unescape(re.sub(r"<[^>]+>", "", hit.title)), "slug": hit.slug, "url": hit.url,
            "status": status, "status_label": label(lang, "approval", status) if status else None}


def build(session: Session, req: ReportRequest, *, principal: Principal, frameworks: FrameworkRegistry | None = None,
          search_backend: Any = None, progress: Progress = _noop,
          case_rules: CaseRules = CaseRules()) -> dict[str, Any]:
    """The context of one report, checking the principal may see it (as on its page)."""
    req.validate()
    permission = PERMISSIONS[req.kind]
    if permission:
        require(principal, permission)
    if req.kind == "national-benchmark":
        return national_benchmark(session, req, progress)
    if req.kind == "assessment":
        if frameworks is None:
            raise ValueError("the assessment report needs the framework registry")
        return assessment(session, req, principal, frameworks, progress=progress)
    if req.kind == "temporary-approvals":
        return temporary_approvals(session, req, principal, frameworks, progress, case_rules)
    if req.kind == "programme":
        return programme(session, req, principal)
    return needs(session, req, search_backend, progress=progress)


# ---- a spread programme ---------------------------------------------------------------------


def programme(session: Session, req: ReportRequest, principal: Principal) -> dict[str, Any]:
    """One programme's progress for the ministry (app/programmes/report.py has the figures)."""
    ctx = _base(req, session) | programme_report.context(session, principal, req.programme or "", req.lang)
    ctx["subtitle"] = ctx["programme"]["name"]
    ctx["scope_text"] = _say(req.lang, "Programmets målgruppe: {n} organisationer. Alle tal er beregnet for dem.",
                             "The programme's target organisations: {n}. Every figure is computed for them.",
                             n=ctx["view"]["total"])
    return ctx
