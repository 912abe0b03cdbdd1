"""The pure progress module: stages from a hand-made adoption history, shares, the path's
dates, the forecast at today's pace and the ranking of candidates, checked by hand and by
properties."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.benchmark import metrics as m
from app.programmes import progress as p

ORGS = pd.DataFrame({"id": [1, 2, 3, 4, 5, 9], "kind": ["municipality"] * 5 + ["region"],
                     "code": ["101", "147", "151", "153", "155", "1084"], "name": list("ABCDEF"),
                     "name_en": [None] * 6, "region_id": pd.array([9, 9, 9, 9, 9, pd.NA], dtype="Int64"),
                     "population": [1000.0] * 5 + [float("nan")]})


def history(rows: list[tuple[int, int, str, str, str | None]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["organisation_id", "solution_id", "status", "effective_from", "end_date"])
    frame["effective_from"] = pd.to_datetime(frame["effective_from"])
    frame["end_date"] = pd.to_datetime(frame["end_date"])
    frame["active_users"] = 0.0
    frame["capacity_fte"] = 0.0
    return m.sort_history(frame)


HISTORY = history([
    (1, 10, "planned", "2024-01-01", None), (1, 10, "pilot", "2024-06-01", None),
    (1, 10, "in_operation", "2025-01-01", None),  # 1: in operation from 2025
    (2, 10, "planned", "2024-03-01", None), (2, 11, "pilot", "2025-02-01", None),  # 2: the furthest of two counts
    (3, 11, "in_operation", "2024-01-01", "2025-06-30"),  # 3: ended: not started again
    (4, 10, "discontinued", "2024-01-01", None),  # 4: only discontinued
])  # 5: nothing reported


def test_stages_by_hand() -> None:
    assert p.stages_on(HISTORY, ORGS, [1, 2, 3, 4, 5], date(2024, 12, 31)) == {
        1: "implementing", 2: "planned", 3: "in_operation", 4: "not_started", 5: "not_started"}
    assert p.stages_on(HISTORY, ORGS, [1, 2, 3, 4, 5], date(2025, 12, 31)) == {
        1: "in_operation", 2: "implementing", 3: "not_started", 4: "not_started", 5: "not_started"}


def test_stages_only_of_the_targets_and_every_target_named() -> None:
    assert p.stages_on(HISTORY, ORGS, [5, 1], date(2025, 12, 31)) == {5: "not_started", 1: "in_operation"}
    assert p.stages_on(HISTORY.iloc[0:0], ORGS, [1], date(2025, 1, 1)) == {1: "not_started"}


def test_share_counts_the_stage_and_further() -> None:
    stages = {1: "in_operation", 2: "implementing", 3: "planned", 4: "not_started"}
    assert p.share_at_least(stages, "in_operation") == 0.25
    assert p.share_at_least(stages, "implementing") == 0.5
    assert p.share_at_least(stages, "planned") == 0.75
    assert p.share_at_least({}, "planned") == 0.0
    assert p.counts(stages.values()) == {"not_started": 1, "planned": 1, "implementing": 1, "in_operation": 1}


def test_by_group_counts_every_stage_per_region() -> None:
    grouped = p.by_group({1: "in_operation", 2: "planned", 3: "planned"}, {1: 9, 2: 9, 3: None})
    assert grouped == {9: {"not_started": 0, "planned": 1, "implementing": 0, "in_operation": 1},
                       None: {"not_started": 0, "planned": 1, "implementing": 0, "in_operation": 0}}


def test_checkpoints_are_quarter_ends_and_today() -> None:
    assert p.checkpoints(date(2026, 1, 1), date(2026, 12, 4)) == [
        date(2026, 1, 31), date(2026, 4, 30), date(2026, 7, 31), date(2026, 10, 31), date(2026, 12, 4)]
    assert p.checkpoints(date(2025, 11, 15), date(2026, 3, 1), months=1) == [
        date(2025, 11, 30), date(2025, 12, 31), date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 1)]
    assert p.checkpoints(date(2026, 12, 1), date(2026, 12, 4)) == [date(2026, 12, 4)]


def test_path_by_hand() -> None:
    days = [date(2024, 12, 31), date(2025, 12, 31)]
    by_day = p.stages_by_day(HISTORY, ORGS, [1, 2, 3, 4, 5], [*days, days[1]])
    assert list(by_day) == days and by_day[days[0]] == p.stages_on(HISTORY, ORGS, [1, 2, 3, 4, 5], days[0])
    assert p.path(by_day, "in_operation") == [(days[0], 0.2), (days[1], 0.2)]
    assert p.path(by_day, "planned") == [(days[0], 0.6), (days[1], 0.4)]


def test_forecast_by_hand() -> None:
    today = date(2026, 12, 4)
    points = [(today - timedelta(days=365), 0.3), (today, 0.5)]
    f = p.forecast(points, today, 0.8, today + timedelta(days=548))  # 1.5 years of 365 days + 0.5 day
    assert f.pace_per_year == pytest.approx(0.2)
    assert f.share_at_due == pytest.approx(0.5 + 0.2 / 365 * 548)
    assert f.reached_on == today + timedelta(days=548)  # 0.3 / (0.2 / 365) = 547.5 days -> day 548
    assert f.on_track
    late = p.forecast(points, today, 0.8, today + timedelta(days=547))
    assert not late.on_track and late.reached_on == today + timedelta(days=548)


def test_forecast_uses_the_last_year_only() -> None:
    today = date(2026, 12, 31)
    points = [(date(2024, 12, 31), 0.0), (date(2025, 12, 31), 0.6), (today, 0.6)]
    f = p.forecast(points, today, 0.8, date(2027, 12, 31))
    assert f.pace_per_year == 0.0 and f.share_at_due == 0.6 and f.reached_on is None and not f.on_track


def test_forecast_of_a_met_target_and_of_a_falling_share() -> None:
    today = date(2026, 6, 30)
    met = p.forecast([(today, 0.9)], today, 0.8, date(2027, 1, 1))
    assert met.reached_on == today and met.on_track and met.pace_per_year == 0.0
    falling = p.forecast([(date(2025, 6, 30), 0.5), (today, 0.3)], today, 0.8, date(2028, 6, 30))
    assert falling.share_at_due == 0.0 and falling.reached_on is None  # kept within 0..1
    with pytest.raises(ValueError):
        p.forecast([], today, 0.8, today)


shares = st.floats(min_value=0, max_value=1, allow_nan=False)


@settings(max_examples=300, deadline=None)
@given(before=shares, now=shares, target=st.floats(min_value=0.01, max_value=1), days_left=st.integers(0, 3000),
       span=st.integers(1, 365))
def test_forecast_properties(before: float, now: float, target: float, days_left: int, span: int) -> None:
    today = date(2026, 12, 4)
    due = today + timedelta(days=days_left)
    f = p.forecast([(today - timedelta(days=span), before), (today, now)], today, target, due)
    assert 0.0 <= f.share_at_due <= 1.0
    assert f.share_now == now
    assert (f.pace_per_year > 0) == (now > before) or now == before
    if now >= target:
        assert f.reached_on == today
    elif f.reached_on is not None:  # rising: reached by the target's date exactly when on track there
        assert f.reached_on >= today and f.on_track == (f.reached_on <= due)
    else:  # falling, flat, or a century or more away
        assert not f.on_track
        assert f.pace_per_year <= 0 or (target - now) / (f.pace_per_year / 365) > p.HORIZON_DAYS
    faster = p.forecast([(today - timedelta(days=span), before - 0.1), (today, now)], today, target, due)
    assert faster.share_at_due >= f.share_at_due - 1e-12  # a faster pace never forecasts less


@st.composite
def adoption(draw: st.DrawFn) -> pd.DataFrame:
    rows = []
    for org in range(1, 6):
        for sol in (10, 11):
            day = date(2024, 1, 1)
            for status in draw(st.lists(st.sampled_from(m.STATUSES), max_size=4)):
                day += timedelta(days=draw(st.integers(1, 200)))
                rows.append((org, sol, status, day.isoformat(), None))
    return history(rows)


@settings(max_examples=100, deadline=None)
@given(hist=adoption(), offset=st.integers(0, 1500))
def test_stage_properties(hist: pd.DataFrame, offset: int) -> None:
    day = date(2024, 1, 1) + timedelta(days=offset)
    stages = p.stages_on(hist, ORGS, [1, 2, 3, 4, 5], day)
    assert set(stages) == {1, 2, 3, 4, 5} and set(stages.values()) <= set(p.STAGES)
    current = m.status_at(hist, day)
    using = set(m.in_use(current, ORGS)["organisation_id"])
    assert {o for o, s in stages.items() if s == "in_operation"} == using  # the benchmark's "in use"
    shares_by_stage = [p.share_at_least(stages, s) for s in p.STAGES]
    assert shares_by_stage[0] == 1.0 and shares_by_stage == sorted(shares_by_stage, reverse=True)


def c(sid: int, name: str, approval: str = "approved", score: float | None = 80.0, in_use: int = 0,
      fte: float = 0.0) -> p.Candidate:
    return p.Candidate(solution_id=sid, name=name, approval=approval, score=score, in_use=in_use, capacity_fte=fte)


def test_rank_candidates_by_hand() -> None:
    ranked = p.rank_candidates([
        c(1, "Temporary", "temporarily_approved", 99.0, 50, 9.0),
        c(2, "Unscored", score=None, in_use=90),
        c(3, "Low score", score=60.0, in_use=80),
        c(4, "Used", score=80.0, in_use=10, fte=1.0),
        c(5, "Freeing", score=80.0, in_use=10, fte=2.0),
        c(6, "alpha", score=80.0, in_use=3),
        c(7, "Beta", score=80.0, in_use=3),
        c(8, "NaN score", score=float("nan")),
    ])
    assert [x.solution_id for x in ranked] == [5, 4, 6, 7, 3, 2, 8, 1]
    assert len(p.rank_candidates([c(i, str(i)) for i in range(20)])) == 10
    assert len(p.rank_candidates([c(i, str(i)) for i in range(20)], limit=None)) == 20


@settings(max_examples=100, deadline=None)
@given(st.lists(st.builds(c, st.integers(0, 10_000), st.text(max_size=8),
                          st.sampled_from(["approved", "temporarily_approved"]),
                          st.one_of(st.none(), st.floats(0, 100)), st.integers(0, 200), st.floats(0, 100)),
                max_size=30))
def test_rank_candidates_properties(candidates: list[p.Candidate]) -> None:
    ranked = p.rank_candidates(candidates, limit=None)
    assert sorted(map(id, ranked)) == sorted(map(id, candidates))  # a permutation
    approvals = [p.APPROVAL_ORDER[x.approval] for x in ranked]
    assert approvals == sorted(approvals)  # every approved one before every temporary one
    assert p.rank_candidates(list(reversed(candidates)), limit=None) == ranked or len(
        {(x.approval, x.score, x.in_use, x.capacity_fte, x.name.casefold()) for x in candidates}) < len(candidates)
