"""Benchmark services: what the JSON API, the HTML pages, the CSV downloads, the reports
and the command line ask for, so they always show the same numbers.

Each view reads the data (loader.py), computes the figures with metrics.py (once per data
version: cache.py) and shapes them for the reader (views.py).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Hashable, Iterable
from datetime import date
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.benchmark import cache, loader, views
from app.benchmark import metrics as m
from app.benchmark.models import AdoptionRecord, Indicator, IndicatorTarget
from app.catalogue import services as catalogue
from app.catalogue.models import Organisation
from app.catalogue.regions import regions_on
from app.core import clock
from app.errors import NotFound, ValidationFailed
from app.messages import Message, Term

NATIONAL_SPREAD_ROWS = 50
# A trend across a change of the regions: on the regions valid at each year's end, or on
# the regions of the day in view counted back in time (e.g. "Østdanmark samlet").
EACH, MERGED = "each", "merged"
TREND_MODES = (EACH, MERGED)


def compute_uncached(session: Session, as_of: date, trend_for: Iterable[int] | None = None,
                     organisation_ids: Iterable[int] | None = None, regions_day: date | None = None) -> cache.Figures:
    """The figures as of a day, rolled up to the regions valid on `regions_day` (as_of by default)."""
    orgs = loader.load_organisations(session, regions_day or as_of)
    # Nothing effective after the last day computed (the end of as_of's year) can be in force.
    adoption, relevant = loader.without_unpublished(
        session, loader.load_adoption(session, organisation_ids, until=max(as_of, m.period_end(as_of.year))),
        loader.relevant_solutions(session))
    bench = m.compute(orgs, adoption, relevant, as_of, trend_for=trend_for)
    return bench, m.with_region_population(orgs), relevant


def compute(session: Session, as_of: date | None = None, trend_for: Iterable[int] | None = None,
            organisation_ids: Iterable[int] | None = None, regions_day: date | None = None) -> cache.Figures:
    """The benchmark as of a day (today by default), from the cache when the data have not
    changed. `trend_for` only narrows the trend rows returned (they are computed for all)."""
    as_of = as_of or clock.today()
    if organisation_ids is not None:
        return compute_uncached(session, as_of, trend_for, organisation_ids, regions_day)
    bench, orgs, relevant = cache.cached(session, as_of, lambda: compute_uncached(
        session, as_of, regions_day=regions_day), regions_day)
    if trend_for is not None:
        wanted = {int(i) for i in trend_for}
        trend = bench.trend[bench.trend["organisation_id"].isin(wanted)].reset_index(drop=True)
        bench = dataclasses.replace(bench, trend=trend)
    return bench, orgs, relevant


def compute_scoped(session: Session, as_of: date, region_id: int | None = None,
                   solution_ids: Iterable[int] | None = None, regions_day: date | None = None) -> cache.Figures:
    """The benchmark of one region (the region, its municipalities and hospitals on
    `regions_day`, as_of by default) and/or of some solutions only, computed from that part
    alone: a report filtered to a region or a treatment area shows no national figure beside its own."""
    if region_id is None and solution_ids is None:
        return compute(session, as_of, regions_day=regions_day)
    orgs = loader.load_organisations(session, regions_day or as_of)
    if region_id is not None:
        orgs = orgs[(orgs["id"] == region_id) | orgs["region_id"].eq(region_id).fillna(False).astype(bool)]
    until = max(as_of, m.period_end(as_of.year))
    adoption, relevant = loader.without_unpublished(
        session, loader.load_adoption(session, [int(i) for i in orgs["id"]] if region_id is not None else None,
                                      until=until), loader.relevant_solutions(session))
    if solution_ids is not None:
        wanted = {int(i) for i in solution_ids}
        adoption = adoption[adoption["solution_id"].isin(wanted)]
        relevant = relevant[relevant["solution_id"].isin(wanted)].reset_index(drop=True)
    orgs = orgs.reset_index(drop=True)
    return m.compute(orgs, adoption, relevant, as_of), m.with_region_population(orgs), relevant


def spread_rows(session: Session, bench: m.Benchmark, relevant: pd.DataFrame,
                limit: int | None = None) -> list[dict[str, Any]]:
    """How widely each solution is used, the widest first (the first `limit`, if given)."""
    spread = bench.spread if limit is None else bench.spread.head(limit)
    return views.spread_rows(spread, relevant, loader.solution_names(session, spread.index))


def _heat(session: Session, bench: m.Benchmark, orgs: pd.DataFrame, relevant: pd.DataFrame,
          lang: str) -> dict[str, Any]:
    solution_ids = views.heat_solution_ids(bench, relevant)
    return views.heat(bench, orgs, solution_ids, loader.solution_names(session, solution_ids), lang)


# ---- views --------------------------------------------------------------------------


def national_view(session: Session, lang: str = "da", as_of: date | None = None,
                  trend_mode: str = EACH) -> dict[str, Any]:
    bench, orgs, relevant = compute(session, as_of)
    view = {
        "as_of": bench.as_of.isoformat(),
        "periods": bench.periods,
        "national": {k: views.clean(v) for k, v in bench.national.items()},
        "regions": views.region_rows(orgs, bench, lang),
        "trend": views.national_trend(bench, orgs),
        "spread": spread_rows(session, bench, relevant, limit=NATIONAL_SPREAD_ROWS),
        "heat": _heat(session, bench, orgs, relevant, lang),
        "prioritised_solutions": len(set(relevant["solution_id"])),
        "municipalities": views.municipality_rates(orgs, bench),
    }
    return view | _with_change(session, bench, orgs, trend_mode, lang)


def solution_spread_view(session: Session, as_of: date | None = None) -> dict[str, Any]:
    bench, _orgs, relevant = compute(session, as_of)
    return {"as_of": bench.as_of.isoformat(), "items": spread_rows(session, bench, relevant)}


def get_benchmark_organisation(session: Session, ref: str) -> Organisation:
    kind, sep, code = ref.partition(":")
    if not sep or not code:
        raise NotFound(Message("organisation {ref} does not exist (use kind:code, e.g. municipality:169)",
                               ref=repr(ref)))
    org = session.scalar(select(Organisation).where(Organisation.kind == kind, Organisation.code == code))
    if org is None:
        raise NotFound(Message("{kind} {key} does not exist", kind=Term("missing", kind), key=code))
    if org.kind not in loader.BENCHMARK_KINDS:
        raise NotFound(Message("{name} is not benchmarked (only regions, municipalities and hospitals are)",
                               name=org.name))
    return org


def _require_valid(org: Organisation, orgs: pd.DataFrame, day: date) -> None:
    """A region that has ended (or not yet started) on the day has no figures of its own."""
    if org.id not in set(orgs["id"]):
        raise NotFound(Message("{name} is not a region on {day}", name=org.name, day=day))


def organisation_view(session: Session, ref: str, lang: str = "da", as_of: date | None = None) -> dict[str, Any]:
    org = get_benchmark_organisation(session, ref)
    bench, orgs, _relevant = compute(session, as_of, trend_for=[org.id])
    _require_valid(org, orgs, bench.as_of)
    current = bench.current[bench.current["organisation_id"] == org.id]
    region_id = orgs.loc[orgs["id"] == org.id, "region_id"].iloc[0]
    return {
        "as_of": bench.as_of.isoformat(),
        "organisation": views.organisation_row(orgs, bench, org.id, None if pd.isna(region_id) else int(region_id),
                                               lang),
        "peers": views.peers(orgs, bench, org.id, lang),
        "trend": views.organisation_trend(bench, org.id),
        "solutions": views.solution_rows(current, loader.solution_names(session, current["solution_id"])),
        "indicators": views.indicator_rows(*loader.load_indicators(session), orgs, org.id, lang),
    }


def region_view(session: Session, code: str, lang: str = "da", as_of: date | None = None,
                trend_mode: str = EACH) -> dict[str, Any]:
    region = session.scalar(select(Organisation).where(Organisation.kind == "region", Organisation.code == code))
    if region is None:
        raise NotFound(Message("{kind} {key} does not exist", kind=Term("missing", "region"), key=code))
    as_of = as_of or clock.today()
    orgs = loader.load_organisations(session, as_of)
    _require_valid(region, orgs, as_of)
    member_ids = [int(i) for i in orgs.loc[(orgs["region_id"] == region.id) | (orgs["id"] == region.id), "id"]]
    bench, orgs, _relevant = compute(session, as_of, trend_for=member_ids)
    regions = views.region_rows(orgs, bench, lang)
    change = _with_change(session, bench, orgs, trend_mode, lang, region.id)
    trend = views.national_trend(bench, orgs, member_ids)
    if change and trend_mode == EACH:  # no figures for the years before the region existed
        existed = {r["period"] for r in change["regions_trend"]["rows"] if r["code"] == region.code}
        trend = [t if t["period"] in existed else views.no_figures(t["period"]) for t in trend]
    return {"as_of": bench.as_of.isoformat(), "region": next(r for r in regions if r["id"] == region.id),
            "members": views.members(orgs, bench, member_ids, lang), "trend": trend, "regions": regions} | change


# ---- the regions across a change (Region Østdanmark from 1 January 2027) -------------

def _with_change(session: Session, bench: m.Benchmark, orgs: pd.DataFrame, mode: str, lang: str,
                 region_id: int | None = None) -> dict[str, Any]:
    """{"regions_trend": ...} when the regions changed within the trend's years (see
    regions_trend), else nothing: a view whose years all have today's regions is unchanged."""
    structures = {p: regions_on(session, m.period_end(p)) for p in bench.periods}
    change = views.regions_trend(bench, orgs, structures, mode, lang, region_id)
    return {"regions_trend": change} if change is not None else {}


# ---- small reads --------------------------------------------------------------------


# ---- small reads --------------------------------------------------------------------


def organisations(session: Session, on: date | None = None) -> list[Organisation]:
    """The organisations that are benchmarked and valid on the day in view, by kind and name
    (the pages' picker)."""
    return catalogue.organisation_choices(session, loader.BENCHMARK_KINDS, on)


def indicator_list(session: Session, lang: str = "da") -> list[dict[str, Any]]:
    targets: dict[int, list[dict[str, Any]]] = {}
    for t in session.scalars(select(IndicatorTarget).order_by(IndicatorTarget.year)):
        targets.setdefault(t.indicator_id, []).append({"year": t.year, "target": t.target})
    return [{"code": i.code, "name": i.name_en if lang == "en" else i.name_da, "unit": i.unit,
             "direction": i.direction, "applies_to": i.applies_to.split(","),
             "treatment_area": i.treatment_area.code if i.treatment_area else None,
             "targets": targets.get(i.id, [])}
            for i in session.scalars(select(Indicator).order_by(Indicator.code))]


def municipal_indicator(session: Session, code: str, lang: str = "da",
                        as_of: date | None = None) -> dict[str, Any]:
    """One indicator that applies to municipalities (by code): its name and unit, the latest
    period up to as_of's year with municipal values, and municipality code -> value then."""
    chosen = next((i for i in indicator_list(session, lang) if i["code"] == code
                   and "municipality" in i["applies_to"]), None)
    if chosen is None:
        raise ValidationFailed({"indicator": Message("must be one of {values}", values=", ".join(
            i["code"] for i in municipal_indicators(session, lang)))})
    indicators, _targets, values = loader.load_indicators(session)
    orgs = loader.load_organisations(session)
    muni = orgs[orgs["kind"] == "municipality"].set_index("id")["code"]
    indicator_id = int(indicators.loc[indicators["code"] == code, "id"].iloc[0])
    mine = values[(values["indicator_id"] == indicator_id) & values["organisation_id"].isin(muni.index)
                  & (values["period"] <= (as_of or clock.today()).year)]
    period = int(mine["period"].max()) if len(mine) else None
    latest = mine[mine["period"] == period]
    return chosen | {"period": period, "values": {str(muni[o]): float(v) for o, v in
                                                  zip(latest["organisation_id"], latest["value"], strict=True)}}


def municipal_indicators(session: Session, lang: str = "da") -> list[dict[str, Any]]:
    """The indicators that apply to municipalities (the national page's map may show one)."""
    return [i for i in indicator_list(session, lang) if "municipality" in i["applies_to"]]


# ---- where a solution is in use -------------------------------------------------------

# The one definition of "in use" (metrics.in_use), in words, shown next to every count of it.
IN_USE_DEFINITION = ("In use = in operation today at a region, municipality or hospital, as reported "
                     "to the national benchmark (planned, pilot and ended use do not count).")
LISTED_STATUSES = ("in_operation", "pilot", "planned")


def _status_since(session: Session, solution_ids: list[int]) -> dict[tuple[int, int, str], date]:
    """(organisation, solution, status) -> the first day of the status's latest unbroken run."""
    since: dict[tuple[int, int, str], date] = {}
    previous: tuple[int, int, str] | None = None
    rows = session.execute(select(AdoptionRecord.organisation_id, AdoptionRecord.solution_id,
                                  AdoptionRecord.status, AdoptionRecord.effective_from)
                           .where(AdoptionRecord.solution_id.in_(solution_ids))
                           .order_by(AdoptionRecord.organisation_id, AdoptionRecord.solution_id,
                                     AdoptionRecord.effective_from))
    for org, sol, status, effective in rows:
        key = (org, sol, status)
        if key != previous:
            since[key] = effective
        previous = key
    return since


def adoption_of(session: Session, solution_ids: Iterable[int], lang: str = "da",
                as_of: date | None = None) -> dict[int, dict[str, Any]]:
    """Where each solution is in use, from the same computed figures as the benchmark's
    pages (so the counts agree with its heat table and spread): the count in use, the
    count per region (every region, by code), and the organisations that plan, pilot or
    operate it with the status and since when. Unpublished solutions are not in the
    benchmark, so they have none."""
    ids = [int(i) for i in solution_ids]
    bench, orgs, _relevant = compute(session, as_of)
    current = bench.current[bench.current["solution_id"].isin(ids).to_numpy()]
    using = m.in_use(current, orgs)
    regions = orgs[orgs["kind"] == "region"].sort_values("code")
    info = orgs.set_index("id")
    since = _status_since(session, ids) if len(current) else {}
    out = {}
    for sid in ids:
        mine = using[using["solution_id"] == sid]
        per_region = mine.groupby("region")["organisation_id"].nunique()
        listed = current[(current["solution_id"] == sid).to_numpy()
                         & current["organisation_id"].isin(info.index).to_numpy()]
        organisations = [_adoption_row(info, row, since, lang) for row in listed.to_dict("records")
                         if row["status"] in LISTED_STATUSES]
        organisations.sort(key=lambda r: (LISTED_STATUSES.index(r["status"]), r["name"]))
        out[sid] = {
            "as_of": bench.as_of.isoformat(),
            "in_use": int(mine["organisation_id"].nunique()),
            "pilots": sum(1 for r in organisations if r["status"] == "pilot"),
            "regions": [{"code": r["code"], "name": views.org_name(r, lang),
                         "in_use": int(per_region.get(r["id"], 0))} for _, r in regions.iterrows()],
            "organisations": organisations,
        }
    return out


def _adoption_row(info: pd.DataFrame, row: dict[Hashable, Any], since: dict[tuple[int, int, str], date],
                  lang: str) -> dict[str, Any]:
    oid = int(row["organisation_id"])
    org = info.loc[oid]
    started = since.get((oid, int(row["solution_id"]), row["status"]))
    region = info.loc[org["region_id"]] if org["kind"] != "region" and org["region_id"] in info.index else org
    return {"id": oid, "ref": f"{org['kind']}:{org['code']}", "kind": org["kind"],
            "name": views.org_name(org, lang), "region": views.org_name(region, lang),
            "status": row["status"], "in_use": row["status"] == "in_operation",
            "since": (started or pd.Timestamp(row["effective_from"]).date()).isoformat()}
