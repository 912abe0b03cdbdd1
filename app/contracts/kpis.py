"""The pure rules of contract KPIs: is a target met, which way a KPI is going, and how the
capacity freed compares with the capacity an assessment claimed."""

from __future__ import annotations

from collections.abc import Sequence

HIGHER, LOWER = "higher", "lower"
DIRECTIONS = (HIGHER, LOWER)
UNITS = ("percent", "people", "organisations", "errors", "fte")
BETTER, WORSE, UNCHANGED = "better", "worse", "unchanged"


def target_met(value: float | None, target: float | None, direction: str) -> bool | None:
    """Whether the value reaches the target (None: no value or no target to compare)."""
    if value is None or target is None:
        return None
    return value >= target if direction == HIGHER else value <= target


def trend(values: Sequence[float], direction: str) -> str | None:
    """The latest value against the one before it, read by the KPI's direction: better,
    worse or unchanged (None with fewer than two values)."""
    if len(values) < 2:
        return None
    previous, latest = values[-2], values[-1]
    if latest == previous:
        return UNCHANGED
    return BETTER if (latest > previous) == (direction == HIGHER) else WORSE


def per_thousand_users(capacity_fte: float | None, users: float | None) -> float | None:
    """Capacity freed (FTE a year) per 1,000 users: the unit assessments claim it in."""
    if capacity_fte is None or not users:
        return None
    return capacity_fte / users * 1000


def share_of_claim(realised: float | None, claimed: float | None) -> float | None:
    """The realised value as a share of the claimed one (1.0 = as claimed)."""
    if realised is None or not claimed:
        return None
    return realised / claimed
