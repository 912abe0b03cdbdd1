"""Demo benchmark data (data/demo/indicators.yaml, data/demo/adoption.csv), loaded at the
end of `seed --demo`. Idempotent: natural keys, only changed fields written."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.benchmark import importer
from app.benchmark.models import Indicator, IndicatorTarget, PrioritisedSolution
from app.catalogue.models import Solution, TreatmentArea


def _set(obj: object, values: dict[str, object]) -> None:
    for key, value in values.items():
        if getattr(obj, key) != value:
            setattr(obj, key, value)


def seed_benchmark_demo(session: Session, data_dir: Path) -> None:
    demo = data_dir / "demo"
    spec = yaml.safe_load((demo / "indicators.yaml").read_text(encoding="utf-8"))
    solutions = {s.slug: s.id for s in session.scalars(select(Solution))}
    flagged = {p.solution_id: p for p in session.scalars(select(PrioritisedSolution))}
    for row in spec["prioritised_solutions"]:
        sid = solutions[row["solution"]]
        values = {"relevant_kinds": ",".join(row["relevant_to"]), "since_year": row.get("since"),
                  "reason": row.get("reason")}
        if sid in flagged:
            _set(flagged[sid], values)
        else:
            session.add(PrioritisedSolution(solution_id=sid, **values))
    areas = {t.code: t.id for t in session.scalars(select(TreatmentArea))}
    existing = {i.code: i for i in session.scalars(select(Indicator))}
    for row in spec["indicators"]:
        values = {"name_da": row["name_da"], "name_en": row["name_en"], "unit": row["unit"],
                  "direction": row["direction"], "applies_to": ",".join(row["applies_to"]),
                  "treatment_area_id": areas.get(row.get("treatment_area") or ""),
                  "description": row.get("description")}
        indicator = existing.get(row["code"])
        if indicator is None:
            indicator = Indicator(code=row["code"], **values)
            session.add(indicator)
            session.flush()
        else:
            _set(indicator, values)
        targets = {t.year: t for t in session.scalars(
            select(IndicatorTarget).where(IndicatorTarget.indicator_id == indicator.id))}
        for year, target in (row.get("targets") or {}).items():
            if int(year) in targets:
                _set(targets[int(year)], {"target": float(target)})
            else:
                session.add(IndicatorTarget(indicator_id=indicator.id, year=int(year), target=float(target)))
    session.flush()
    adoption = importer.read_table("adoption.csv", (demo / "adoption.csv").read_bytes())
    importer.import_frame(session, importer.SYSTEM, adoption, filename="data/demo/adoption.csv",
                          kind=importer.ADOPTION)
    indicator_values = pd.DataFrame([{k: str(v) for k, v in r.items()} for r in spec.get("values", [])])
    if not indicator_values.empty:
        importer.import_frame(session, importer.SYSTEM, indicator_values, filename="data/demo/indicators.yaml",
                              kind=importer.INDICATORS)
