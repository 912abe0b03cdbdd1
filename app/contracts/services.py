"""Contract KPIs (model 7.2): the definitions, a solution's contracts with target, latest
value, trend and met/not met per KPI, the capacity freed against the capacity its
assessments claimed, and reporting values (one rule: importer.py)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.assessment import services as assessments
from app.assessment.loader import FrameworkRegistry
from app.benchmark.importer import ImportReport
from app.catalogue.models import Solution
from app.contracts import importer, kpis
from app.contracts.models import Contract, ContractTarget, KpiDefinition, KpiValue
from app.contracts.schemas import ContractIn
from app.core.principal import Principal, require
from app.core.records import flush
from app.errors import Forbidden, ValidationFailed
from app.messages import Message

IMPORT_COLUMNS = importer.COLUMNS
CAPACITY_CONCEPT = "capacity.fte_per_1000"  # Blåstempel DK BT2.2
USERS, CAPACITY = "active_users", "capacity_freed"


def definitions(session: Session) -> list[KpiDefinition]:
    return list(session.scalars(select(KpiDefinition).order_by(KpiDefinition.position)))


def definition_rows(session: Session, lang: str = "da") -> list[dict[str, Any]]:
    return [{"code": k.code, "name": k.name(lang), "unit": k.unit, "direction": k.direction,
             "default_target": k.default_target, "min": k.min_value, "max": k.max_value, "source": k.source}
            for k in definitions(session)]


# ---- a solution's KPIs ---------------------------------------------------------------


def _contracts(session: Session, solution_ids: list[int]) -> list[Contract]:
    return list(session.scalars(select(Contract).where(Contract.solution_id.in_(solution_ids))
                                .order_by(Contract.organisation_id.is_not(None), Contract.start_date, Contract.id)))


def _history(session: Session, contract_ids: list[int]) -> dict[tuple[int, int], list[KpiValue]]:
    """(contract, KPI) -> its values, oldest first."""
    out: dict[tuple[int, int], list[KpiValue]] = {}
    for v in session.scalars(select(KpiValue).where(KpiValue.contract_id.in_(contract_ids))
                             .order_by(KpiValue.measured_on)):
        out.setdefault((v.contract_id, v.kpi_id), []).append(v)
    return out


def _kpi_row(kpi: KpiDefinition, target: float | None, values: list[KpiValue], lang: str) -> dict[str, Any]:
    latest = values[-1] if values else None
    numbers = [v.value for v in values]
    return {"code": kpi.code, "name": kpi.name(lang), "unit": kpi.unit, "direction": kpi.direction,
            "target": target, "latest": latest.value if latest else None,
            "latest_on": latest.measured_on.isoformat() if latest else None,
            "trend": kpis.trend(numbers, kpi.direction),
            "met": kpis.target_met(latest.value if latest else None, target, kpi.direction),
            "history": [{"measured_on": v.measured_on.isoformat(), "value": v.value} for v in values]}


def _contract_view(contract: Contract, kpi_defs: list[KpiDefinition],
                   history: dict[tuple[int, int], list[KpiValue]], lang: str) -> dict[str, Any]:
    own = {t.kpi_id: t.target for t in contract.targets}
    rows = [_kpi_row(k, own.get(k.id, k.default_target), history.get((contract.id, k.id), []), lang)
            for k in kpi_defs]
    org = contract.organisation
    name = (org.name_en if lang == "en" and org.name_en else org.name) if org else None
    return {"reference": contract.reference,
            "organisation": {"id": org.id, "ref": org.ref, "name": name} if org else None,
            "start_date": contract.start_date.isoformat(),
            "end_date": contract.end_date.isoformat() if contract.end_date else None,
            "kpis": [r for r in rows if r["history"] or r["target"] is not None]}


def _capacity(contract: dict[str, Any], claim: dict[str, Any] | None) -> dict[str, Any] | None:
    """Claimed capacity (FTE a year per 1,000 users) against the contract's realised one."""
    latest = {r["code"]: r["latest"] for r in contract["kpis"]}
    realised = kpis.per_thousand_users(latest.get(CAPACITY), latest.get(USERS))
    if realised is None and claim is None:
        return None
    claimed = float(claim["value"]) if claim else None
    return {"claimed": claimed, "realised": realised, "capacity_fte": latest.get(CAPACITY),
            "users": latest.get(USERS), "share": kpis.share_of_claim(realised, claimed),
            "claim": claim}


def kpis_of(session: Session, frameworks: FrameworkRegistry, solution_ids: Iterable[int],
            lang: str = "da") -> dict[int, dict[str, Any]]:
    """Per solution: its contracts, each with target, latest value, trend and met/not met per
    KPI, and the capacity freed against the capacity its latest completed assessment claimed."""
    ids = [int(i) for i in solution_ids]
    contracts = _contracts(session, ids)
    history = _history(session, [c.id for c in contracts])
    kpi_defs = definitions(session)
    claims = assessments.concept_claims(session, frameworks, ids, CAPACITY_CONCEPT, lang)
    out: dict[int, dict[str, Any]] = {sid: {"contracts": [], "claim": claims.get(sid)} for sid in ids}
    for contract in contracts:
        view = _contract_view(contract, kpi_defs, history, lang)
        view["capacity"] = _capacity(view, claims.get(contract.solution_id))
        out[contract.solution_id]["contracts"].append(view)
    return out


# ---- contracts ------------------------------------------------------------------------


def _contract_errors(session: Session, data: ContractIn, kpi_defs: dict[str, KpiDefinition]) -> dict[str, Any]:
    errors: dict[str, Any] = {}
    if session.scalar(select(Contract.id).where(Contract.reference == data.reference)) is not None:
        errors["reference"] = Message("a contract {reference} already exists", reference=data.reference)
    if data.end_date is not None and data.end_date < data.start_date:
        errors["end_date"] = "must not be before start_date"
    for code, target in data.targets.items():
        kpi = kpi_defs.get(code)
        if kpi is None:
            errors[f"targets.{code}"] = Message("unknown KPI {value} (known: {known})", value=repr(code),
                                                known=", ".join(sorted(kpi_defs)))
        elif not kpi.min_value <= target <= kpi.max_value:
            errors[f"targets.{code}"] = Message("must be between {low} and {high} (got {value})",
                                                low=int(kpi.min_value), high=int(kpi.max_value), value=target)
    return errors


def create_contract(session: Session, principal: Principal, frameworks: FrameworkRegistry, solution: Solution,
                    data: ContractIn, lang: str = "da") -> dict[str, Any]:
    """A new contract of the solution (admin, procurement); every bad field is named and
    nothing is saved. Returns it as the solution's KPIs show it."""
    require(principal, "contract.manage")
    kpi_defs = {k.code: k for k in definitions(session)}
    errors = _contract_errors(session, data, kpi_defs)
    organisation = None
    if data.organisation:
        organisation = importer.organisation(session, data.organisation)
        if organisation is None:
            errors["organisation"] = Message("unknown organisation {ref}", ref=repr(data.organisation))
    if errors:
        raise ValidationFailed(errors)
    contract = Contract(reference=data.reference, solution_id=solution.id, start_date=data.start_date,
                        end_date=data.end_date, organisation_id=organisation.id if organisation else None,
                        targets=[ContractTarget(kpi_id=kpi_defs[c].id, target=t) for c, t in data.targets.items()])
    session.add(contract)
    flush(session)  # the same reference saved at the same moment: 409
    shown = kpis_of(session, frameworks, [solution.id], lang)[solution.id]["contracts"]
    return next(c for c in shown if c["reference"] == contract.reference)


# ---- reporting ------------------------------------------------------------------------


def reportable_contracts(session: Session, principal: Principal, solution: Solution) -> list[Contract]:
    """The solution's contracts the principal may report on (none for anonymous and roles
    that do not report)."""
    if not principal.can("contract.report"):
        return []
    return [c for c in _contracts(session, [solution.id]) if importer.may_report(principal, c)]


def require_reporter(principal: Principal) -> None:
    importer.require_kpi_reporter(principal)


def require_reporter_of(session: Session, principal: Principal, solution: Solution) -> list[Contract]:
    """The contracts the principal reports on for the solution; refused (401/403) if none."""
    require_reporter(principal)
    contracts = reportable_contracts(session, principal, solution)
    if not contracts:
        raise Forbidden(Message("you may only report KPIs on your own contracts, and {solution} has none of yours",
                                solution=solution.name))
    return contracts


def report_value(session: Session, principal: Principal, solution: Solution, record: dict[str, Any], *,
                 source: str, lang: str) -> ImportReport:
    """One value for one of the principal's contracts of the solution."""
    require_reporter_of(session, principal, solution)
    return importer.report_one(session, principal, {**record, "solution": solution.slug}, source=source, lang=lang)


def import_file(session: Session, principal: Principal, filename: str, content: bytes) -> ImportReport:
    return importer.import_file(session, principal, filename, content)

