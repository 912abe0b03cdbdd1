"""The pure KPI rules, on hand-checked cases and properties."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.contracts import kpis

finite = st.floats(min_value=-1e9, max_value=1e9, allow_nan=False)


@pytest.mark.parametrize(("value", "target", "direction", "met"), [
    (99.6, 99.5, "higher", True), (99.5, 99.5, "higher", True), (99.4, 99.5, "higher", False),
    (1, 2, "lower", True), (2, 2, "lower", True), (3, 2, "lower", False),
    (None, 2, "lower", None), (3, None, "higher", None),
])
def test_target_met(value: float | None, target: float | None, direction: str, met: bool | None) -> None:
    assert kpis.target_met(value, target, direction) is met


@pytest.mark.parametrize(("values", "direction", "expected"), [
    ([], "higher", None), ([5], "higher", None), ([5, 6], "higher", "better"), ([6, 5], "higher", "worse"),
    ([5, 6], "lower", "worse"), ([3, 1], "lower", "better"), ([1, 7, 7], "higher", "unchanged"),
])
def test_trend_reads_the_direction(values: list[float], direction: str, expected: str | None) -> None:
    assert kpis.trend(values, direction) == expected


def test_capacity_per_thousand_users_and_share_of_claim() -> None:
    # SelfBack in the demo: 0.67 FTE for 628 users = 1.0669 per 1,000; 71 % of a claim of 1.5
    realised = kpis.per_thousand_users(0.67, 628)
    assert realised == pytest.approx(1.0669, abs=1e-4)
    assert kpis.share_of_claim(realised, 1.5) == pytest.approx(0.7113, abs=1e-4)
    assert kpis.per_thousand_users(0.67, 0) is None and kpis.per_thousand_users(None, 628) is None
    assert kpis.share_of_claim(1.0, 0) is None and kpis.share_of_claim(None, 1.5) is None


@given(finite, finite)
def test_higher_and_lower_are_mirrors(value: float, target: float) -> None:
    higher, lower = kpis.target_met(value, target, "higher"), kpis.target_met(value, target, "lower")
    assert higher or lower  # one of them holds; both only when equal
    assert (higher and lower) == (value == target)


@given(st.lists(finite, min_size=2, max_size=10))
def test_a_trend_better_one_way_is_worse_the_other(values: list[float]) -> None:
    up, down = kpis.trend(values, "higher"), kpis.trend(values, "lower")
    assert {up, down} in ({"unchanged"}, {"better", "worse"})
