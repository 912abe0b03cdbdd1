"""Benchmark region views across the merger of 1 January 2027 (Region Østdanmark)."""

from __future__ import annotations

from datetime import date

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy.orm import Session

from app.benchmark import services as svc

TODAY = date(2026, 12, 4)
LAST_2026, FIRST_2027 = date(2026, 12, 31), date(2027, 1, 1)
# Hand-summed from data/reference/SOURCES.md: Hovedstaden 1,947,120 + Sjælland 858,102.
EAST_POPULATION = 1_947_120 + 858_102


def _regions(view: dict) -> dict[str, dict]:
    return {r["name"]: r for r in view["regions"]}


def test_the_roll_up_has_five_regions_in_2026_and_four_in_2027(db: Session) -> None:
    before = _regions(svc.national_view(db, as_of=LAST_2026))
    after = _regions(svc.national_view(db, as_of=FIRST_2027))
    assert len(before) == 5 and len(after) == 4
    east = after["Region Østdanmark"]
    assert east["population"] == EAST_POPULATION == 2_805_222
    assert east["municipalities"] == 29 + 17 and east["hospitals"] == 8 + 6
    for name in ("Region Nordjylland", "Region Midtjylland", "Region Syddanmark"):
        assert after[name]["population"] == before[name]["population"]


def test_the_merged_region_is_the_population_weighted_sum_of_the_two(db: Session) -> None:
    """Same figures (as of one day), rolled up to 2026's and to 2027's regions."""
    bench5, orgs5, _ = svc.compute(db, TODAY)
    bench4, orgs4, _ = svc.compute(db, TODAY, regions_day=FIRST_2027)
    five = {orgs5.set_index("id").loc[i, "name"]: r for i, r in bench5.regions.iterrows()}
    four = {orgs4.set_index("id").loc[i, "name"]: r for i, r in bench4.regions.iterrows()}
    h, s, east = five["Region Hovedstaden"], five["Region Sjælland"], four["Region Østdanmark"]
    weighted = (h["adoption_rate"] * h["population"] + s["adoption_rate"] * s["population"]) / EAST_POPULATION
    assert east["adoption_rate"] == pytest.approx(weighted)
    assert east["active_users"] == pytest.approx(h["active_users"] + s["active_users"] - _own(bench5, orgs5))
    assert bench4.national["municipal_adoption_rate"] == pytest.approx(bench5.national["municipal_adoption_rate"])


def _own(bench, orgs) -> float:
    """The active users the two ended regions reported themselves (they have no row in 2027)."""
    ids = orgs.loc[orgs["code"].isin(["1084", "1085"]) & (orgs["kind"] == "region"), "id"]
    return float(bench.organisations.loc[list(ids), "active_users"].sum())


def test_peers_in_the_same_region_follow_the_day(db: Session) -> None:
    ref = "municipality:101"  # København
    before = svc.organisation_view(db, ref, as_of=LAST_2026)["organisation"]
    after = svc.organisation_view(db, ref, as_of=FIRST_2027)["organisation"]
    assert before["region"]["name"] == "Region Hovedstaden" and before["region_size"] == 29
    assert after["region"]["name"] == "Region Østdanmark" and after["region_size"] == 46


def test_an_ended_region_is_not_shown_for_a_later_day(client: TestClient[Litestar]) -> None:
    assert client.get("/api/benchmark/regions/1084", params={"as_of": "2026-12-31"}).status_code == 200
    gone = client.get("/api/benchmark/regions/1084", params={"as_of": "2027-01-01"})
    assert gone.status_code == 404 and "Region Hovedstaden is not a region on 2027-01-01" in gone.json()["detail"]
    assert client.get("/api/benchmark/regions/oest-intern", params={"as_of": "2026-12-31"}).status_code == 404
    assert client.get("/api/benchmark/regions/oest-intern", params={"as_of": "1.1.2027"}).status_code == 200


@pytest.mark.parametrize(("params", "field"), [({"as_of": "31.2.2027"}, "as_of"), ({"as_of": "2027"}, "as_of"),
                                               ({"as_of": "1.1.1999"}, "as_of"), ({"trend": "both"}, "trend")])
def test_bad_view_parameters_name_the_field(client: TestClient[Litestar], params: dict, field: str) -> None:
    answer = client.get("/api/benchmark/national", params=params)
    assert answer.status_code == 400 and field in answer.json()["errors"]


def test_the_trend_across_the_change_each_year_on_its_regions_or_merged(db: Session) -> None:
    assert "regions_trend" not in svc.national_view(db, as_of=TODAY)  # 2022-2026: no change, as before
    day = date(2027, 6, 30)
    each = svc.region_view(db, "oest-intern", as_of=day)["regions_trend"]
    merged = svc.region_view(db, "oest-intern", as_of=day, trend_mode="merged")["regions_trend"]
    assert each["before"] == ["Region Hovedstaden", "Region Sjælland"] and each["after"] == ["Region Østdanmark"]
    assert (each["until"], each["from"]) == (2026, 2027)
    assert [(r["period"], r["name"]) for r in each["rows"]] == [
        *((y, n) for y in range(2023, 2027) for n in ("Region Hovedstaden", "Region Sjælland")),
        (2027, "Region Østdanmark")]
    assert [(r["period"], r["name"]) for r in merged["rows"]] == [(y, "Region Østdanmark") for y in range(2023, 2028)]
    assert each["rows"][-1] == merged["rows"][-1]  # the same region and members in 2027
    assert "regions_trend" not in svc.region_view(db, "1081", as_of=day)  # Nordjylland did not change
