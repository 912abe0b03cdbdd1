"""A spread programme's progress, computed from plain data (no database, no web).

Stages of a target organisation on a day, from the benchmark's adoption history of the
programme's solutions (the status in force is benchmark.metrics.status_at's, "in
operation" is benchmark.metrics.in_use's; neither is computed a second time here):

- ``in_operation``: at least one of the programme's solutions is in use (metrics.in_use);
- ``implementing``: none in use, at least one in pilot;
- ``planned``: none in use or pilot, at least one planned;
- ``not_started``: nothing reported, or only discontinued (ended) use.

A target "80 % in operation by 31.12.2027" counts the organisations at that stage or
further (an organisation in operation has also planned), as a share of all target
organisations.

Forecast at today's pace (:func:`forecast`): the pace is the change of the share over the
last 365 days (over the time since the first point when the history is shorter), per
day; the share is continued in a straight line from today to the target's date, kept
between 0 and 1; on track = the line is at the target on its date. The target is reached
on the first day the line meets it (today, if the share already does).

Candidate solutions (:func:`rank_candidates`): approved before temporarily approved, then
the higher assessment score (none ranks last), then more organisations using it, then more
capacity freed (FTE), then the name.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

from app.benchmark import metrics as m

STAGES = ("not_started", "planned", "implementing", "in_operation")
TARGET_STAGES = STAGES[1:]
NOT_STARTED, PLANNED, IMPLEMENTING, IN_OPERATION = range(4)
PACE_WINDOW_DAYS = 365
SLIM_COLUMNS = ("organisation_id", "solution_id", "status", "effective_from", "end_date")
HORIZON_DAYS = 36_525  # a target further away than a century at today's pace counts as never reached


def stage_index(stage: str) -> int:
    return STAGES.index(stage)


# ---- stages of the target organisations --------------------------------------------------


def stages_on(history: pd.DataFrame, orgs: pd.DataFrame, target_ids: Iterable[int], day: date) -> dict[int, str]:
    """Target organisation id -> its stage on `day`. `history` is the adoption history of
    the programme's solutions, sorted by metrics.sort_history; `orgs` the benchmarked
    organisations (metrics' columns)."""
    targets = np.fromiter((int(i) for i in target_ids), dtype="int64")
    level = np.zeros(len(targets), dtype="int64")
    current = m.status_at(history, day)
    if len(current):
        codes = m.status_codes(current)
        rows = pd.DataFrame({"organisation_id": current["organisation_id"].to_numpy(dtype="int64"),
                             "level": np.select([codes == m.PLANNED, codes == m.PILOT], [PLANNED, IMPLEMENTING], 0)})
        rows.loc[m.in_use(current, orgs).index, "level"] = IN_OPERATION  # in_use keeps current's index
        best = rows.groupby("organisation_id")["level"].max()
        level = best.reindex(targets, fill_value=NOT_STARTED).to_numpy(dtype="int64")
    return {int(oid): STAGES[int(lv)] for oid, lv in zip(targets, level, strict=True)}


def share_at_least(stages: Mapping[int, str], stage: str) -> float:
    """Share (0..1) of the organisations at `stage` or further; 0 without organisations."""
    if not stages:
        return 0.0
    floor = stage_index(stage)
    return sum(1 for s in stages.values() if stage_index(s) >= floor) / len(stages)


def counts(stages: Iterable[str]) -> dict[str, int]:
    """How many organisations are at each stage (every stage named, 0 when none)."""
    out = dict.fromkeys(STAGES, 0)
    for s in stages:
        out[s] += 1
    return out


def by_group(stages: Mapping[int, str], group_of: Mapping[int, int | None]) -> dict[int | None, dict[str, int]]:
    """Stage counts per group (e.g. region id; None for organisations without one)."""
    out: dict[int | None, dict[str, int]] = {}
    for oid, s in stages.items():
        out.setdefault(group_of.get(oid), dict.fromkeys(STAGES, 0))[s] += 1
    return out


# ---- over time ---------------------------------------------------------------------------


def checkpoints(start: date, end: date, months: int = 3) -> list[date]:
    """The last day of every `months`-th month from `start`'s month up to `end`, and `end`
    itself (the path's points)."""
    out: list[date] = []
    year, month = start.year, start.month
    while True:
        last = _month_end(year, month)
        if last >= end:
            break
        out.append(last)
        month += months
        year, month = year + (month - 1) // 12, (month - 1) % 12 + 1
    out.append(end)
    return out


def _month_end(year: int, month: int) -> date:
    first_next = date(year + month // 12, month % 12 + 1, 1)
    return first_next - timedelta(days=1)


def stages_by_day(history: pd.DataFrame, orgs: pd.DataFrame, target_ids: Sequence[int],
                  days: Iterable[date]) -> dict[date, dict[int, str]]:
    """stages_on for every day, worked out once per day whatever the number of targets
    (only the columns the stages need are carried through status_at)."""
    slim = history[[c for c in SLIM_COLUMNS if c in history.columns]]
    return {d: stages_on(slim, orgs, target_ids, d) for d in dict.fromkeys(days)}


def path(by_day: Mapping[date, Mapping[int, str]], stage: str) -> list[tuple[date, float]]:
    """(day, share of the target organisations at `stage` or further) for every day."""
    return [(d, share_at_least(stages, stage)) for d, stages in by_day.items()]


# ---- forecast ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Forecast:
    share_now: float
    pace_per_year: float  # change of the share per 365 days
    share_at_due: float  # the straight line at the target's date, within 0..1
    reached_on: date | None  # the day the line meets the target (today if already met); None: never
    on_track: bool  # the line is at the target on its date


def forecast(points: Sequence[tuple[date, float]], today: date, target_share: float, due: date) -> Forecast:
    """The share continued at today's pace (see the module's docstring). `points` are
    (day, share) up to today, the last one today's."""
    if not points:
        raise ValueError("a forecast needs at least today's share")
    now = points[-1][1]
    window_start = today - timedelta(days=PACE_WINDOW_DAYS)
    then_day, then = next(((d, s) for d, s in points if d >= window_start), points[-1])
    span = (today - then_day).days
    pace = (now - then) / span if span > 0 else 0.0
    days_left = max((due - today).days, 0)
    at_due = min(max(now + pace * days_left, 0.0), 1.0)
    if now >= target_share:
        reached: date | None = today
    elif pace > 0 and (target_share - now) / pace <= HORIZON_DAYS:
        reached = today + timedelta(days=math.ceil((target_share - now) / pace - 1e-9))
    else:
        reached = None  # never, or not within a century
    return Forecast(share_now=now, pace_per_year=pace * 365, share_at_due=at_due, reached_on=reached,
                    on_track=at_due >= target_share - 1e-9)


# ---- leaders and laggards ----------------------------------------------------------------


def ordered(stages: Mapping[int, str], names: Mapping[int, str], furthest_first: bool = True) -> list[int]:
    """Organisation ids by stage (furthest first, or last), then by name."""
    sign = -1 if furthest_first else 1
    return sorted(stages, key=lambda oid: (sign * stage_index(stages[oid]), names.get(oid, "")))


# ---- candidate solutions -----------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    solution_id: int
    name: str
    approval: str  # "approved" | "temporarily_approved"
    score: float | None  # the best completed assessment's score (None: not assessed)
    in_use: int  # organisations with it in operation (metrics.in_use)
    capacity_fte: float  # capacity freed by the organisations piloting or operating it


APPROVAL_ORDER = {"approved": 0, "temporarily_approved": 1}


def rank_candidates(candidates: Iterable[Candidate], limit: int | None = 10) -> list[Candidate]:
    """The most mature first (the order in the module's docstring); the first `limit`."""
    def key(c: Candidate) -> tuple[int, int, float, int, float, str]:
        score = c.score if c.score is not None and not math.isnan(c.score) else None
        return (APPROVAL_ORDER.get(c.approval, len(APPROVAL_ORDER)), score is None, -(score or 0.0),
                -c.in_use, -c.capacity_fte, c.name.casefold())

    out = sorted(candidates, key=key)
    return out if limit is None else out[:limit]


def capacity_by_solution(current: pd.DataFrame) -> dict[int, float]:
    """Capacity freed (FTE) per solution over the rows in pilot or operation (the benchmark's
    "active" rows)."""
    codes = m.status_codes(current)
    active = current[(codes == m.PILOT) | (codes == m.IN_OPERATION)]
    sums = active.groupby("solution_id")["capacity_fte"].sum()
    return {int(k): float(np.nan_to_num(v)) for k, v in sums.items()}
