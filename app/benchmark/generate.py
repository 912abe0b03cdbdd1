"""Synthetic adoption records for benchmarks (`blaastempel generate --adoption N`).

Written with bulk Core inserts, bypassing the ORM and therefore the audit hook: this is
benchmark data, not anyone's report. Each organisation × solution pair gets a short,
plausible history (planned → pilot → in operation → sometimes discontinued).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import nullcontext
from datetime import UTC, date, datetime, timedelta

import numpy as np
from rich.progress import Progress
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from app.benchmark.models import AdoptionRecord, PrioritisedSolution
from app.catalogue.models import Organisation, Solution
from app.db.base import table_of

BATCH = 10_000
PATH = ("planned", "pilot", "in_operation", "discontinued")
EPOCH = date(2018, 1, 1)


def generate_adoption(session: Session, *, records: int, seed: int = 2026, prioritised: int = 20,
                      progress: bool = False) -> dict[str, int]:
    if records <= 0:
        return {"adoption records": 0}
    rng = np.random.default_rng(seed)
    orgs = np.array(list(session.scalars(select(Organisation.id).where(
        Organisation.kind.in_(["region", "municipality", "hospital"])))), dtype=np.int64)
    solutions = np.array(list(session.scalars(select(Solution.id))), dtype=np.int64)
    if len(orgs) == 0 or len(solutions) == 0:
        raise ValueError("load reference data and some solutions first (seed, generate --solutions)")
    # Each pair gets 1-4 rows (mean 2.5): pick enough distinct pairs.
    lengths_all = rng.choice([1, 2, 3, 4], size=records, p=[0.2, 0.3, 0.3, 0.2])
    cum = np.cumsum(lengths_all)
    pairs = int(np.searchsorted(cum, records) + 1)
    lengths = lengths_all[:pairs].copy()
    lengths[-1] -= int(cum[pairs - 1] - records)
    capacity = len(orgs) * len(solutions)
    if pairs > capacity:
        raise ValueError(f"{records:,} records need about {pairs:,} organisation × solution pairs, but there "
                         f"are only {capacity:,}; generate more solutions first")
    # Skip pairs that already have history so reruns add rather than clash.
    existing = {(o, s) for o, s in session.execute(
        select(AdoptionRecord.organisation_id, AdoptionRecord.solution_id).distinct())}
    picked = rng.choice(capacity, size=min(capacity, pairs + len(existing)), replace=False)
    pair_org = orgs[picked // len(solutions)]
    pair_sol = solutions[picked % len(solutions)]
    if existing:
        keep = np.array([(int(o), int(s)) not in existing for o, s in zip(pair_org, pair_sol, strict=True)])
        pair_org, pair_sol = pair_org[keep], pair_sol[keep]
    pair_org, pair_sol = pair_org[:pairs], pair_sol[:pairs]
    lengths = lengths[:len(pair_org)]
    start_step = rng.integers(0, 2, size=len(pair_org))  # some start straight at pilot
    start_step[lengths == 4] = 0  # a full history walks the whole path once
    first_day = rng.integers(0, 2400, size=len(pair_org))
    users_scale = rng.lognormal(3.5, 1.2, size=len(pair_org))
    now = datetime.now(UTC)

    def rows() -> Iterator[dict[str, object]]:
        for i in range(len(pair_org)):
            day = int(first_day[i])
            org, sol = int(pair_org[i]), int(pair_sol[i])
            start = EPOCH + timedelta(days=day)
            for step in range(int(lengths[i])):
                status = PATH[min(int(start_step[i]) + step, 3)]
                eff = EPOCH + timedelta(days=day)
                active = status in ("pilot", "in_operation")
                users = int(users_scale[i] * (0.3 if status == "pilot" else 1.0)) if active else 0
                yield {"organisation_id": org, "solution_id": sol, "status": status, "effective_from": eff,
                       "start_date": start, "end_date": eff if status == "discontinued" else None,
                       "active_users": users, "capacity_fte": round(users / 400, 3) if active else 0.0,
                       "reported_by_id": None, "reported_by": "generator", "source": f"generate:{seed}",
                       "version": 1, "created_at": now, "updated_at": now}
                day += int(rng.integers(60, 500))

    written = 0
    with Progress() if progress else nullcontext() as bar:
        task = bar.add_task("anvendelse (adoption)", total=records) if bar is not None else None
        batch: list[dict[str, object]] = []
        for row in rows():
            batch.append(row)
            if len(batch) == BATCH:
                session.execute(insert(table_of(AdoptionRecord)), batch)
                written += len(batch)
                batch = []
                if bar is not None and task is not None:
                    bar.advance(task, BATCH)
        if batch:
            session.execute(insert(table_of(AdoptionRecord)), batch)
            written += len(batch)
    flagged = set(session.scalars(select(PrioritisedSolution.solution_id)))
    if len(flagged) < prioritised:
        used = np.unique(pair_sol)
        choice = [int(s) for s in rng.choice(used, size=min(len(used), prioritised), replace=False)
                  if int(s) not in flagged][: prioritised - len(flagged)]
        session.execute(insert(table_of(PrioritisedSolution)), [
            {"solution_id": s, "relevant_kinds": "municipality,hospital" if k % 3 else "region,municipality,hospital",
             "since_year": 2024, "reason": "synthetic", "created_at": now, "updated_at": now}
            for k, s in enumerate(choice)])
    return {"adoption records": written}
