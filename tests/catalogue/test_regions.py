"""Regions over time: the 2027 merger of Region Hovedstaden and Region Sjælland."""

from __future__ import annotations

import csv
import re
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session

from app.catalogue.models import Organisation
from app.catalogue.regions import RegionRow, membership_history, regions_on

DATA = Path(__file__).resolve().parents[2] / "data" / "reference"
LAST_2026, FIRST_2027 = date(2026, 12, 31), date(2027, 1, 1)


def _counts(db: Session, day: date) -> dict[str, Counter[str]]:
    """Region name -> members by kind (municipality, hospital, ...) on the day."""
    regions = regions_on(db, day)
    kinds = {o.id: o.kind for o in db.query(Organisation)}
    return {r.name: Counter(kinds[m] for m in regions.members(r.id)) for r in regions.regions}


def test_five_regions_on_the_last_day_of_2026(db: Session) -> None:
    counts = _counts(db, LAST_2026)
    assert {name: c["municipality"] for name, c in counts.items()} == {
        "Region Nordjylland": 11, "Region Midtjylland": 19, "Region Syddanmark": 22,
        "Region Hovedstaden": 29, "Region Sjælland": 17}  # hand-checked against SOURCES.md


def test_four_regions_from_the_first_day_of_2027(db: Session) -> None:
    counts = _counts(db, FIRST_2027)
    assert {name: c["municipality"] for name, c in counts.items()} == {
        "Region Nordjylland": 11, "Region Midtjylland": 19, "Region Syddanmark": 22, "Region Østdanmark": 46}
    hospitals = list(csv.DictReader((DATA / "hospitals.csv").open(encoding="utf-8")))
    east = sum(1 for h in hospitals if h["region_code"] in ("1084", "1085"))
    assert counts["Region Østdanmark"]["hospital"] == east == 8 + 6


def test_the_merged_region_is_marked_as_having_no_official_code() -> None:
    rows = {r["code"]: r for r in csv.DictReader((DATA / "regions.csv").open(encoding="utf-8"))}
    east = next(r for r in rows.values() if r["name"] == "Region Østdanmark")
    assert not east["code"].isdigit() and "NOT official" in east["code_source"]
    assert (rows["1084"]["valid_to"], rows["1085"]["valid_to"], east["valid_from"]) == (
        "2026-12-31", "2026-12-31", "2027-01-01")
    assert rows["1084"]["successor"] == rows["1085"]["successor"] == east["code"]


def test_membership_history_follows_successors() -> None:
    rows = {"A": RegionRow("A", date(2007, 1, 1), LAST_2026, "C"), "B": RegionRow("B", date(2007, 1, 1), None, None),
            "C": RegionRow("C", FIRST_2027, None, None)}
    assert membership_history("A", rows) == [("A", None, LAST_2026), ("C", FIRST_2027, None)]
    assert membership_history("B", rows) == [("B", None, None)]
    with pytest.raises(ValueError, match="succeeds itself"):
        membership_history("X", {"X": RegionRow("X", None, LAST_2026, "X")})


def _region_options(html: str, select_name: str) -> list[str]:
    """The region names a picker (<select name=...>) offers."""
    block = re.search(rf'<select[^>]*name="{select_name}"[^>]*>(.*?)</select>', html, re.S)
    assert block is not None
    return re.findall(r">(Region [^<(]+?)(?: \(Region\))?</option>", block.group(1))


def test_region_pickers_offer_the_regions_of_the_day_in_view(client: Any) -> None:
    today = _region_options(client.get("/organisations").text, "region_id")
    assert sorted(today) == ["Region Hovedstaden", "Region Midtjylland", "Region Nordjylland", "Region Sjælland",
                             "Region Syddanmark"]
    assert len(_region_options(client.get("/benchmark").text, "org")) == 5
    later = _region_options(client.get("/benchmark", params={"as_of": "1.1.2027"}).text, "org")
    assert sorted(later) == ["Region Midtjylland", "Region Nordjylland", "Region Syddanmark", "Region Østdanmark"]


def test_region_filters_use_today_s_members(client: Any, db: Session) -> None:
    capital = db.query(Organisation).filter_by(kind="region", code="1084").one()
    answer = client.get("/api/organisations", params={"region_id": capital.id, "kind": "municipality",
                                                     "limit": 100}).json()
    assert answer["total"] == 29
    assert client.get("/api/organisations", params={"kind": "region"}).json()["total"] == 5
