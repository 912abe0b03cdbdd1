"""View models of the benchmark: the computed figures shaped into the rows the pages, the
JSON API, the CSV downloads and the reports show (JSON-safe values, names in the reader's
language). Pure: whatever comes from the database (solution names, indicators) is given."""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Iterator, Mapping
from typing import Any, cast

import numpy as np
import pandas as pd

from app.benchmark import metrics as m
from app.catalogue.regions import Regions

HEAT_ROWS = 15
Names = Mapping[int, tuple[str, str]]  # solution id -> (slug, name)
KIND_ORDER = {"region": 0, "municipality": 1, "hospital": 2}
METRIC_COLUMNS = ("adoption_rate", "relevant_in_operation", "relevant_solutions", "solutions_in_operation",
                  "pilots", "active_users", "users_per_100k", "capacity_fte", "capacity_per_100k")
RANK_COLUMNS = ("peer_group", "peer_rank", "peer_size", "peer_best", "peer_gap", "region_group", "region_rank",
                "region_size", "national_rank", "national_size", "national_best", "national_gap")


def clean(value: Any) -> Any:
    """JSON-safe scalars: NaN/NA -> None, numpy -> Python."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _columns(row: Mapping[Hashable, Any] | pd.Series) -> Iterable[tuple[str, Any]]:
    """(column, value) pairs of a row. The benchmark's frames have str column labels;
    pandas-stubs can only type labels as Hashable."""
    return cast("Iterable[tuple[str, Any]]", row.items())


def _by_id(df: pd.DataFrame) -> Iterator[tuple[int, pd.Series]]:
    """(id, row) of a frame indexed by organisation or solution id (an int64 index yields
    ints; pandas-stubs can only type labels as Hashable)."""
    return cast("Iterator[tuple[int, pd.Series]]", df.iterrows())


def records(df: pd.DataFrame) -> list[dict[str, Any]]:
    return [{k: clean(v) for k, v in _columns(row)} for row in df.to_dict("records")]


def org_name(row: Any, lang: str) -> str:
    return row["name_en"] if lang == "en" and isinstance(row.get("name_en"), str) and row["name_en"] else row["name"]


def _by_rate(row: dict[str, Any]) -> float:
    """Sort key: the highest adoption rate first, none last."""
    return -(row["adoption_rate"] if row["adoption_rate"] is not None else -1)


def org_rows(orgs: pd.DataFrame, bench: m.Benchmark, ids: Iterable[int] | None, lang: str) -> list[dict[str, Any]]:
    o = orgs.set_index("id")
    table = bench.organisations if ids is None else bench.organisations.loc[list(ids)]
    out = []
    for oid, row in _by_id(table):
        org = o.loc[oid]
        item = {"id": int(oid), "ref": f"{org['kind']}:{org['code']}", "kind": org["kind"], "code": org["code"],
                "name": org_name(org, lang), "population": clean(org["population"])}
        item |= {c: clean(row[c]) for c in METRIC_COLUMNS + RANK_COLUMNS}
        out.append(item)
    return out


def municipality_rates(orgs: pd.DataFrame, bench: m.Benchmark) -> dict[str, float | None]:
    """Municipality code -> adoption rate (None where no prioritised solution is relevant)."""
    muni = orgs[orgs["kind"] == "municipality"]
    rates = bench.organisations["adoption_rate"]
    return {str(code): clean(rates.get(oid)) for oid, code in zip(muni["id"], muni["code"], strict=True)}


def national_trend(bench: m.Benchmark, orgs: pd.DataFrame,
                   member_ids: Iterable[int] | None = None) -> list[dict[str, Any]]:
    """Per period: population-weighted municipal adoption rate, users and capacity (of the
    given organisations, or everyone)."""
    t = bench.trend.merge(orgs[["id", "kind", "population"]], left_on="organisation_id", right_on="id")
    if member_ids is not None:
        t = t[t["organisation_id"].isin(set(member_ids))]
    out = []
    for period, group in t.groupby("period"):
        muni = group[(group["kind"] == "municipality") & group["adoption_rate"].notna()]
        weight = muni["population"].sum()
        rate = float((muni["adoption_rate"] * muni["population"]).sum() / weight) if weight else None
        # a period is a year (pandas-stubs types a group key as any scalar)
        out.append({"period": int(cast(int, period)), "adoption_rate": rate,
                    "solutions_in_operation": int(group["solutions_in_operation"].sum()),
                    "active_users": float(group["active_users"].sum()),
                    "capacity_fte": float(group["capacity_fte"].sum())})
    return out


def no_figures(period: int) -> dict[str, Any]:
    """A trend point without figures (e.g. a year before the region existed)."""
    return {"period": period, "adoption_rate": None, "solutions_in_operation": None, "active_users": None,
            "capacity_fte": None}


def region_rows(orgs: pd.DataFrame, bench: m.Benchmark, lang: str) -> list[dict[str, Any]]:
    o = orgs.set_index("id")
    out = []
    for rid, row in _by_id(bench.regions.sort_values("rank")):
        org = o.loc[rid]
        out.append({"id": int(rid), "code": org["code"], "name": org_name(org, lang)}
                   | {k: clean(v) for k, v in _columns(row)})
    return out


def heat_solution_ids(bench: m.Benchmark, relevant: pd.DataFrame) -> list[int]:
    """The heat table's rows: the prioritised solutions by spread, then the others."""
    prioritised = list(dict.fromkeys(relevant["solution_id"].tolist()))
    ranked = [int(s) for s in bench.spread.index if s in set(prioritised)]
    others = [int(s) for s in bench.spread.index if s not in set(prioritised)]
    unused = [s for s in prioritised if s not in set(ranked)]
    return (ranked + unused + others)[:HEAT_ROWS]


def heat(bench: m.Benchmark, orgs: pd.DataFrame, solution_ids: list[int], names: Names,
         lang: str) -> dict[str, Any]:
    regions = orgs[orgs["kind"] == "region"].sort_values("code")
    cells = m.heat_table(bench.current, orgs, solution_ids).set_index(["solution_id", "region_id"])
    rows = []
    for sid in solution_ids:
        slug, name = names.get(sid, (str(sid), str(sid)))
        rows.append({"solution_id": sid, "slug": slug, "name": name,
                     "cells": [{"region": r["code"], "using": int(cells.loc[(sid, r["id"]), "using"]),
                                "total": int(cells.loc[(sid, r["id"]), "total"]),
                                "share": float(cells.loc[(sid, r["id"]), "share"])}
                               for _, r in regions.iterrows()]})
    return {"regions": [{"code": r["code"], "name": org_name(r, lang)} for _, r in regions.iterrows()],
            "rows": rows}


def spread_rows(spread: pd.DataFrame, relevant: pd.DataFrame, names: Names) -> list[dict[str, Any]]:
    prioritised = set(relevant["solution_id"].tolist())
    return [{"solution_id": int(sid), "slug": names.get(sid, ("", ""))[0], "name": names.get(sid, ("", ""))[1],
             "prioritised": int(sid) in prioritised} | {k: int(v) for k, v in _columns(row)}
            for sid, row in _by_id(spread)]


def organisation_row(orgs: pd.DataFrame, bench: m.Benchmark, organisation_id: int, region_id: int | None,
                     lang: str) -> dict[str, Any]:
    """One organisation's figures and ranks, with its region."""
    region = orgs.set_index("id").loc[region_id] if region_id in set(orgs["id"]) else None
    return org_rows(orgs, bench, [organisation_id], lang)[0] | {
        "region": None if region is None else {"code": region["code"], "name": org_name(region, lang)}}


def peers(orgs: pd.DataFrame, bench: m.Benchmark, organisation_id: int, lang: str) -> list[dict[str, Any]]:
    """The organisation's peer group (itself marked "self"), the best first."""
    ranked = bench.organisations
    peer_ids = ranked.index[ranked["peer_group"] == ranked.loc[organisation_id, "peer_group"]]
    rows = sorted(org_rows(orgs, bench, peer_ids, lang), key=lambda r: (_by_rate(r), r["name"]))
    for row in rows:
        row["self"] = row["id"] == organisation_id
    return rows


def organisation_trend(bench: m.Benchmark, organisation_id: int) -> list[dict[str, Any]]:
    return records(bench.trend[bench.trend["organisation_id"] == organisation_id].drop(columns="organisation_id"))


def solution_rows(current: pd.DataFrame, names: Names) -> list[dict[str, Any]]:
    """The solutions an organisation reports now (its rows of bench.current), by status and name."""
    return sorted(({"slug": names.get(r["solution_id"], ("", ""))[0],
                    "name": names.get(r["solution_id"], ("", ""))[1], "status": r["status"],
                    "effective_from": pd.Timestamp(r["effective_from"]).date().isoformat(),
                    "active_users": clean(r["active_users"]), "capacity_fte": clean(r["capacity_fte"])}
                   for r in current.to_dict("records")), key=lambda s: (s["status"], s["name"]))


def members(orgs: pd.DataFrame, bench: m.Benchmark, member_ids: list[int], lang: str) -> list[dict[str, Any]]:
    """A region's organisations: the region, its municipalities, its hospitals; the best first."""
    return sorted(org_rows(orgs, bench, member_ids, lang),
                  key=lambda r: (KIND_ORDER[r["kind"]], _by_rate(r), r["name"]))


def indicator_rows(indicators: pd.DataFrame, targets: pd.DataFrame, values: pd.DataFrame, orgs: pd.DataFrame,
                   organisation_id: int, lang: str) -> list[dict[str, Any]]:
    """The organisation's indicator values against the national targets and its peers."""
    if values.empty:
        return []
    results = m.indicator_ranks(m.indicator_results(indicators, targets, values), m.peer_groups(orgs))
    mine = results[results["organisation_id"] == organisation_id].sort_values(["indicator_id", "period"])
    info = indicators.set_index("id")
    peer_median = results.groupby(["indicator_id", "period", "peer_group"])["value"].median()
    out = []
    for _, r in mine.iterrows():
        ind = info.loc[r["indicator_id"]]
        out.append({"indicator": ind["code"], "name": ind["name_en"] if lang == "en" else ind["name_da"],
                    "unit": ind["unit"], "direction": ind["direction"], "period": int(r["period"]),
                    "value": clean(r["value"]), "target": clean(r["target"]), "gap": clean(r["gap"]),
                    "met": clean(r["met"]), "peer_median": clean(peer_median.get(
                        (r["indicator_id"], r["period"], r["peer_group"]))),
                    "peer_rank": clean(r["peer_rank"]), "peer_size": clean(r["peer_size"]),
                    "national_rank": clean(r["national_rank"]), "national_size": clean(r["national_size"])})
    return out


def regions_trend(bench: m.Benchmark, orgs: pd.DataFrame, structures: Mapping[int, Regions], mode: str,
                  lang: str, region_id: int | None = None) -> dict[str, Any] | None:
    """The regions' trend when the regions changed within the trend's years (None if not):
    mode "each" counts every year on the regions valid at its end (`structures`), mode
    "merged" counts every year on the regions of the day in view (`orgs`), with their members
    of that day. `region_id` narrows it to one region of the day in view (and, in "each",
    the regions it was made of). A region that has ended has no row of its own in `orgs`, so
    its own reported adoption is not counted after it ended; its members' is."""
    member_of = {int(i): (None if pd.isna(r) else int(r)) for i, r in zip(orgs["id"], orgs["region_id"], strict=True)}
    shown = orgs[orgs["kind"] == "region"].sort_values("code")
    if region_id is not None:
        shown = shown[shown["id"] == region_id]
    scope = set(member_of) if region_id is None else {region_id} | {i for i, r in member_of.items() if r == region_id}
    then = {p: [(q, [i for i in (q.id, *st.members(q.id)) if i in scope]) for q in st.regions]
            for p, st in structures.items()}
    then = {p: [(q, ids) for q, ids in groups if ids] for p, groups in then.items()}
    now = {int(i) for i in shown["id"]}
    changed = [p for p, groups in then.items() if {q.id for q, _ids in groups} != now]
    if not changed:
        return None
    before = {q.id: q for p in changed for q, _ids in then[p] if q.id not in now}
    later = {q.id for p in changed for q, _ids in then[p]}
    if mode == "merged":
        groups = [(r, [int(r["id"])] + [i for i, g in member_of.items() if g == r["id"]]) for _, r in shown.iterrows()]
        rows = [_trend_row(bench, orgs, r["code"], org_name(r, lang), ids, bench.periods) for r, ids in groups]
    else:
        rows = [_trend_row(bench, orgs, q.code, org_name({"name": q.name, "name_en": q.name_en}, lang), ids, [p])
                for p, groups_then in then.items() for q, ids in groups_then]
    return {"mode": mode, "rows": sorted((x for row in rows for x in row), key=lambda x: (x["period"], x["code"])),
            "before": [org_name({"name": q.name, "name_en": q.name_en}, lang) for q in before.values()],
            "after": [org_name(r, lang) for _, r in shown.iterrows() if int(r["id"]) not in later],
            "until": max(changed), "from": max(changed) + 1}


def _trend_row(bench: m.Benchmark, orgs: pd.DataFrame, code: str, name: str, member_ids: list[int],
               periods: Iterable[int]) -> list[dict[str, Any]]:
    wanted = set(periods)
    return [{"period": t["period"], "code": code, "name": name, "adoption_rate": t["adoption_rate"],
             "active_users": t["active_users"], "capacity_fte": t["capacity_fte"]}
            for t in national_trend(bench, orgs, member_ids) if t["period"] in wanted]
