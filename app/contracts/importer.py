"""The one rule for a reported KPI value, whether it comes from the form, the JSON API or a
CSV/Excel file: every row is checked first, the report lists every bad row (spreadsheet row,
column, reason, with the benchmark importer's report), and either all rows are written or
none. Rows are matched on (contract, KPI, day measured), so a file imported again changes
nothing.

Columns: solution (slug), kpi (code), measured_on (a date), value, and to name the contract
either contract (its reference) or organisation (kind:code); with neither, the solution's
general contract (or its only contract, when it has just one). Numbers and dates are read
as a person types them in the given language ("98,5", "1.250" and "3.12.2026" in Danish).
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd
from sqlalchemy import ColumnElement, select, true
from sqlalchemy.orm import Session

from app.benchmark.importer import (
    SYSTEM,
    ImportRejected,
    ImportReport,
    RowChecker,
    check_columns,
    organisations_by_ref,
    read_table,
    upsert_values,
)
from app.catalogue.models import Organisation, Solution
from app.catalogue.services import solution_visible
from app.contracts.models import Contract, KpiDefinition, KpiValue
from app.core.principal import Principal, require
from app.core.records import flush
from app.core.roles import Role
from app.errors import Forbidden, ValidationFailed
from app.messages import Message
from app.web.forms import Unreadable, typed_date, typed_number

KIND = "kpi_values"
COLUMNS = {"required": ("solution", "kpi", "measured_on", "value"), "optional": ("contract", "organisation")}
# Excel date cells read as text look like "2024-01-31 00:00:00".
_MIDNIGHT = (" 00:00:00", "T00:00:00")


def require_kpi_reporter(principal: Principal) -> None:
    if principal is SYSTEM:
        return
    require(principal, "contract.report")
    if principal.role == Role.VENDOR and principal.vendor_id is None:
        raise Forbidden("your account is not linked to a vendor, so you cannot report")
    if principal.role == Role.ORG_REPORTER and principal.organisation_id is None:
        raise Forbidden("your account is not linked to an organisation, so you cannot report")


def may_report(principal: Principal, contract: Contract) -> bool:
    """A vendor reports on its own solutions' contracts, an organisation on its own
    contracts, an admin (and the seed) on any."""
    if principal is SYSTEM or principal.role == Role.ADMIN:
        return True
    if principal.role == Role.VENDOR:
        return contract.solution.vendor_id == principal.vendor_id
    return principal.role == Role.ORG_REPORTER and contract.organisation_id == principal.organisation_id


def organisation(session: Session, ref: str) -> Organisation | None:
    """The organisation named kind:code, if there is one."""
    return organisations_by_ref(session, {ref}).get(ref)


def _visible(principal: Principal) -> ColumnElement[bool]:
    return true() if principal is SYSTEM else solution_visible(principal)


# ---- cell parsers: value or raise ValueError(reason) ---------------------------------


def _day(text: str, lang: str) -> date:
    raw = text[:10] if text[10:] in _MIDNIGHT else text
    try:
        return typed_date(raw, lang)
    except Unreadable as exc:
        raise ValueError(exc.message) from None


def _value(text: str, lang: str, kpi: KpiDefinition | None) -> float:
    try:
        value = float(typed_number(text, lang))
    except Unreadable as exc:
        raise ValueError(exc.message) from None
    if kpi is not None and not kpi.min_value <= value <= kpi.max_value:
        raise ValueError(Message("must be between {low} and {high} for {kpi} (got {value})",
                                 low=_whole(kpi.min_value), high=_whole(kpi.max_value), kpi=kpi.code,
                                 value=repr(text)))
    return value


def _whole(value: float) -> int | float:
    return int(value) if value == int(value) else value


# ---- the row rule -------------------------------------------------------------------


@dataclass
class _Known:
    """What the file's rows refer to, read once."""

    solutions: dict[str, Solution]
    kpis: dict[str, KpiDefinition]
    organisations: dict[str, Organisation]
    contracts: list[Contract]

    @classmethod
    def read(cls, session: Session, principal: Principal, df: pd.DataFrame) -> _Known:
        slugs = set(df["solution"])
        solutions = {s.slug: s for s in session.scalars(select(Solution).where(Solution.slug.in_(slugs),
                                                                                _visible(principal)))}
        contracts = list(session.scalars(select(Contract).where(
            Contract.solution_id.in_([s.id for s in solutions.values()]))))
        refs = set(df["organisation"]) if "organisation" in df.columns else set()
        return cls(solutions, {k.code: k for k in session.scalars(select(KpiDefinition))},
                   organisations_by_ref(session, refs), contracts)


def _contract(check: RowChecker, row: int, rec: dict[str, str], known: _Known, solution: Solution,
              day: date | None) -> Contract | None:
    mine = [c for c in known.contracts if c.solution_id == solution.id]
    if rec["contract"]:
        mine = [c for c in mine if c.reference == rec["contract"]]
        if not mine:
            check.error(row, "contract", Message("{solution} has no contract {reference}", solution=solution.slug,
                                                 reference=repr(rec["contract"])))
            return None
    elif rec["organisation"]:
        org = known.organisations.get(rec["organisation"])
        if org is None:
            check.error(row, "organisation", "must be kind:code, e.g. municipality:169" if ":" not in
                        rec["organisation"] else Message("unknown organisation {ref}", ref=repr(rec["organisation"])))
            return None
        mine = [c for c in mine if c.organisation_id == org.id]
        if not mine:
            check.error(row, "organisation", Message("{solution} has no contract with {organisation}",
                                                     solution=solution.slug, organisation=org.name))
            return None
    elif len(mine) != 1:
        mine = [c for c in mine if c.organisation_id is None]
        if not mine:
            check.error(row, "organisation", Message("{solution} has no general contract: name the organisation "
                                                     "or the contract", solution=solution.slug))
            return None
    if day is None:
        return None
    covering = [c for c in mine if c.covers(day)]
    if not covering:
        first = min(mine, key=lambda c: c.start_date)
        check.error(row, "measured_on", Message(
            "is outside the contract {reference} ({start} to {end})", reference=first.reference,
            start=first.start_date, end=first.end_date or Message("no end date")))
        return None
    return covering[0]


def _check_row(check: RowChecker, row: int, rec: dict[str, str], known: _Known, principal: Principal,
               lang: str) -> dict[str, Any] | None:
    solution = known.solutions.get(rec["solution"])
    if rec["solution"] == "":
        check.error(row, "solution", "is required")
    elif solution is None:
        check.error(row, "solution", Message("unknown solution {value} (use the solution's slug)",
                                             value=repr(rec["solution"])))
    kpi = known.kpis.get(rec["kpi"])
    if rec["kpi"] == "":
        check.error(row, "kpi", "is required")
    elif kpi is None:
        check.error(row, "kpi", Message("unknown KPI {value} (known: {known})", value=repr(rec["kpi"]),
                                        known=", ".join(sorted(known.kpis))))
    day = check.cell(row, "measured_on", rec["measured_on"], lambda t: _day(t, lang), required=True)
    value = check.cell(row, "value", rec["value"], lambda t: _value(t, lang, kpi), required=True)
    contract = _contract(check, row, rec, known, solution, day) if solution is not None else None
    if contract is not None and not may_report(principal, contract):
        column = "organisation" if principal.role == Role.ORG_REPORTER else "solution"
        check.error(row, column, Message("you may only report on your own contracts, not {reference}",
                                         reference=contract.reference))
        return None
    if contract is None or kpi is None or value is None:
        return None
    return {"contract_id": contract.id, "kpi_id": kpi.id, "measured_on": day, "value": value}


def _validate(session: Session, principal: Principal, df: pd.DataFrame, check: RowChecker,
              lang: str) -> list[dict[str, Any]]:
    known = _Known.read(session, principal, df)
    seen: dict[tuple[int, int, date], int] = {}
    rows = []
    for i, raw in enumerate(df.to_dict("records")):
        row = i + 2
        rec: dict[str, str] = {c: _text(raw, c) for c in (*COLUMNS["required"], *COLUMNS["optional"])}
        checked = _check_row(check, row, rec, known, principal, lang)
        if checked is None:
            continue
        key = (checked["contract_id"], checked["kpi_id"], checked["measured_on"])
        if key in seen:
            check.error(row, "measured_on", Message("duplicate of row {row} (same contract, KPI and day)",
                                                    row=seen[key]))
            continue
        seen[key] = row
        rows.append(checked)
    return rows


def _text(raw: dict[Hashable, Any], column: str) -> str:
    return str(raw.get(column, "") or "").strip()


def _upsert(session: Session, principal: Principal, rows: list[dict[str, Any]], source: str,
            report: ImportReport) -> None:
    contract_ids = {r["contract_id"] for r in rows}
    existing = session.scalars(select(KpiValue).where(KpiValue.contract_id.in_(contract_ids)))
    upsert_values(session, principal, KpiValue, ("contract_id", "kpi_id", "measured_on"), existing, rows, source,
                  report)


# ---- entry points -------------------------------------------------------------------


def import_frame(session: Session, principal: Principal, df: pd.DataFrame, *, filename: str,
                 lang: str = "da") -> ImportReport:
    """Validate every row, then write all of them (or raise ImportRejected and write nothing)."""
    require_kpi_reporter(principal)
    report = ImportReport(kind=KIND, filename=filename, rows=len(df))
    check = RowChecker(report)
    if not check_columns(df, COLUMNS, check):
        raise ImportRejected(report)
    rows = _validate(session, principal, df.fillna("").astype(str), check, lang)
    if report.errors:
        raise ImportRejected(report)
    _upsert(session, principal, rows, f"import:{filename}"[:300], report)
    flush(session)  # a concurrent report of the same new value: 409
    return report


def import_file(session: Session, principal: Principal, filename: str, content: bytes) -> ImportReport:
    """A CSV or Excel file, read as a Danish spreadsheet writes numbers and dates."""
    require_kpi_reporter(principal)
    return import_frame(session, principal, read_table(filename, content), filename=filename)


def report_one(session: Session, principal: Principal, record: dict[str, Any], *, source: str,
               lang: str) -> ImportReport:
    """One value (the form, the API) by the same rule; a refusal names just the fields."""
    df = pd.DataFrame([{k: "" if v is None else str(v) for k, v in record.items()}])
    try:
        return import_frame(session, principal, df, filename=source, lang=lang)
    except ImportRejected as exc:
        raise ValidationFailed({e.column: e.reason for e in exc.report.errors}) from exc
