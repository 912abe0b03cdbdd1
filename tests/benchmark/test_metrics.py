"""metrics.py on a small, hand-checked data set. Every expected number is worked out in a
comment next to it.

Organisations (id: kind, region, population)
  1 R1 region, 2 R2 region
  10 M10 municipality in R1, 10,000      (band <20k)
  11 M11 municipality in R1, 40,000      (band 20–50k)
  12 M12 municipality in R2, 30,000      (band 20–50k)
  13 M13 municipality in R2, 20,000      (band 20–50k: lower bound inclusive)
  20 H20 hospital in R1, 21 H21 hospital in R2 (no population)
Relevant (prioritised) solutions: 100 -> municipality + hospital, 101 -> municipality,
  102 -> hospital; 103 is not prioritised. So municipalities have 2 relevant (100, 101),
  hospitals 2 (100, 102), regions 0.
As of 2025-06-30.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from app.benchmark import metrics as m

NaN = float("nan")
AS_OF = date(2025, 6, 30)


def _orgs() -> pd.DataFrame:
    return pd.DataFrame([
        (1, "region", "R1", "R1", None, None), (2, "region", "R2", "R2", None, None),
        (10, "municipality", "M10", "M10", 1, 10_000), (11, "municipality", "M11", "M11", 1, 40_000),
        (12, "municipality", "M12", "M12", 2, 30_000), (13, "municipality", "M13", "M13", 2, 20_000),
        (20, "hospital", "H20", "H20", 1, None), (21, "hospital", "H21", "H21", 2, None),
    ], columns=["id", "kind", "code", "name", "region_id", "population"])


def _relevant() -> pd.DataFrame:
    return pd.DataFrame([(100, "municipality"), (100, "hospital"), (101, "municipality"), (102, "hospital")],
                        columns=["solution_id", "kind"])


def _adoption() -> pd.DataFrame:
    rows = [
        # org, solution, status, effective_from, end_date, users, fte
        (10, 100, "pilot", "2023-01-01", None, 5, 0.1),
        (10, 100, "in_operation", "2024-01-01", None, 50, 0.5),
        (10, 101, "planned", "2024-03-01", None, None, None),
        (11, 100, "in_operation", "2024-06-01", None, 100, 1.0),
        (11, 101, "in_operation", "2024-06-01", None, 60, 0.2),
        (11, 101, "discontinued", "2025-09-01", None, 0, 0.0),  # after AS_OF: not yet in force
        (11, 103, "in_operation", "2025-01-01", None, 40, 0.3),
        (12, 100, "in_operation", "2022-01-01", "2025-03-31", 30, 0.4),  # ended before AS_OF
        (12, 101, "pilot", "2025-02-01", None, 10, 0.0),
        (20, 100, "in_operation", "2024-01-01", None, 200, 2.0),
        (20, 102, "in_operation", "2024-01-01", None, 100, 1.0),
        (21, 102, "pilot", "2025-01-01", None, 20, 0.0),
        (1, 103, "in_operation", "2024-01-01", None, 500, 3.0),
    ]
    df = pd.DataFrame(rows, columns=["organisation_id", "solution_id", "status", "effective_from", "end_date",
                                     "active_users", "capacity_fte"])
    df["effective_from"] = pd.to_datetime(df["effective_from"])
    df["end_date"] = pd.to_datetime(df["end_date"])
    # Shuffled on purpose: sort_history must put the history in order.
    return df.sample(frac=1, random_state=3).reset_index(drop=True)


@pytest.fixture(scope="module")
def bench() -> m.Benchmark:
    return m.compute(_orgs(), _adoption(), _relevant(), AS_OF, periods=[2022, 2023, 2024, 2025])


def test_size_bands_lower_bound_inclusive() -> None:
    bands = m.size_band(pd.Series([0, 19_999, 20_000, 49_999, 50_000, 99_999, 100_000, 700_000]))
    assert list(bands) == ["<20k", "<20k", "20–50k", "20–50k", "50–100k", "50–100k", ">100k", ">100k"]


def test_region_population_is_sum_of_municipalities() -> None:
    orgs = m.with_region_population(_orgs()).set_index("id")
    assert orgs.loc[1, "population"] == 50_000  # 10,000 + 40,000
    assert orgs.loc[2, "population"] == 50_000  # 30,000 + 20,000


def test_status_at_takes_latest_row_in_force(bench: m.Benchmark) -> None:
    cur = bench.current.set_index(["organisation_id", "solution_id"])["status"]
    assert cur[(10, 100)] == "in_operation"  # 2024-01-01 row replaces the 2023 pilot
    assert cur[(11, 101)] == "in_operation"  # the 2025-09-01 discontinuation is after AS_OF
    assert cur[(12, 100)] == "discontinued"  # end_date 2025-03-31 <= AS_OF
    # 13 rows: (10,100) has two rows in force (-1) and (11,101) one row after AS_OF (-1) -> 11 pairs
    assert len(cur) == 11


def test_organisation_metrics(bench: m.Benchmark) -> None:
    o = bench.organisations
    # M10: in operation {100}; relevant 100,101 -> 1/2 = 0.5; users 50; 50/10,000*100,000 = 500
    assert o.loc[10, "adoption_rate"] == 0.5
    assert o.loc[10, "solutions_in_operation"] == 1
    assert o.loc[10, "active_users"] == 50
    assert o.loc[10, "users_per_100k"] == pytest.approx(500)
    assert o.loc[10, "capacity_per_100k"] == pytest.approx(5.0)  # 0.5/10,000*100,000
    # M11: {100, 101, 103} in operation; relevant 2/2 = 1.0; users 100+60+40 = 200;
    # capacity 1.0+0.2+0.3 = 1.5 FTE; 200/40,000*100,000 = 500; 1.5/40,000*100,000 = 3.75
    assert o.loc[11, "adoption_rate"] == 1.0
    assert o.loc[11, "solutions_in_operation"] == 3
    assert o.loc[11, "active_users"] == 200
    assert o.loc[11, "capacity_fte"] == pytest.approx(1.5)
    assert o.loc[11, "capacity_per_100k"] == pytest.approx(3.75)
    # M12: 100 ended, 101 pilot -> 0/2 = 0; pilot users count as active: 10; 10/30,000*1e5 = 33.33
    assert o.loc[12, "adoption_rate"] == 0.0
    assert o.loc[12, "pilots"] == 1
    assert o.loc[12, "users_per_100k"] == pytest.approx(33.3333, rel=1e-4)
    # M13 reports nothing: 0/2 = 0 (not NaN: two solutions are relevant to it)
    assert o.loc[13, "adoption_rate"] == 0.0
    # H20: 100 and 102 in operation -> 2/2 = 1.0; no population -> per 100k is NaN
    assert o.loc[20, "adoption_rate"] == 1.0
    assert o.loc[20, "active_users"] == 300  # 200 + 100
    assert pd.isna(o.loc[20, "users_per_100k"])
    # H21: 102 pilot -> 0/2 = 0
    assert o.loc[21, "adoption_rate"] == 0.0
    # R1: nothing is relevant to regions -> NaN; 500 users / 50,000 * 1e5 = 1,000
    assert pd.isna(o.loc[1, "adoption_rate"])
    assert o.loc[1, "users_per_100k"] == pytest.approx(1000)


def test_peer_ranks_and_gaps(bench: m.Benchmark) -> None:
    o = bench.organisations
    assert o.loc[10, "peer_group"] == "municipality <20k"
    assert o.loc[13, "peer_group"] == "municipality 20–50k"
    # 20–50k band: M11 1.0 (rank 1), M12 0 and M13 0 share rank 2; best 1.0; gap 1.0 - 0 = 1.0
    assert [o.loc[i, "peer_rank"] for i in (11, 12, 13)] == [1, 2, 2]
    assert o.loc[12, "peer_size"] == 3
    assert o.loc[12, "peer_gap"] == 1.0
    # <20k band: M10 alone: rank 1 of 1, gap 0
    assert (o.loc[10, "peer_rank"], o.loc[10, "peer_size"], o.loc[10, "peer_gap"]) == (1, 1, 0.0)
    # region R1's municipalities: M11 1.0 first, M10 0.5 second, gap 1.0 - 0.5 = 0.5
    assert (o.loc[10, "region_rank"], o.loc[10, "region_gap"]) == (2, 0.5)
    # nationally among municipalities: M11 1.0 -> 1, M10 0.5 -> 2, M12 = M13 = 0 -> 3
    assert [o.loc[i, "national_rank"] for i in (11, 10, 12, 13)] == [1, 2, 3, 3]
    # hospitals with hospitals: H20 1, H21 2 of 2
    assert (o.loc[21, "national_rank"], o.loc[21, "national_size"], o.loc[21, "peer_group"]) == (2, 2, "hospital")
    # regions have no rate: not ranked
    assert pd.isna(o.loc[1, "national_rank"])


def test_region_rollup_population_weighted(bench: m.Benchmark) -> None:
    r = bench.regions
    # R1: (0.5*10,000 + 1.0*40,000) / 50,000 = 45,000 / 50,000 = 0.9
    assert r.loc[1, "adoption_rate"] == pytest.approx(0.9)
    # (a plain mean would have been 0.75: the weighting matters)
    assert r.loc[1, "hospital_adoption_rate"] == 1.0
    # users: R1 500 + M10 50 + M11 200 + H20 300 = 1,050; 1,050/50,000*1e5 = 2,100
    assert r.loc[1, "active_users"] == 1050
    assert r.loc[1, "users_per_100k"] == pytest.approx(2100)
    # capacity: 3.0 + 0.5 + 1.5 + 3.0 = 8.0 FTE; 8/50,000*1e5 = 16
    assert r.loc[1, "capacity_per_100k"] == pytest.approx(16)
    # distinct solutions in operation in R1: {100, 101, 102, 103} = 4
    assert r.loc[1, "solutions_in_operation"] == 4
    assert (r.loc[1, "municipalities"], r.loc[1, "hospitals"]) == (2, 1)
    # R2: (0*30,000 + 0*20,000)/50,000 = 0; users M12 10 + H21 20 = 30 -> 60 per 100k
    assert r.loc[2, "adoption_rate"] == 0.0
    assert r.loc[2, "users_per_100k"] == pytest.approx(60)
    assert list(r.loc[[1, 2], "rank"]) == [1, 2]


def test_national_overview(bench: m.Benchmark) -> None:
    n = bench.national
    # (0.5*10,000 + 1*40,000 + 0*30,000 + 0*20,000) / 100,000 = 0.45
    assert n["municipal_adoption_rate"] == pytest.approx(0.45)
    assert n["hospital_adoption_rate"] == pytest.approx(0.5)  # mean(1.0, 0.0)
    # users 50+200+10+0+300+20+500 = 1,080 over 100,000 citizens -> 1,080 per 100k
    assert n["active_users"] == 1080
    assert n["users_per_100k"] == pytest.approx(1080)
    assert n["capacity_fte"] == pytest.approx(8.0)  # 0.5+1.5+0+3.0+0+3.0
    assert n["organisations_reporting"] == 6  # M10, M11, M12, H20, H21, R1
    assert n["organisations_with_solution_in_operation"] == 4  # M10, M11, H20, R1
    assert n["solutions_in_operation"] == 4


def test_solution_spread(bench: m.Benchmark) -> None:
    s = bench.spread
    # 100: M10 + M11 (M12's ended) = 2 municipalities, H20 = 1 hospital, all in R1 -> 1 region
    assert tuple(s.loc[100, ["municipalities", "hospitals", "regions", "organisations", "pilots"]]) == (2, 1, 1, 3, 0)
    # 101: M11 in operation, M12 pilot
    assert tuple(s.loc[101, ["municipalities", "regions", "pilots"]]) == (1, 1, 1)
    # 102: H20 in operation (R1), H21 pilot
    assert tuple(s.loc[102, ["hospitals", "regions", "pilots"]]) == (1, 1, 1)
    # 103: M11 and the region R1 itself -> 1 municipality, 1 region, 2 organisations
    assert tuple(s.loc[103, ["municipalities", "regions", "organisations"]]) == (1, 1, 2)
    assert list(s.index[:2]) == [100, 103]  # most organisations first


def test_heat_table() -> None:
    orgs = _orgs()
    current = m.status_at(m.sort_history(_adoption()), AS_OF)
    heat = m.heat_table(current, orgs, [100, 102]).set_index(["solution_id", "region_id"])
    # each region has 4 members: itself, 2 municipalities, 1 hospital
    assert heat.loc[(100, 1), "total"] == 4
    assert heat.loc[(100, 1), "using"] == 3  # M10, M11, H20 -> 3/4 = 0.75
    assert heat.loc[(100, 1), "share"] == 0.75
    assert heat.loc[(100, 2), "using"] == 0  # M12 ended
    assert heat.loc[(102, 1), "share"] == 0.25  # H20: 1/4
    assert heat.loc[(102, 2), "share"] == 0.0  # H21 is only a pilot


def test_trend_follows_history(bench: m.Benchmark) -> None:
    t = bench.trend.set_index(["organisation_id", "period"])
    # M10: nothing by end 2022; 2023 pilot (rate 0, 5 users); 2024 and 2025 in operation -> 1/2
    assert [t.loc[(10, y), "adoption_rate"] for y in (2022, 2023, 2024, 2025)] == [0.0, 0.0, 0.5, 0.5]
    assert [t.loc[(10, y), "active_users"] for y in (2022, 2023, 2024, 2025)] == [0, 5, 50, 50]
    # M11 at end 2025: 101 discontinued on 2025-09-01 -> 1/2 = 0.5; users 100 + 40 = 140
    assert t.loc[(11, 2025), "adoption_rate"] == 0.5
    assert t.loc[(11, 2025), "active_users"] == 140
    # M12 at end 2024: 100 still in operation (ends 2025-03-31) -> 1/2
    assert t.loc[(12, 2024), "adoption_rate"] == 0.5


def test_trend_for_some_organisations_only() -> None:
    history = m.sort_history(_adoption())
    t = m.trend(history, m.with_region_population(_orgs()), _relevant(), [2024], organisation_ids=[10])
    assert list(t["organisation_id"]) == [10]
    assert t.loc[0, "adoption_rate"] == 0.5


def test_indicators_against_targets() -> None:
    indicators = pd.DataFrame([(1, "kol_home", "higher"), (2, "wait_days", "lower")],
                              columns=["id", "code", "direction"])
    targets = pd.DataFrame([(1, 2025, 0.30), (2, 2025, 10.0)], columns=["indicator_id", "year", "target"])
    values = pd.DataFrame([(1, 10, 2025, 0.35), (1, 11, 2025, 0.25), (2, 10, 2025, 8.0), (2, 11, 2024, 12.0)],
                          columns=["indicator_id", "organisation_id", "period", "value"])
    r = m.indicator_results(indicators, targets, values).set_index(["indicator_id", "organisation_id", "period"])
    # higher is better: 0.35 - 0.30 = +0.05 -> met; 0.25 - 0.30 = -0.05 -> not met
    assert r.loc[(1, 10, 2025), "gap"] == pytest.approx(0.05)
    assert bool(r.loc[(1, 10, 2025), "met"]) is True
    assert bool(r.loc[(1, 11, 2025), "met"]) is False
    # lower is better: 8 - 10 = -2 gap, better_by +2 -> met
    assert r.loc[(2, 10, 2025), "gap"] == -2.0
    assert r.loc[(2, 10, 2025), "better_by"] == 2.0
    assert bool(r.loc[(2, 10, 2025), "met"]) is True
    # no target for 2024 -> met unknown
    assert pd.isna(r.loc[(2, 11, 2024), "met"])

    ranked = m.indicator_ranks(m.indicator_results(indicators, targets, values),
                               m.peer_groups(_orgs())).set_index(["indicator_id", "organisation_id", "period"])
    # kol_home 2025 nationally: M10 0.35 first, M11 0.25 second; each alone in its size band
    assert ranked.loc[(1, 10, 2025), "national_rank"] == 1
    assert ranked.loc[(1, 11, 2025), "national_rank"] == 2
    assert ranked.loc[(1, 11, 2025), "peer_rank"] == 1


def test_lower_is_better_ranks_smallest_first() -> None:
    ranked = m.rank_within(pd.Series([8.0, 12.0, 8.0]), pd.Series(["g", "g", "g"]), higher_is_better=False)
    # 8 and 8 share rank 1, 12 is third; best is 8, gap for 12 is 12 - 8 = 4
    assert list(ranked["rank"]) == [1, 3, 1]
    assert list(ranked["gap_to_best"]) == [0.0, 4.0, 0.0]


def test_empty_adoption_gives_zeros_not_errors() -> None:
    empty = _adoption().iloc[0:0]
    b = m.compute(_orgs(), empty, _relevant(), AS_OF, periods=[2025])
    assert b.organisations.loc[10, "adoption_rate"] == 0.0
    assert b.national["active_users"] == 0
    assert b.spread.empty
