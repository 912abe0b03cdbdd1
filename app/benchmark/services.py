"""Benchmark services: load the data as DataFrames, call metrics.py, shape the figures.

The JSON API, the HTML pages and the CSV downloads all use the views built here, so
they always show the same numbers.
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterable
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.benchmark import metrics as m
from app.benchmark.models import (
    Indicator,
    IndicatorTarget,
    IndicatorValue,
    PrioritisedSolution,
)
from app.catalogue.models import Organisation, Solution
from app.errors import NotFound

BENCHMARK_KINDS = ("region", "municipality", "hospital")
ASSESSED_KINDS = BENCHMARK_KINDS
HEAT_ROWS = 15


# ---- loading ------------------------------------------------------------------------


def load_organisations(session: Session) -> pd.DataFrame:
    stmt = select(Organisation.id, Organisation.kind, Organisation.code, Organisation.name,
                  Organisation.name_en, Organisation.region_id, Organisation.population).where(
        Organisation.kind.in_(BENCHMARK_KINDS))
    df = pd.read_sql(stmt, session.connection())
    df["population"] = df["population"].astype(float)
    df["region_id"] = df["region_id"].astype("Int64")
    return df


ADOPTION_COLUMNS = ["organisation_id", "solution_id", "status", "effective_from", "end_date", "active_users",
                    "capacity_fte"]
_CSV_DTYPES = {"organisation_id": "int64", "solution_id": "int64", "status": "str", "effective_from": "str",
               "end_date": "str", "active_users": "float64", "capacity_fte": "float64"}


CHUNK = 200_000


def _adoption_sql(dialect: str, organisation_ids: Iterable[int] | None, id_range: tuple[int, int] | None = None) -> str:
    conditions = []
    if organisation_ids is not None:
        conditions.append("organisation_id IN (" + (",".join(str(int(i)) for i in organisation_ids) or "NULL") + ")")
    if id_range is not None:
        conditions.append(f"id BETWEEN {int(id_range[0])} AND {int(id_range[1])}")
    where = (" WHERE " + " AND ".join(conditions)) if conditions else ""
    if dialect == "sqlite":
        # One CSV text per chunk built inside SQLite: far fewer Python objects than row tuples.
        row = ("organisation_id || ',' || solution_id || ',' || status || ',' || effective_from || ',' || "
               "coalesce(end_date, '') || ',' || coalesce(active_users, '') || ',' || coalesce(capacity_fte, '')")
        return f"SELECT group_concat({row}, char(10)) FROM benchmark_adoption{where}"
    return f"SELECT {', '.join(ADOPTION_COLUMNS)} FROM benchmark_adoption{where}"


def _finish_adoption(df: pd.DataFrame) -> pd.DataFrame:
    df["effective_from"] = pd.to_datetime(df["effective_from"], format="%Y-%m-%d")
    df["end_date"] = pd.to_datetime(df["end_date"], format="%Y-%m-%d")
    df["status"] = pd.Categorical(df["status"], categories=m.STATUSES)
    df["active_users"] = df["active_users"].astype(float)
    df["capacity_fte"] = df["capacity_fte"].astype(float)
    return df


def _parse_csv(text_csv: str) -> pd.DataFrame:
    """One chunk, with its text columns converted at once (2M rows of Python strings would
    cost hundreds of MiB)."""
    return _finish_adoption(_read_csv(text_csv))


def _read_csv(text_csv: str) -> pd.DataFrame:
    return pd.read_csv(io.StringIO(text_csv), header=None, names=ADOPTION_COLUMNS, dtype=_CSV_DTYPES,
                       keep_default_na=False, na_values={"end_date": [""], "active_users": [""],
                                                         "capacity_fte": [""]}, engine="c")


def load_adoption(session: Session, organisation_ids: Iterable[int] | None = None) -> pd.DataFrame:
    """All adoption rows as a DataFrame, fast: SQLite builds CSV text per chunk of ids
    (group_concat), PostgreSQL streams COPY ... TO STDOUT; pandas' C reader parses both."""
    conn = session.connection()
    dialect = conn.dialect.name
    ids = None if organisation_ids is None else list(organisation_ids)
    texts: list[str] | None = None
    frames: list[pd.DataFrame] = []
    if dialect == "sqlite":
        low, high = conn.exec_driver_sql("SELECT min(id), max(id) FROM benchmark_adoption").one()
        texts = []
        if low is not None:
            for start in range(int(low), int(high) + 1, CHUNK):
                chunk = conn.exec_driver_sql(_adoption_sql(dialect, ids, (start, start + CHUNK - 1))).scalar()
                if chunk:  # parse each chunk at once: only one chunk's text is alive at a time
                    frames.append(_parse_csv(chunk))
                    del chunk
    elif dialect == "postgresql" and hasattr(conn.connection.dbapi_connection.cursor(), "copy"):
        with conn.connection.dbapi_connection.cursor() as cur, cur.copy(
                f"COPY ({_adoption_sql(dialect, ids)}) TO STDOUT WITH (FORMAT csv)") as copy:
            texts = [b"".join(bytes(chunk) for chunk in copy).decode()]
    if texts is None:
        df = pd.read_sql(_adoption_sql(dialect, ids), conn).astype({"effective_from": "str", "end_date": "str"})
        df["end_date"] = df["end_date"].replace({"None": None, "NaT": None})
        return _finish_adoption(df)
    frames += [_parse_csv(t) for t in texts if t]
    if not frames:
        return _finish_adoption(pd.DataFrame({c: pd.Series(dtype=t) for c, t in _CSV_DTYPES.items()}))
    return pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]


def relevant_solutions(session: Session, *, include_assessed: bool = True,
                       approved_solution_ids: Iterable[int] = ()) -> pd.DataFrame:
    """The metric's "nationally prioritised/approved" set: solutions flagged prioritised
    (with the kinds they are relevant to), plus those with a completed assessment and any
    approved ones (relevant to regions, municipalities and hospitals)."""
    rows = [(p.solution_id, kind.strip()) for p in session.scalars(select(PrioritisedSolution))
            for kind in p.relevant_kinds.split(",") if kind.strip()]
    extra = set(approved_solution_ids)
    if include_assessed:
        from app.assessment.models import Assessment

        extra |= set(session.scalars(select(Assessment.solution_id).where(Assessment.status == "completed")))
    flagged = {sid for sid, _ in rows}
    rows += [(sid, kind) for sid in extra - flagged for kind in ASSESSED_KINDS]
    return pd.DataFrame(rows, columns=["solution_id", "kind"]).astype({"solution_id": "int64"})


def load_indicators(session: Session) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    conn = session.connection()
    indicators = pd.read_sql(select(Indicator.id, Indicator.code, Indicator.name_da, Indicator.name_en,
                                    Indicator.unit, Indicator.direction, Indicator.applies_to), conn)
    targets = pd.read_sql(select(IndicatorTarget.indicator_id, IndicatorTarget.year, IndicatorTarget.target), conn)
    values = pd.read_sql(select(IndicatorValue.indicator_id, IndicatorValue.organisation_id,
                                IndicatorValue.period, IndicatorValue.value), conn)
    return indicators, targets, values


def _solutions(session: Session, ids: Iterable[int]) -> dict[int, tuple[str, str]]:
    ids = [int(i) for i in ids]
    out: dict[int, tuple[str, str]] = {}
    for start in range(0, len(ids), 500):
        for sid, slug, name in session.execute(select(Solution.id, Solution.slug, Solution.name).where(
                Solution.id.in_(ids[start:start + 500]))):
            out[sid] = (slug, name)
    return out


def compute(session: Session, as_of: date | None = None, trend_for: Iterable[int] | None = None,
            organisation_ids: Iterable[int] | None = None) -> tuple[m.Benchmark, pd.DataFrame, pd.DataFrame]:
    orgs = load_organisations(session)
    relevant = relevant_solutions(session)
    adoption = load_adoption(session, organisation_ids)
    bench = m.compute(orgs, adoption, relevant, as_of or date.today(), trend_for=trend_for)
    return bench, m.with_region_population(orgs), relevant


# ---- shaping ------------------------------------------------------------------------


def clean(value: Any) -> Any:
    """JSON-safe scalars: NaN/NA -> None, numpy -> Python."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    return [{k: clean(v) for k, v in row.items()} for row in df.to_dict("records")]


def _org_name(row: Any, lang: str) -> str:
    return row["name_en"] if lang == "en" and isinstance(row.get("name_en"), str) and row["name_en"] else row["name"]


METRIC_COLUMNS = ("adoption_rate", "relevant_in_operation", "relevant_solutions", "solutions_in_operation",
                  "pilots", "active_users", "users_per_100k", "capacity_fte", "capacity_per_100k")
RANK_COLUMNS = ("peer_group", "peer_rank", "peer_size", "peer_best", "peer_gap", "region_group", "region_rank",
                "region_size", "national_rank", "national_size", "national_best", "national_gap")


def _org_rows(orgs: pd.DataFrame, bench: m.Benchmark, ids: Iterable[int] | None, lang: str) -> list[dict[str, Any]]:
    o = orgs.set_index("id")
    table = bench.organisations if ids is None else bench.organisations.loc[list(ids)]
    out = []
    for oid, row in table.iterrows():
        org = o.loc[oid]
        item = {"id": int(oid), "ref": f"{org['kind']}:{org['code']}", "kind": org["kind"], "code": org["code"],
                "name": _org_name(org, lang), "population": clean(org["population"])}
        item |= {c: clean(row[c]) for c in METRIC_COLUMNS + RANK_COLUMNS}
        out.append(item)
    return out


def _national_trend(bench: m.Benchmark, orgs: pd.DataFrame,
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
        out.append({"period": int(period), "adoption_rate": rate,
                    "solutions_in_operation": int(group["solutions_in_operation"].sum()),
                    "active_users": float(group["active_users"].sum()),
                    "capacity_fte": float(group["capacity_fte"].sum())})
    return out


def _region_rows(orgs: pd.DataFrame, bench: m.Benchmark, lang: str) -> list[dict[str, Any]]:
    o = orgs.set_index("id")
    out = []
    for rid, row in bench.regions.sort_values("rank").iterrows():
        org = o.loc[rid]
        out.append({"id": int(rid), "code": org["code"], "name": _org_name(org, lang)}
                   | {k: clean(v) for k, v in row.items()})
    return out


def _heat(session: Session, bench: m.Benchmark, orgs: pd.DataFrame, relevant: pd.DataFrame,
          lang: str, solution_ids: list[int] | None = None) -> dict[str, Any]:
    if solution_ids is None:
        prioritised = list(dict.fromkeys(relevant["solution_id"].tolist()))
        ranked = [int(s) for s in bench.spread.index if s in set(prioritised)]
        others = [int(s) for s in bench.spread.index if s not in set(prioritised)]
        unused = [s for s in prioritised if s not in set(ranked)]
        solution_ids = (ranked + unused + others)[:HEAT_ROWS]
    regions = orgs[orgs["kind"] == "region"].sort_values("code")
    heat = m.heat_table(bench.current, orgs, solution_ids)
    names = _solutions(session, solution_ids)
    cells = heat.set_index(["solution_id", "region_id"])
    rows = []
    for sid in solution_ids:
        slug, name = names.get(sid, (str(sid), str(sid)))
        rows.append({"solution_id": sid, "slug": slug, "name": name,
                     "cells": [{"region": r["code"], "using": int(cells.loc[(sid, r["id"]), "using"]),
                                "total": int(cells.loc[(sid, r["id"]), "total"]),
                                "share": float(cells.loc[(sid, r["id"]), "share"])}
                               for _, r in regions.iterrows()]})
    return {"regions": [{"code": r["code"], "name": _org_name(r, lang)} for _, r in regions.iterrows()],
            "rows": rows}


def spread_rows(session: Session, bench: m.Benchmark, relevant: pd.DataFrame,
                limit: int | None = None) -> list[dict[str, Any]]:
    spread = bench.spread if limit is None else bench.spread.head(limit)
    names = _solutions(session, spread.index)
    prioritised = set(relevant["solution_id"].tolist())
    return [{"solution_id": int(sid), "slug": names.get(sid, ("", ""))[0], "name": names.get(sid, ("", ""))[1],
             "prioritised": int(sid) in prioritised} | {k: int(v) for k, v in row.items()}
            for sid, row in spread.iterrows()]


# ---- views --------------------------------------------------------------------------


def national_view(session: Session, lang: str = "da", as_of: date | None = None) -> dict[str, Any]:
    bench, orgs, relevant = compute(session, as_of)
    return {
        "as_of": bench.as_of.isoformat(),
        "periods": bench.periods,
        "national": {k: clean(v) for k, v in bench.national.items()},
        "regions": _region_rows(orgs, bench, lang),
        "trend": _national_trend(bench, orgs),
        "spread": spread_rows(session, bench, relevant, limit=50),
        "heat": _heat(session, bench, orgs, relevant, lang),
        "prioritised_solutions": len(set(relevant["solution_id"])),
    }


def solution_spread_view(session: Session, as_of: date | None = None) -> dict[str, Any]:
    bench, _orgs, relevant = compute(session, as_of)
    return {"as_of": bench.as_of.isoformat(), "items": spread_rows(session, bench, relevant)}


def get_benchmark_organisation(session: Session, ref: str) -> Organisation:
    kind, sep, code = ref.partition(":")
    if not sep or not code:
        raise NotFound(f"organisation {ref!r} does not exist (use kind:code, e.g. municipality:169)")
    org = session.scalar(select(Organisation).where(Organisation.kind == kind, Organisation.code == code))
    if org is None:
        raise NotFound(f"organisation {ref} does not exist")
    if org.kind not in BENCHMARK_KINDS:
        raise NotFound(f"{ref} is not benchmarked (only regions, municipalities and hospitals are)")
    return org


def _indicator_rows(session: Session, orgs: pd.DataFrame, organisation_id: int, lang: str) -> list[dict[str, Any]]:
    indicators, targets, values = load_indicators(session)
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


def organisation_view(session: Session, ref: str, lang: str = "da", as_of: date | None = None) -> dict[str, Any]:
    org = get_benchmark_organisation(session, ref)
    bench, orgs, _relevant = compute(session, as_of, trend_for=[org.id])
    ranked = bench.organisations
    me = ranked.loc[org.id]
    peer_ids = ranked.index[ranked["peer_group"] == me["peer_group"]]
    peers = sorted(_org_rows(orgs, bench, peer_ids, lang),
                   key=lambda r: (-(r["adoption_rate"] if r["adoption_rate"] is not None else -1), r["name"]))
    for p in peers:
        p["self"] = p["id"] == org.id
    current = bench.current[bench.current["organisation_id"] == org.id]
    names = _solutions(session, current["solution_id"])
    solutions = sorted(({"slug": names.get(r["solution_id"], ("", ""))[0],
                         "name": names.get(r["solution_id"], ("", ""))[1], "status": r["status"],
                         "effective_from": pd.Timestamp(r["effective_from"]).date().isoformat(),
                         "active_users": clean(r["active_users"]), "capacity_fte": clean(r["capacity_fte"])}
                        for r in current.to_dict("records")), key=lambda s: (s["status"], s["name"]))
    trend = _records(bench.trend[bench.trend["organisation_id"] == org.id].drop(columns="organisation_id"))
    region = orgs.set_index("id").loc[org.region_id] if org.region_id in set(orgs["id"]) else None
    return {
        "as_of": bench.as_of.isoformat(),
        "organisation": _org_rows(orgs, bench, [org.id], lang)[0] | {
            "region": None if region is None else {"code": region["code"], "name": _org_name(region, lang)}},
        "peers": peers,
        "trend": trend,
        "solutions": solutions,
        "indicators": _indicator_rows(session, orgs, org.id, lang),
    }


def region_view(session: Session, code: str, lang: str = "da", as_of: date | None = None) -> dict[str, Any]:
    region = session.scalar(select(Organisation).where(Organisation.kind == "region", Organisation.code == code))
    if region is None:
        raise NotFound(f"region {code} does not exist")
    orgs = load_organisations(session)
    member_ids = [int(i) for i in orgs.loc[(orgs["region_id"] == region.id) | (orgs["id"] == region.id), "id"]]
    bench, orgs, _relevant = compute(session, as_of, trend_for=member_ids)
    row = next(r for r in _region_rows(orgs, bench, lang) if r["id"] == region.id)
    members = _org_rows(orgs, bench, member_ids, lang)
    members.sort(key=lambda r: ({"region": 0, "municipality": 1, "hospital": 2}[r["kind"]],
                                -(r["adoption_rate"] if r["adoption_rate"] is not None else -1), r["name"]))
    return {"as_of": bench.as_of.isoformat(), "region": row, "members": members,
            "trend": _national_trend(bench, orgs, member_ids),
            "regions": _region_rows(orgs, bench, lang)}


# ---- small reads --------------------------------------------------------------------


def indicator_list(session: Session, lang: str = "da") -> list[dict[str, Any]]:
    targets: dict[int, list[dict[str, Any]]] = {}
    for t in session.scalars(select(IndicatorTarget).order_by(IndicatorTarget.year)):
        targets.setdefault(t.indicator_id, []).append({"year": t.year, "target": t.target})
    return [{"code": i.code, "name": i.name_en if lang == "en" else i.name_da, "unit": i.unit,
             "direction": i.direction, "applies_to": i.applies_to.split(","),
             "treatment_area": i.treatment_area.code if i.treatment_area else None,
             "targets": targets.get(i.id, [])}
            for i in session.scalars(select(Indicator).order_by(Indicator.code))]
