"""KPI definitions (reference data, data/reference/contract_kpis.yaml) and the demo
contracts with a year of values (data/demo/contracts.yaml, contract_kpis.csv).
Idempotent: natural keys, only changed fields written."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.benchmark.importer import SYSTEM, read_table
from app.catalogue.models import Organisation, Solution
from app.contracts import importer, kpis
from app.contracts.models import Contract, ContractTarget, KpiDefinition

DEFINITIONS = Path("reference") / "contract_kpis.yaml"


def _set(obj: object, values: dict[str, Any]) -> None:
    for key, value in values.items():
        if getattr(obj, key) != value:
            setattr(obj, key, value)


def _definition(path: Path, position: int, row: dict[str, Any]) -> dict[str, Any]:
    """A KPI's stored values; a wrong direction, unit or range stops the seed naming the KPI."""
    where = f"{path}: kpis[{position}] ({row.get('code')})"
    if row.get("direction") not in kpis.DIRECTIONS:
        raise ValueError(f"{where}: direction must be one of {', '.join(kpis.DIRECTIONS)}")
    if row.get("unit") not in kpis.UNITS:
        raise ValueError(f"{where}: unit must be one of {', '.join(kpis.UNITS)}")
    low, high, target = float(row["min"]), float(row["max"]), row.get("default_target")
    if low > high or (target is not None and not low <= float(target) <= high):
        raise ValueError(f"{where}: min must not exceed max, and the default target must lie between them")
    return {"position": position, "name_da": row["name_da"], "name_en": row["name_en"], "unit": row["unit"],
            "direction": row["direction"], "default_target": None if target is None else float(target),
            "min_value": low, "max_value": high, "source": row.get("source")}


def seed_kpi_definitions(session: Session, data_dir: Path) -> None:
    path = data_dir / DEFINITIONS
    spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    existing = {k.code: k for k in session.scalars(select(KpiDefinition))}
    for position, row in enumerate(spec["kpis"]):
        values = _definition(path, position, row)
        if row["code"] in existing:
            _set(existing[row["code"]], values)
        else:
            session.add(KpiDefinition(code=row["code"], **values))
    session.flush()


def seed_contracts_demo(session: Session, data_dir: Path) -> None:
    demo = data_dir / "demo"
    spec = yaml.safe_load((demo / "contracts.yaml").read_text(encoding="utf-8"))
    solutions = {s.slug: s.id for s in session.scalars(select(Solution))}
    orgs = {o.ref: o.id for o in session.scalars(select(Organisation))}
    kpi_ids = {k.code: k.id for k in session.scalars(select(KpiDefinition))}
    existing = {c.reference: c for c in session.scalars(select(Contract))}
    for row in spec["contracts"]:
        values = {"solution_id": solutions[row["solution"]],
                  "organisation_id": orgs[row["organisation"]] if row["organisation"] else None,
                  "start_date": row["start"], "end_date": row.get("end")}
        contract = existing.get(row["reference"])
        if contract is None:
            contract = Contract(reference=row["reference"], **values)
            session.add(contract)
        else:
            _set(contract, values)
        _set_targets(contract, {kpi_ids[code]: float(t) for code, t in (row.get("targets") or {}).items()})
    session.flush()
    values_file = demo / "contract_kpis.csv"
    importer.import_frame(session, SYSTEM, read_table(values_file.name, values_file.read_bytes()),
                          filename="data/demo/contract_kpis.csv")


def _set_targets(contract: Contract, targets: dict[int, float]) -> None:
    mine = {t.kpi_id: t for t in contract.targets}
    for kpi_id, target in targets.items():
        if kpi_id in mine:
            _set(mine[kpi_id], {"target": target})
        else:
            contract.targets.append(ContractTarget(kpi_id=kpi_id, target=target))
