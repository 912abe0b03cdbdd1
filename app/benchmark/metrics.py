"""Every benchmark figure, computed from plain DataFrames (no database, no web).

Inputs (column names are the contract; services.py and the benchmark load them):

- ``orgs``: id, kind, code, name, region_id, population (regions get the sum of their
  municipalities' population from :func:`with_region_population`).
- ``adoption``: organisation_id, solution_id, status, effective_from (datetime64),
  end_date (datetime64 or NaT), active_users, capacity_fte. Effective-dated history: the
  status in force on a day is the latest row effective on or before that day.
- ``relevant``: solution_id, kind. The nationally prioritised (or approved) solutions and
  the organisation kinds each is relevant to. It is a parameter: the caller decides
  what counts (flagged prioritised, completed assessment, later "approved").
- ``indicators``: id, code, direction ("higher" | "lower" is better);
  ``targets``: indicator_id, year, target; ``values``: indicator_id, organisation_id,
  period, value.

Definitions (the figures shown everywhere):

- in use (:func:`in_use`, the one definition the register, the solution pages, the
  comparison, the reports and the API show too): a region, municipality or hospital has
  the solution with status ``in_operation`` on the day; planned, pilot and discontinued
  (or ended) do not count.
- active: status ``pilot`` or ``in_operation`` on the day.
- adoption_rate = relevant solutions in operation / relevant solutions for the
  organisation's kind (0..1; NaN when nothing is relevant to that kind).
- solutions_in_operation: distinct solutions with status ``in_operation``.
- active_users: sum of active_users over active rows; users_per_100k =
  active_users / population × 100,000 (NaN without a population, e.g. hospitals).
- capacity_fte: sum of capacity_fte over active rows; capacity_per_100k likewise.
- peer group: municipalities by population band (<20k, 20–50k, 50–100k, >100k; lower
  bound inclusive) and, separately, by region; hospitals with hospitals; regions with
  regions. Rank 1 is best (ties share the best rank); gap_to_best = best − own value.
- region roll-up: adoption_rate = population-weighted mean of its municipalities'
  rates (Σ rate × population / Σ population); users and capacity summed over the
  region itself, its municipalities and its hospitals, per 100,000 of the municipalities'
  population. Roll-ups follow the organisations' *current* region, so history survives
  a merger (e.g. Region Østdanmark in 2027) once municipalities are re-pointed.
- spread of a solution: number of municipalities, hospitals and regions (the region
  itself or any organisation in it) with it in operation, plus pilots.
- indicator vs target: gap = value − target; better_by = gap when higher is better,
  −gap when lower is better; met = better_by ≥ 0.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

STATUSES = ("planned", "pilot", "in_operation", "discontinued")
BANDS = (0, 20_000, 50_000, 100_000, float("inf"))
BAND_LABELS = ("<20k", "20–50k", "50–100k", ">100k")
PER = 100_000


# ---- organisations ------------------------------------------------------------------


def with_region_population(orgs: pd.DataFrame) -> pd.DataFrame:
    """Regions' population = Σ of their municipalities' population."""
    out = orgs.copy()
    muni = out[out["kind"] == "municipality"]
    sums = muni.groupby("region_id")["population"].sum(min_count=1)
    is_region = out["kind"] == "region"
    out.loc[is_region, "population"] = out.loc[is_region, "id"].map(sums).to_numpy(dtype=float)
    out["population"] = out["population"].astype(float)
    return out


def size_band(population: pd.Series) -> pd.Series:
    """'<20k' for 0–19,999; '20–50k' for 20,000–49,999; '50–100k'; '>100k' from 100,000."""
    return pd.cut(population, bins=list(BANDS), labels=list(BAND_LABELS), right=False).astype("string")


def peer_groups(orgs: pd.DataFrame) -> pd.DataFrame:
    """id, peer_group (size band for municipalities, kind otherwise), region_group."""
    out = orgs[["id", "kind", "region_id", "population"]].copy()
    band = size_band(out["population"])
    is_muni = out["kind"] == "municipality"
    out["peer_group"] = out["kind"].astype("string")
    out.loc[is_muni, "peer_group"] = "municipality " + band[is_muni]
    out["region_group"] = pd.Series(pd.NA, index=out.index, dtype="string")
    out.loc[is_muni, "region_group"] = ("municipality in region "
                                        + out.loc[is_muni, "region_id"].astype("Int64").astype("string"))
    return out[["id", "peer_group", "region_group"]]


# ---- adoption history ---------------------------------------------------------------

PLANNED, PILOT, IN_OPERATION, DISCONTINUED = range(4)


def status_codes(frame: pd.DataFrame) -> np.ndarray:
    """Statuses as small integers (index into STATUSES): fast to compare on millions of rows."""
    status = frame["status"]
    if isinstance(status.dtype, pd.CategoricalDtype) and tuple(status.cat.categories) == STATUSES:
        return status.cat.codes.to_numpy()
    return pd.Categorical(status.astype("object"), categories=STATUSES).codes


def packed_key(org: np.ndarray, sol: np.ndarray, eff: np.ndarray) -> np.ndarray | None:
    """(organisation, solution, effective day) packed in one int64 that sorts the same way,
    or None when the values do not fit."""
    if len(org) and org.min() >= 0 and org.max() < 2**20 and sol.min() >= 0 and sol.max() < 2**22 \
            and eff.min() >= 0 and eff.max() < 2**17:
        return (org << 39) | (sol << 17) | eff
    return None


def sort_history(adoption: pd.DataFrame) -> pd.DataFrame:
    """Sort by (organisation, solution, effective_from) once, with status as a categorical;
    status_at relies on the order. A history that is already in order (the fast loader
    sorts it) is not copied."""
    eff = adoption["effective_from"].to_numpy(dtype="datetime64[D]").astype("int64")
    org = adoption["organisation_id"].to_numpy(dtype="int64")
    sol = adoption["solution_id"].to_numpy(dtype="int64")
    key = packed_key(org, sol, eff)
    if key is not None and bool(np.all(key[1:] > key[:-1])):
        out = adoption.reset_index(drop=True)
    else:
        order = np.argsort(key) if key is not None else np.lexsort((eff, sol, org))  # packed: one fast sort
        out = adoption.iloc[order].reset_index(drop=True)
    status = out["status"]
    if not (isinstance(status.dtype, pd.CategoricalDtype) and tuple(status.cat.categories) == STATUSES):
        out["status"] = pd.Categorical.from_codes(status_codes(out), categories=pd.Index(STATUSES))
    return out


def _last_in_pair(org: np.ndarray, sol: np.ndarray) -> np.ndarray:
    """True for the last row of each organisation × solution run (history sorted)."""
    last = np.ones(len(org), dtype=bool)
    last[:-1] = (org[1:] != org[:-1]) | (sol[1:] != sol[:-1])
    return last


def _in_force(eff_days: np.ndarray, last_in_pair: np.ndarray, day: int) -> np.ndarray:
    """Rows in force on `day` (as days since 1970) of a sorted history: effective on or
    before the day, and the pair's next row (if any) only after it."""
    ok = eff_days <= day
    out = ok.copy()
    out[:-1] &= last_in_pair[:-1] | ~ok[1:]
    return out


def _days(values: pd.Series | np.ndarray) -> np.ndarray:
    """Dates as int64 days since 1970 (NaT -> a huge number, so `<= day` is False)."""
    arr = np.asarray(values).astype("datetime64[D]")
    out = arr.astype("int64")
    missing = np.isnat(arr)
    return np.where(missing, np.iinfo(np.int64).max, out) if missing.any() else out


def status_at(history: pd.DataFrame, as_of: date) -> pd.DataFrame:
    """The row in force on `as_of` for each organisation × solution (history sorted by
    sort_history). A row whose end_date is on or before `as_of` counts as discontinued."""
    day = int(np.datetime64(as_of, "D").astype("int64"))
    org = history["organisation_id"].to_numpy()
    sol = history["solution_id"].to_numpy()
    mask = _in_force(_days(history["effective_from"]), _last_in_pair(org, sol), day)
    out = history[mask].reset_index(drop=True)
    if out.empty:
        return out
    if "end_date" in out.columns:
        ended = _days(out["end_date"]) <= day  # NaT compares False
        if ended.any():
            codes = np.where(ended, DISCONTINUED, status_codes(out)).astype("int8")
            out["status"] = pd.Categorical.from_codes(codes, categories=pd.Index(STATUSES))
    return out


# ---- per organisation ---------------------------------------------------------------


class _Counter:
    """What organisation_metrics needs about the organisations and the relevant set, worked
    out once; `metrics` then counts any selection of rows (one per trend period)."""

    def __init__(self, orgs: pd.DataFrame, relevant: pd.DataFrame, org: np.ndarray, sol: np.ndarray) -> None:
        base = orgs.set_index("id")[["kind", "population"]]
        self.base = base
        ids = base.index.to_numpy(dtype="int64")
        n = self.n = len(ids)
        order = np.argsort(ids)
        slot = np.searchsorted(ids[order], org).clip(0, max(n - 1, 0))
        self.known = (ids[order][slot] == org) if n else np.zeros(len(org), dtype=bool)
        self.pos = order[slot]
        kinds = pd.Categorical(base["kind"])
        rel = relevant.drop_duplicates(["solution_id", "kind"])
        rel = rel[rel["kind"].isin(kinds.categories)]
        top = int(max(sol.max(initial=0), rel["solution_id"].max() if len(rel) else 0)) + 1
        lookup = np.zeros((len(kinds.categories), top), dtype=bool)
        lookup[kinds.categories.get_indexer(pd.Index(rel["kind"])), rel["solution_id"].to_numpy(dtype="int64")] = True
        self.relevant_row = lookup[kinds.codes[self.pos], sol] if len(sol) else np.zeros(0, dtype=bool)
        self.relevant_per_kind = rel.groupby("kind").size()

    def metrics(self, codes: np.ndarray, users: np.ndarray, fte: np.ndarray,
                rows: np.ndarray | None = None) -> pd.DataFrame:
        """codes/users/fte are per row; `rows` (bool) selects the rows in force (None = all)."""
        n = self.n
        sel = np.flatnonzero(self.known if rows is None else self.known & rows)  # gather once, count small
        pos, codes, users, fte = self.pos[sel], codes[sel], users[sel], fte[sel]
        in_op = codes == IN_OPERATION
        pilot = codes == PILOT
        active = in_op | pilot

        def count(mask: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
            return np.bincount(pos[mask], weights=None if weights is None else weights[mask], minlength=n)[:n]

        hit = in_op & self.relevant_row[sel]
        base = self.base
        out = pd.DataFrame(index=base.index)
        out["kind"] = base["kind"]
        out["population"] = base["population"].astype(float)
        out["solutions_in_operation"] = count(in_op).astype("int64")
        out["pilots"] = count(pilot).astype("int64")
        out["active_users"] = count(active, users)
        out["capacity_fte"] = count(active, fte)
        out["relevant_solutions"] = out["kind"].map(self.relevant_per_kind).fillna(0).astype("int64")
        out["relevant_in_operation"] = count(hit).astype("int64")
        denominator = out["relevant_solutions"].where(out["relevant_solutions"] > 0)
        out["adoption_rate"] = out["relevant_in_operation"] / denominator
        population = out["population"].where(out["population"] > 0)
        out["users_per_100k"] = out["active_users"] / population * PER
        out["capacity_per_100k"] = out["capacity_fte"] / population * PER
        out.index.name = "id"
        return out


def _weights(frame: pd.DataFrame, column: str) -> np.ndarray:
    return np.nan_to_num(frame[column].to_numpy(dtype="float64"))


def organisation_metrics(orgs: pd.DataFrame, current: pd.DataFrame, relevant: pd.DataFrame) -> pd.DataFrame:
    """One row per organisation (index = id) with the adoption figures defined above.
    Counting is done with numpy (bincount) because it runs once per trend period."""
    counter = _Counter(orgs, relevant, current["organisation_id"].to_numpy(dtype="int64"),
                       current["solution_id"].to_numpy(dtype="int64"))
    return counter.metrics(status_codes(current), _weights(current, "active_users"),
                           _weights(current, "capacity_fte"))


def rank_within(values: pd.Series, groups: pd.Series, higher_is_better: bool = True) -> pd.DataFrame:
    """rank (1 = best, ties share the best rank), group_size (ranked members), best, gap_to_best."""
    frame = pd.DataFrame({"value": values, "group": groups})
    grouped = frame.groupby("group", dropna=True)["value"]
    frame["rank"] = grouped.rank(method="min", ascending=not higher_is_better).astype("Int64")
    frame["group_size"] = grouped.transform("count").astype("Int64")
    frame["best"] = grouped.transform("max" if higher_is_better else "min")
    frame["gap_to_best"] = (frame["best"] - frame["value"]) if higher_is_better else (frame["value"] - frame["best"])
    return frame[["group", "rank", "group_size", "best", "gap_to_best"]]


def with_ranks(metrics: pd.DataFrame, peers: pd.DataFrame, metric: str = "adoption_rate") -> pd.DataFrame:
    """The metrics plus peer_group / region_group / national ranks on `metric`."""
    out = metrics.join(peers.set_index("id"))
    for prefix, group in (("peer", out["peer_group"]), ("region", out["region_group"]),
                          ("national", out["kind"].astype("string"))):
        ranked = rank_within(out[metric], group)
        out[f"{prefix}_rank"] = ranked["rank"]
        out[f"{prefix}_size"] = ranked["group_size"]
        out[f"{prefix}_best"] = ranked["best"]
        out[f"{prefix}_gap"] = ranked["gap_to_best"]
    return out


# ---- regions and the nation ---------------------------------------------------------


def region_rollup(orgs: pd.DataFrame, metrics: pd.DataFrame, current: pd.DataFrame) -> pd.DataFrame:
    """One row per region (index = region id)."""
    o = orgs.set_index("id")
    m = metrics.join(region_of(orgs).rename("region"))
    regions = o.index[o["kind"] == "region"]
    muni = m[(m["kind"] == "municipality") & m["region"].notna()]
    rated = muni[muni["adoption_rate"].notna() & (muni["population"] > 0)]
    out = pd.DataFrame(index=regions)
    out["population"] = muni.groupby("region")["population"].sum()
    out["municipalities"] = muni.groupby("region").size()
    out["hospitals"] = m[m["kind"] == "hospital"].groupby("region").size()
    weighted = (rated["adoption_rate"] * rated["population"]).groupby(rated["region"]).sum()
    out["adoption_rate"] = weighted / rated.groupby("region")["population"].sum()
    hosp = m[(m["kind"] == "hospital")]
    out["hospital_adoption_rate"] = hosp.groupby("region")["adoption_rate"].mean()
    members = m[m["kind"].isin(["region", "municipality", "hospital"])]
    out["active_users"] = members.groupby("region")["active_users"].sum()
    out["capacity_fte"] = members.groupby("region")["capacity_fte"].sum()
    in_op = in_use(current, orgs)
    out["solutions_in_operation"] = in_op.groupby("region")["solution_id"].nunique()
    for col in ("municipalities", "hospitals", "solutions_in_operation"):
        out[col] = out[col].fillna(0).astype("int64")
    for col in ("active_users", "capacity_fte"):
        out[col] = out[col].fillna(0.0)
    population = out["population"].where(out["population"] > 0)
    out["users_per_100k"] = out["active_users"] / population * PER
    out["capacity_per_100k"] = out["capacity_fte"] / population * PER
    out["rank"] = out["adoption_rate"].rank(method="min", ascending=False).astype("Int64")
    out.index.name = "id"
    return out


def national_overview(metrics: pd.DataFrame, regions: pd.DataFrame, current: pd.DataFrame) -> dict[str, float]:
    """Headline figures for the whole country."""
    muni = metrics[(metrics["kind"] == "municipality") & metrics["adoption_rate"].notna()]
    population = float(regions["population"].sum())
    users = float(metrics["active_users"].sum())
    capacity = float(metrics["capacity_fte"].sum())
    in_op = current[status_codes(current) == IN_OPERATION]
    weight = muni["population"].sum()
    return {
        "organisations_reporting": int(current["organisation_id"].nunique()),
        "organisations_with_solution_in_operation": int(in_op["organisation_id"].nunique()),
        "solutions_in_operation": int(in_op["solution_id"].nunique()),
        "municipal_adoption_rate": float((muni["adoption_rate"] * muni["population"]).sum() / weight)
        if weight else float("nan"),
        "hospital_adoption_rate": float(metrics.loc[metrics["kind"] == "hospital", "adoption_rate"].mean()),
        "active_users": users,
        "users_per_100k": users / population * PER if population else float("nan"),
        "capacity_fte": capacity,
        "capacity_per_100k": capacity / population * PER if population else float("nan"),
        "population": population,
    }


def region_of(orgs: pd.DataFrame) -> pd.Series:
    """Organisation id -> its current region's id (a region is its own region)."""
    o = orgs.set_index("id")
    return o["region_id"].where(o["kind"] != "region", o.index.to_series())


def in_use(current: pd.DataFrame, orgs: pd.DataFrame) -> pd.DataFrame:
    """THE definition of "in use": the rows of `current` (the status in force per
    organisation × solution) with status in_operation at an organisation of `orgs` (the
    benchmarked regions, municipalities and hospitals), with the organisation's kind and
    current region. Every count of "in use" is a count of these rows."""
    o = orgs.set_index("id")
    ids = current["organisation_id"]
    rows = current[(status_codes(current) == IN_OPERATION) & ids.isin(o.index).to_numpy()]
    return rows.assign(kind=rows["organisation_id"].map(o["kind"]),
                       region=rows["organisation_id"].map(region_of(orgs)))


def solution_spread(current: pd.DataFrame, orgs: pd.DataFrame) -> pd.DataFrame:
    """Per solution (index = solution_id): municipalities, hospitals, regions, pilots."""
    status = status_codes(current)
    in_op = in_use(current, orgs)
    out = pd.DataFrame(index=pd.Index(current["solution_id"].unique(), name="solution_id"))
    for kind, col in (("municipality", "municipalities"), ("hospital", "hospitals")):
        out[col] = in_op[in_op["kind"] == kind].groupby("solution_id")["organisation_id"].nunique()
    out["regions"] = in_op.dropna(subset=["region"]).groupby("solution_id")["region"].nunique()
    out["organisations"] = in_op.groupby("solution_id")["organisation_id"].nunique()
    out["pilots"] = current[status == PILOT].groupby("solution_id")["organisation_id"].nunique()
    out = out.fillna(0).astype("int64")
    return out.sort_values(["organisations", "pilots"], ascending=False)


def heat_table(current: pd.DataFrame, orgs: pd.DataFrame, solution_ids: Iterable[int]) -> pd.DataFrame:
    """Long table solution_id × region_id: using (in operation), total (the region, its
    municipalities and hospitals) and share = using / total."""
    benchmarked = orgs[orgs["kind"].isin(["region", "municipality", "hospital"])]
    totals = region_of(benchmarked).value_counts()
    wanted = list(solution_ids)
    in_op = in_use(current[current["solution_id"].isin(wanted).to_numpy()], benchmarked).dropna(subset=["region"])
    using = in_op.groupby(["solution_id", "region"])["organisation_id"].nunique()
    grid = pd.MultiIndex.from_product([wanted, sorted(totals.index)], names=["solution_id", "region_id"])
    out = pd.DataFrame(index=grid).reset_index()
    out["using"] = [int(using.get((s, r), 0)) for s, r in zip(out["solution_id"], out["region_id"], strict=True)]
    out["total"] = out["region_id"].map(totals).astype("int64")
    out["share"] = out["using"] / out["total"]
    return out


# ---- over time ---------------------------------------------------------------------


def period_end(year: int) -> date:
    return date(year, 12, 31)


TREND_COLUMNS = ["period", "organisation_id", "adoption_rate", "solutions_in_operation", "active_users",
                 "capacity_fte"]


def trend(history: pd.DataFrame, orgs: pd.DataFrame, relevant: pd.DataFrame,
          periods: Iterable[int], organisation_ids: Iterable[int] | None = None) -> pd.DataFrame:
    """period, organisation_id, adoption_rate, solutions_in_operation, active_users,
    capacity_fte at the end of each period (calendar year). The same figures as
    organisation_metrics(status_at(history, end of year)), counted in one pass over the
    sorted history: only the row selection changes from period to period."""
    frames = []
    wanted = None if organisation_ids is None else set(organisation_ids)
    sub = history if wanted is None else history[history["organisation_id"].isin(wanted)]
    org = sub["organisation_id"].to_numpy(dtype="int64")
    sol = sub["solution_id"].to_numpy(dtype="int64")
    counter = _Counter(orgs, relevant, org, sol)
    eff, last = _days(sub["effective_from"]), _last_in_pair(org, sol)
    end = _days(sub["end_date"]) if "end_date" in sub.columns else None
    codes = status_codes(sub)
    users, fte = _weights(sub, "active_users"), _weights(sub, "capacity_fte")
    for year in periods:
        day = int(np.datetime64(period_end(year), "D").astype("int64"))
        rows = _in_force(eff, last, day)
        period_codes = codes if end is None else np.where(end <= day, DISCONTINUED, codes)
        metrics = counter.metrics(period_codes, users, fte, rows)
        if wanted is not None:
            metrics = metrics[metrics.index.isin(wanted)]
        frame = metrics[["adoption_rate", "solutions_in_operation", "active_users", "capacity_fte"]].copy()
        frame.insert(0, "period", year)
        frames.append(frame.reset_index().rename(columns={"id": "organisation_id"}))
    if not frames:
        return pd.DataFrame(columns=TREND_COLUMNS)
    return pd.concat(frames, ignore_index=True)


# ---- indicators --------------------------------------------------------------------


def indicator_results(indicators: pd.DataFrame, targets: pd.DataFrame, values: pd.DataFrame) -> pd.DataFrame:
    """Every value with its target for that year: gap, better_by, met (NaN/NA without target)."""
    merged = values.merge(indicators[["id", "code", "direction"]], left_on="indicator_id", right_on="id",
                          how="left").drop(columns="id")
    merged = merged.merge(targets.rename(columns={"year": "period"}), on=["indicator_id", "period"], how="left")
    merged["gap"] = merged["value"] - merged["target"]
    sign = np.where(merged["direction"] == "lower", -1.0, 1.0)
    merged["better_by"] = merged["gap"] * sign
    merged["met"] = (merged["better_by"] >= 0).astype("boolean").where(merged["target"].notna())
    return merged


def indicator_ranks(results: pd.DataFrame, peers: pd.DataFrame) -> pd.DataFrame:
    """results plus the rank within (indicator, period, peer group) and nationally, honouring
    the indicator's direction (the better value ranks 1)."""
    out = results.merge(peers, left_on="organisation_id", right_on="id", how="left").drop(columns="id")
    score = out["value"] * np.where(out["direction"] == "lower", -1.0, 1.0)
    for prefix, keys in (("peer", ["indicator_id", "period", "peer_group"]),
                         ("national", ["indicator_id", "period"])):
        grouped = score.groupby([out[k] for k in keys], dropna=True)
        out[f"{prefix}_rank"] = grouped.rank(method="min", ascending=False).astype("Int64")
        out[f"{prefix}_size"] = grouped.transform("count").astype("Int64")
    return out


# ---- everything at once ------------------------------------------------------------


@dataclass
class Benchmark:
    as_of: date
    periods: list[int]
    organisations: pd.DataFrame  # metrics + ranks, index = organisation id
    regions: pd.DataFrame  # index = region id
    national: dict[str, float]
    spread: pd.DataFrame  # index = solution id
    trend: pd.DataFrame  # long: period × organisation
    current: pd.DataFrame  # the status in force on as_of per organisation × solution


def compute(orgs: pd.DataFrame, adoption: pd.DataFrame, relevant: pd.DataFrame, as_of: date,
            periods: Iterable[int] | None = None, trend_for: Iterable[int] | None = None) -> Benchmark:
    """The full national benchmark. `trend_for` limits the trend to some organisations
    (None = all)."""
    orgs = with_region_population(orgs)
    history = sort_history(adoption)
    current = status_at(history, as_of)
    metrics = organisation_metrics(orgs, current, relevant)
    ranked = with_ranks(metrics, peer_groups(orgs))
    regions = region_rollup(orgs, metrics, current)
    years = list(periods) if periods is not None else list(range(as_of.year - 4, as_of.year + 1))
    return Benchmark(as_of=as_of, periods=years, organisations=ranked, regions=regions,
                     national=national_overview(metrics, regions, current),
                     spread=solution_spread(current, orgs),
                     trend=trend(history, orgs, relevant, years, trend_for), current=current)
