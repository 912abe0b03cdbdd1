"""Import of adoption records and indicator values from CSV or Excel.

Every row is checked before anything is written; the report lists every bad row (the
row number as the user sees it in the spreadsheet: the header is row 1), the column and
the reason. Either the whole file is imported or nothing is (the caller's one
transaction). Rows are matched on their natural keys and only changed fields are
written, so importing the same file again changes nothing (and audits nothing).
"""

from __future__ import annotations

import io
import math
import unicodedata
from collections.abc import Callable, Hashable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date
from functools import cache
from typing import Any

import pandas as pd
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from sqlalchemy import ColumnElement, select, true, tuple_
from sqlalchemy.orm import Session

from app.benchmark.metrics import STATUSES
from app.benchmark.models import AdoptionRecord, Indicator, IndicatorValue
from app.catalogue.models import Organisation, Solution
from app.catalogue.services import solution_visible
from app.core.principal import Principal, require
from app.core.records import flush
from app.core.roles import Role
from app.errors import Forbidden, ValidationFailed
from app.messages import Message, message_of
from app.web.i18n import LANGUAGES, translations
from app.ziplimits import MIB, ZipLimits, ZipRefused, open_zip

# The upload limit the page states; the routes take the file plus a little room for the
# rest of the multipart form, and the file itself is checked against MAX_BYTES exactly.
MAX_MB = 20
MAX_BYTES = MAX_MB * 1_000_000
MAX_REQUEST_BYTES = MAX_BYTES + 64 * 1024
MAX_ROWS = 200_000
# An .xlsx is a zip of XML: 200,000 rows of our columns unpack to well under 256 MiB.
XLSX_LIMITS = ZipLimits(max_member_bytes=256 * MIB, max_total_bytes=256 * MIB, max_ratio=100)
# Sane ranges: beyond them a value is a typing error (or an attack), refused per row.
ACTIVE_USERS_RANGE = (0, 10_000_000)  # more than Denmark's population
CAPACITY_FTE_RANGE = (0, 100_000)  # more than the whole public health workforce
INDICATOR_VALUE_RANGE = (-1_000_000_000, 1_000_000_000)
PERIOD_RANGE = (2000, 2100)
ADOPTION = "adoption"
INDICATORS = "indicators"
COLUMNS: dict[str, dict[str, tuple[str, ...]]] = {
    ADOPTION: {"required": ("organisation", "solution", "status", "effective_from"),
               "optional": ("start_date", "end_date", "active_users", "capacity_fte")},
    INDICATORS: {"required": ("indicator", "organisation", "period", "value"), "optional": ()},
}
KINDS = (ADOPTION, INDICATORS)
# The Danish template's column names; the English template uses the columns' own names. A
# file may use either (case, accents, æ/ø and "_" for a space aside).
DANISH_COLUMNS = {"organisation": "Organisation", "solution": "Løsning", "status": "Status",
                  "effective_from": "Gælder fra", "start_date": "Startdato", "end_date": "Slutdato",
                  "active_users": "Aktive brugere", "capacity_fte": "Frigjort kapacitet (årsværk)",
                  "indicator": "Indikator", "period": "Periode", "value": "Værdi"}
# Loads demo data (seed --demo) with the importer's rules, as nobody in particular.
SYSTEM = Principal(id=None, email="system", name="system", role=Role.ADMIN)


def reporter_label(principal: Principal) -> str:
    return "system (seed)" if principal is SYSTEM else principal.audit_label


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    reason: str


@dataclass
class ImportReport:
    kind: str
    filename: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "filename": self.filename, "rows": self.rows, "created": self.created,
                "updated": self.updated, "unchanged": self.unchanged,
                "errors": [{"row": e.row, "column": e.column, "reason": e.reason} for e in self.errors]}


class ImportRejected(ValidationFailed):
    """The file has bad rows; nothing was imported. `report.errors` lists them all."""

    def __init__(self, report: ImportReport) -> None:
        shown = {f"row {e.row}, {e.column}": e.reason for e in report.errors[:500]}
        if len(report.errors) > 500:
            shown["…"] = Message("{n} more errors", n=len(report.errors) - 500)
        super().__init__(shown)
        self.report = report


# ---- reading ------------------------------------------------------------------------


def too_large() -> Message:
    return Message("the file is larger than {mb} MB", mb=MAX_MB)


def read_table(filename: str, content: bytes) -> pd.DataFrame:
    """The file as text cells (CSV: comma or semicolon separated; Excel: first sheet)."""
    name = (filename or "").lower()
    if not content:
        raise ValidationFailed({"file": "the file is empty"})
    if len(content) > MAX_BYTES:
        raise ValidationFailed({"file": too_large()})
    try:
        if name.endswith((".xlsx", ".xlsm")):
            df = _read_xlsx(filename, content)
        elif name.endswith(".csv") or name.endswith(".txt") or "." not in name:
            text = content.decode("utf-8-sig")
            first = text.split("\n", 1)[0]
            sep = ";" if first.count(";") > first.count(",") else ","
            df = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, sep=sep,
                             skip_blank_lines=True)
        else:
            raise ValidationFailed({"file": "must be a .csv or .xlsx file"})
    except UnicodeDecodeError as exc:
        raise ValidationFailed({"file": "a CSV file must be UTF-8 encoded"}) from exc
    except ZipRefused as exc:
        raise ValidationFailed({"file": message_of(exc)}) from exc
    except ValidationFailed:
        raise
    except Exception as exc:  # a broken workbook or malformed CSV: say so, never a 500
        raise ValidationFailed({"file": Message("could not be read ({error})",
                                                error=f"{type(exc).__name__}: {exc}")}) from exc
    df.columns = [str(c).strip().lower() for c in df.columns]
    if len(df) > MAX_ROWS:
        raise ValidationFailed({"file": Message("has more than {max_rows} rows; split it", max_rows=f"{MAX_ROWS:,}")})
    return df.map(lambda v: str(v).strip() if v is not None else "")


def _read_xlsx(filename: str, content: bytes) -> pd.DataFrame:
    open_zip(io.BytesIO(content), XLSX_LIMITS).close()  # a zip bomb is refused before openpyxl unpacks it
    unsaved = _unsaved_formulas(content)
    if unsaved:
        raise ImportRejected(ImportReport(kind="", filename=filename, errors=unsaved))
    return pd.read_excel(io.BytesIO(content), dtype=str, keep_default_na=False, engine="openpyxl",
                         nrows=MAX_ROWS + 1)


def _first_rows(content: bytes, *, data_only: bool) -> Iterator[tuple[Any, ...]]:
    """The first sheet's rows (cells, or values with data_only), header included, at most
    MAX_ROWS + 1 of them; the position in a row is the column."""
    book = load_workbook(io.BytesIO(content), read_only=True, data_only=data_only)
    try:
        sheet = book.worksheets[0]
        sheet.reset_dimensions()  # the file's own claim of its size is not trusted
        yield from sheet.iter_rows(max_row=MAX_ROWS + 1, values_only=data_only)
    finally:
        book.close()


def _unsaved_formulas(content: bytes) -> list[RowError]:
    """Formula cells whose file keeps no computed value (openpyxl and some converters save
    them so): read as values they would be empty, so they are refused, naming the cell."""
    header: list[str] = []
    formulas: list[tuple[int, int]] = []
    for row_number, cells in enumerate(_first_rows(content, data_only=False), start=1):
        if row_number == 1:
            header = [str(getattr(cell, "value", "") or "").strip().lower() for cell in cells]
        formulas += [(row_number, column) for column, cell in enumerate(cells, start=1)
                     if getattr(cell, "data_type", None) == "f"]
    if not formulas:
        return []
    wanted = set(formulas)
    errors = []
    for row_number, values in enumerate(_first_rows(content, data_only=True), start=1):
        for column, value in enumerate(values, start=1):
            if value is None and (row_number, column) in wanted:
                cell = f"{get_column_letter(column)}{row_number}"
                label = header[column - 1] if column <= len(header) and header[column - 1] else cell
                errors.append(RowError(row_number, label, Message(
                    "cell {cell} is a formula without a saved value: open the file in Excel or LibreOffice "
                    "and save it again, or paste the values instead of the formulas", cell=cell)))
    return errors


def detect_kind(df: pd.DataFrame) -> str:
    cols = set(df.columns)
    if "indicator" in cols:
        return INDICATORS
    if "solution" in cols or "status" in cols:
        return ADOPTION
    raise ValidationFailed({"file": "cannot tell what the file holds: an adoption file has the columns "
                                    "organisation, solution, status, effective_from; an indicator file "
                                    "has indicator, organisation, period, value"})


# ---- names: Danish or English, case and accents aside ---------------------------------


def fold(text: str) -> str:
    """A name as compared: case, accents, æ/ø and the separators "_" and "-" aside
    ("Gælder fra" = "gaelder_fra", "Ophørt" = "ophort", "in_operation" = "In operation")."""
    text = text.casefold().replace("æ", "ae").replace("ø", "o")
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return " ".join(text.replace("_", " ").replace("-", " ").split())


@cache
def _column_names() -> dict[str, str]:
    return {fold(name): column for column, name in DANISH_COLUMNS.items()} | {fold(c): c for c in DANISH_COLUMNS}


@cache
def status_names() -> dict[str, str]:
    """Every status by its code and by its label on the pages in each language."""
    return {fold(name): status for status in STATUSES
            for name in (status, *(translations(lang).gettext(status) for lang in LANGUAGES))}


def _named_columns(df: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, str], list[str]]:
    """The frame with each known column under its own name (an unknown one as it is, for
    the column check to refuse), {own name: the file's name}, and the file's names of
    columns that repeat an earlier one (dropped)."""
    names = _column_names()
    as_in_file: dict[str, str] = {}
    twice: list[str] = []
    for header in df.columns:
        own = names.get(fold(header), header)
        if own in as_in_file:
            twice.append(header)
        else:
            as_in_file[own] = header
    renamed = df.set_axis([names.get(fold(h), h) for h in df.columns], axis="columns")
    return renamed.loc[:, ~renamed.columns.duplicated()], as_in_file, twice


# ---- cell parsers: value or raise ValueError(reason) ---------------------------------


def _date(text: str) -> date:
    # Excel date cells read as text look like "2024-01-31 00:00:00".
    raw = text[:10] if len(text) > 10 and text[10:] in (" 00:00:00", "T00:00:00") else text
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ValueError(Message("must be a date as YYYY-MM-DD (got {value})", value=repr(text))) from None


def _number(text: str) -> float:
    try:
        value = float(text.replace(",", ".").replace(" ", ""))
    except ValueError:
        raise ValueError(Message("must be a number (got {value})", value=repr(text))) from None
    if not math.isfinite(value):
        raise ValueError(Message("must be a number (got {value})", value=repr(text)))
    return value


def _whole(text: str) -> int:
    value = _number(text)
    if value != int(value):
        raise ValueError(Message("must be a whole number (got {value})", value=repr(text)))
    return int(value)


def _within(bounds: tuple[int, int], parse: Callable[[str], float]) -> Callable[[str], Any]:
    low, high = bounds

    def parse_within(text: str) -> Any:
        value = parse(text)
        if not low <= value <= high:
            raise ValueError(Message("must be between {low} and {high} (got {value})", low=low, high=high,
                                     value=repr(text)))
        return value
    return parse_within


class RowChecker:
    """Collects every error of a file; rows are 1-based as in the spreadsheet."""

    def __init__(self, report: ImportReport) -> None:
        self.report = report

    def error(self, row: int, column: str, reason: str) -> None:
        self.report.errors.append(RowError(row, column, reason))

    def cell(self, row: int, column: str, text: str, parse: Any, required: bool = False) -> Any:
        if text == "":
            if required:
                self.error(row, column, "is required")
            return None
        try:
            return parse(text)
        except ValueError as exc:
            self.error(row, column, message_of(exc))
            return None


def check_columns(df: pd.DataFrame, spec: dict[str, tuple[str, ...]], check: RowChecker) -> bool:
    missing = [c for c in spec["required"] if c not in df.columns]
    unknown = [c for c in df.columns if c not in spec["required"] + spec["optional"]]
    for col in missing:
        check.error(1, col, "required column is missing")
    for col in unknown:
        check.error(1, col, Message("unknown column (expected: {columns})",
                                    columns=", ".join(spec["required"] + spec["optional"])))
    if df.empty and not missing:
        check.error(2, "file", "the file has a header but no rows")
    return not missing


def organisations_by_ref(session: Session, refs: set[str]) -> dict[str, Organisation]:
    pairs = [tuple(r.split(":", 1)) for r in refs if ":" in r]
    if not pairs:
        return {}
    found = session.scalars(select(Organisation).where(tuple_(Organisation.kind, Organisation.code).in_(pairs)))
    return {o.ref: o for o in found}


def _may_report_for(principal: Principal, org: Organisation) -> bool:
    if principal.role == Role.ADMIN:
        return True
    return principal.role == Role.ORG_REPORTER and principal.organisation_id == org.id


def _check_org(check: RowChecker, row: int, ref: str, orgs: dict[str, Organisation],
               principal: Principal) -> Organisation | None:
    if ref == "":
        check.error(row, "organisation", "is required")
        return None
    org = orgs.get(ref)
    if org is None:
        reason = ("must be kind:code, e.g. municipality:169" if ":" not in ref
                  else Message("unknown organisation {ref}", ref=repr(ref)))
        check.error(row, "organisation", reason)
        return None
    if not _may_report_for(principal, org):
        check.error(row, "organisation", Message("you may only report for your own organisation, not {ref}",
                                                 ref=ref))
        return None
    return org


# ---- adoption -----------------------------------------------------------------------


def _reportable_solutions(principal: Principal) -> ColumnElement[bool]:
    """One may report adoption only of a solution one may see: to anyone else an
    unpublished solution is unknown. The system (seed, command line) acts as an admin."""
    return true() if principal is SYSTEM else solution_visible(principal)


def _validate_adoption(session: Session, principal: Principal, df: pd.DataFrame,
                       check: RowChecker) -> list[dict[str, Any]]:
    orgs = organisations_by_ref(session, set(df["organisation"]))
    slugs = set(df["solution"])
    solutions = {s.slug: s.id for s in session.scalars(
        select(Solution).where(Solution.slug.in_(slugs), _reportable_solutions(principal)))}
    seen: dict[tuple[int, int, date], int] = {}
    rows = []
    for i, rec in enumerate(df.to_dict("records")):
        row = i + 2
        def get(column: str, rec: dict[Hashable, Any] = rec) -> str:  # read_table: every cell is a str
            return rec.get(column, "")

        org = _check_org(check, row, get("organisation"), orgs, principal)
        solution_id = solutions.get(get("solution"))
        if get("solution") == "":
            check.error(row, "solution", "is required")
        elif solution_id is None:
            check.error(row, "solution", Message("unknown solution {value} (use the solution's slug)",
                                                 value=repr(get("solution"))))
        status = status_names().get(fold(get("status")))
        if get("status") == "":
            check.error(row, "status", "is required")
        elif status is None:
            check.error(row, "status", Message(
                "must be {planned}, {pilot}, {in_operation} or {discontinued} (got {value})",
                **{s: Message(s) for s in STATUSES}, value=repr(get("status"))))
        effective = check.cell(row, "effective_from", get("effective_from"), _date, required=True)
        start = check.cell(row, "start_date", get("start_date"), _date)
        end = check.cell(row, "end_date", get("end_date"), _date)
        if start and end and end < start:
            check.error(row, "end_date", "must not be before start_date")
        users = check.cell(row, "active_users", get("active_users"), _within(ACTIVE_USERS_RANGE, _whole))
        fte = check.cell(row, "capacity_fte", get("capacity_fte"), _within(CAPACITY_FTE_RANGE, _number))
        if org is None or solution_id is None or effective is None:
            continue
        key = (org.id, solution_id, effective)
        if key in seen:
            check.error(row, "effective_from", Message("duplicate of row {row} (same organisation, solution "
                                                       "and effective_from)", row=seen[key]))
            continue
        seen[key] = row
        rows.append({"organisation_id": org.id, "solution_id": solution_id, "effective_from": effective,
                     "status": status, "start_date": start, "end_date": end, "active_users": users,
                     "capacity_fte": fte})
    return rows


def _upsert_adoption(session: Session, principal: Principal, rows: list[dict[str, Any]],
                     source: str, report: ImportReport) -> None:
    org_ids = {r["organisation_id"] for r in rows}
    existing = {(a.organisation_id, a.solution_id, a.effective_from): a for a in session.scalars(
        select(AdoptionRecord).where(AdoptionRecord.organisation_id.in_(org_ids)))}
    for r in rows:
        key = (r["organisation_id"], r["solution_id"], r["effective_from"])
        values = {k: r[k] for k in ("status", "start_date", "end_date", "active_users", "capacity_fte")}
        obj = existing.get(key)
        if obj is None:
            session.add(AdoptionRecord(**r, reported_by_id=principal.id, reported_by=reporter_label(principal),
                                       source=source))
            report.created += 1
        elif any(getattr(obj, k) != v for k, v in values.items()):
            for k, v in values.items():
                if getattr(obj, k) != v:
                    setattr(obj, k, v)
            obj.reported_by_id, obj.reported_by, obj.source = principal.id, reporter_label(principal), source
            report.updated += 1
        else:
            report.unchanged += 1


# ---- indicator values ---------------------------------------------------------------


def _validate_indicators(session: Session, principal: Principal, df: pd.DataFrame,
                         check: RowChecker) -> list[dict[str, Any]]:
    orgs = organisations_by_ref(session, set(df["organisation"]))
    indicators = {i.code: i for i in session.scalars(select(Indicator))}
    seen: dict[tuple[int, int, int], int] = {}
    rows = []
    for i, rec in enumerate(df.to_dict("records")):
        row = i + 2
        org = _check_org(check, row, rec["organisation"], orgs, principal)
        indicator = indicators.get(rec["indicator"])
        if rec["indicator"] == "":
            check.error(row, "indicator", "is required")
        elif indicator is None:
            check.error(row, "indicator", Message("unknown indicator {value} (known: {known})",
                                                  value=repr(rec["indicator"]),
                                                  known=", ".join(sorted(indicators)) or "none"))
        elif org is not None and org.kind not in indicator.applies_to.split(","):
            check.error(row, "indicator", Message("{code} applies to {applies_to}, not {kind}",
                                                  code=indicator.code, applies_to=indicator.applies_to,
                                                  kind=org.kind))
            org = None
        period = check.cell(row, "period", rec["period"], _within(PERIOD_RANGE, _whole), required=True)
        value = check.cell(row, "value", rec["value"], _within(INDICATOR_VALUE_RANGE, _number), required=True)
        if org is None or indicator is None or period is None or value is None:
            continue
        key = (indicator.id, org.id, period)
        if key in seen:
            check.error(row, "period", Message("duplicate of row {row} (same indicator, organisation and "
                                               "period)", row=seen[key]))
            continue
        seen[key] = row
        rows.append({"indicator_id": indicator.id, "organisation_id": org.id, "period": period, "value": value})
    return rows


def _upsert_indicators(session: Session, principal: Principal, rows: list[dict[str, Any]],
                       source: str, report: ImportReport) -> None:
    org_ids = {r["organisation_id"] for r in rows}
    existing = session.scalars(select(IndicatorValue).where(IndicatorValue.organisation_id.in_(org_ids)))
    upsert_values(session, principal, IndicatorValue, ("indicator_id", "organisation_id", "period"),
                  existing, rows, source, report)


def upsert_values(session: Session, principal: Principal, model: type[Any], key: tuple[str, ...],
                  existing: Iterable[Any], rows: list[dict[str, Any]], source: str, report: ImportReport) -> None:
    """Reported values (a `value` per `key`): new ones added, changed ones overwritten with
    who reported them and from where, the rest counted as unchanged."""
    known = {tuple(getattr(v, name) for name in key): v for v in existing}
    label = reporter_label(principal)
    for r in rows:
        obj = known.get(tuple(r[name] for name in key))
        if obj is None:
            session.add(model(**r, reported_by_id=principal.id, reported_by=label, source=source))
            report.created += 1
        elif obj.value != r["value"]:
            obj.value = r["value"]
            obj.reported_by_id, obj.reported_by, obj.source = principal.id, label, source
            report.updated += 1
        else:
            report.unchanged += 1


# ---- entry points -------------------------------------------------------------------


def require_reporter(principal: Principal) -> None:
    if principal is SYSTEM:
        return
    require(principal, "benchmark.report")
    if principal.role == Role.ORG_REPORTER and principal.organisation_id is None:
        raise Forbidden("your account is not linked to an organisation, so you cannot report")


def _validated(session: Session, principal: Principal, df: pd.DataFrame, *, filename: str,
               kind: str | None) -> tuple[ImportReport, list[dict[str, Any]]]:
    """The report so far and the rows to write, or ImportRejected naming each bad row and
    the column as the file names it."""
    require_reporter(principal)
    df, as_in_file, twice = _named_columns(df)
    kind = kind or detect_kind(df)
    if kind not in KINDS:
        raise ValidationFailed({"kind": Message("must be one of {values}", values=", ".join(KINDS))})
    report = ImportReport(kind=kind, filename=filename, rows=len(df))
    check = RowChecker(report)
    for header in twice:
        check.error(1, header, "repeats a column given before it")
    rows: list[dict[str, Any]] = []
    if check_columns(df, COLUMNS[kind], check):
        validate = _validate_adoption if kind == ADOPTION else _validate_indicators
        rows = validate(session, principal, df.fillna("").astype(str), check)
    if report.errors:
        report.errors = [replace(e, column=as_in_file.get(e.column, e.column)) for e in report.errors]
        raise ImportRejected(report)
    return report, rows


def import_frame(session: Session, principal: Principal, df: pd.DataFrame, *, filename: str,
                 kind: str | None = None) -> ImportReport:
    """Validate every row, then write all of them (or raise ImportRejected and write nothing)."""
    report, rows = _validated(session, principal, df, filename=filename, kind=kind)
    upsert = _upsert_adoption if report.kind == ADOPTION else _upsert_indicators
    upsert(session, principal, rows, f"import:{filename}"[:300], report)
    flush(session)  # a concurrent import of the same new rows: 409
    return report


def import_file(session: Session, principal: Principal, filename: str, content: bytes,
                kind: str | None = None) -> ImportReport:
    require_reporter(principal)
    return import_frame(session, principal, read_table(filename, content), filename=filename, kind=kind)


def _frame(records: list[dict[str, Any]]) -> pd.DataFrame:
    return pd.DataFrame([{k: "" if v is None else str(v) for k, v in r.items()} for r in records])


def record_errors(session: Session, principal: Principal, record: dict[str, Any], kind: str) -> dict[str, str]:
    """Why the import would refuse one record, by field; empty when it would take it."""
    try:
        _validated(session, principal, _frame([record]), filename="form", kind=kind)
    except ImportRejected as exc:
        return {e.column: e.reason for e in exc.report.errors}
    return {}


def import_records(session: Session, principal: Principal, records: list[dict[str, Any]], kind: str,
                   source: str = "api") -> ImportReport:
    """The same rules for JSON records (the API's single report); rows count from 1."""
    try:
        return import_frame(session, principal, _frame(records), filename=source, kind=kind)
    except ImportRejected as exc:
        if len(records) == 1:  # one record: name just the field
            errors = {e.column: e.reason for e in exc.report.errors}
            raise ValidationFailed(errors) from exc
        raise
