"""Reading the benchmark's data as the DataFrames of metrics.py: organisations, adoption
(a fast path per database, checked against the plain loader), the prioritised solutions,
indicators, and the solution names the views show."""

from __future__ import annotations

import io
import os
import sqlite3
import threading
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from itertools import islice
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.benchmark import metrics as m
from app.benchmark.models import (
    AdoptionRecord,
    Indicator,
    IndicatorTarget,
    IndicatorValue,
    PrioritisedSolution,
)
from app.catalogue.models import Organisation, Solution
from app.catalogue.regions import regions_on
from app.catalogue.services import unpublished
from app.core import clock

BENCHMARK_KINDS = ("region", "municipality", "hospital")
ASSESSED_KINDS = BENCHMARK_KINDS


def load_organisations(session: Session, on: date | None = None) -> pd.DataFrame:
    """The benchmarked organisations as on a day (today by default): the regions valid then,
    and each municipality's and hospital's region on that day (regions.regions_on)."""
    regions = regions_on(session, on or clock.today())
    stmt = select(Organisation.id, Organisation.kind, Organisation.code, Organisation.name,
                  Organisation.name_en, Organisation.population).where(Organisation.kind.in_(BENCHMARK_KINDS))
    df = pd.read_sql(stmt, session.connection())
    df = df[(df["kind"] != "region") | df["id"].isin([r.id for r in regions.regions])].reset_index(drop=True)
    df.insert(5, "region_id", df["id"].map(regions.region_of).astype("Int64"))
    df["population"] = df["population"].astype(float)
    return df


ADOPTION_COLUMNS = ["organisation_id", "solution_id", "status", "effective_from", "end_date", "active_users",
                    "capacity_fte"]
CHUNK = 250_000  # rows of text per query (SQLite)
# one SQLite reader per core, at most four: each holds a chunk of text in memory
READER_THREADS = max(1, min(4, os.cpu_count() or 1))
_STATUS_CODE = ("CASE status " + " ".join(f"WHEN '{s}' THEN {i}" for i, s in enumerate(m.STATUSES))
                + f" ELSE {len(m.STATUSES)} END")  # unknown -> NaN, like pd.Categorical
_ORG_BITS, _SOL_BITS, _DAY_BITS = 21, 22, 17  # + 3 status bits = 63


def load_adoption_plain(session: Session, organisation_ids: Iterable[int] | None = None,
                        until: date | None = None, solution_ids: Iterable[int] | None = None) -> pd.DataFrame:
    """The straightforward loader (one Python object per value): the reference the fast one
    is tested against, and its fallback; also the quick read of a few solutions' history
    (the solution index finds them)."""
    table = AdoptionRecord.__table__
    stmt = select(*(table.c[c] for c in ADOPTION_COLUMNS))
    if organisation_ids is not None:
        stmt = stmt.where(table.c.organisation_id.in_([int(i) for i in organisation_ids]))
    if solution_ids is not None:
        stmt = stmt.where(table.c.solution_id.in_([int(i) for i in solution_ids]))
    if until is not None:
        stmt = stmt.where(table.c.effective_from <= until)
    df = pd.read_sql(stmt, session.connection())
    df["organisation_id"] = df["organisation_id"].astype("int64")
    df["solution_id"] = df["solution_id"].astype("int64")
    df["effective_from"] = pd.to_datetime(df["effective_from"]).astype("datetime64[ns]")
    df["end_date"] = pd.to_datetime(df["end_date"]).astype("datetime64[ns]")
    df["status"] = pd.Categorical(df["status"], categories=m.STATUSES)
    df["active_users"] = df["active_users"].astype(float)
    df["capacity_fte"] = df["capacity_fte"].astype(float)
    return df


def _where(organisation_ids: list[int] | None, until: date | None) -> list[str]:
    conditions = []
    if organisation_ids is not None:
        conditions.append("organisation_id IN (" + (",".join(str(int(i)) for i in organisation_ids) or "NULL") + ")")
    if until is not None:
        conditions.append(f"effective_from <= '{until.isoformat()}'")
    return conditions


def _to_datetime(days: np.ndarray) -> np.ndarray:
    """Float days since 1970 (NaN = none) -> datetime64[ns] (NaT)."""
    missing = np.isnan(days)
    out = np.where(missing, 0, days).astype("int64").astype("datetime64[D]").astype("datetime64[ns]")
    out[missing] = np.datetime64("NaT")
    return out


def _adoption_frame(org: np.ndarray, sol: np.ndarray, code: np.ndarray, day: np.ndarray, end: np.ndarray,
                    users: np.ndarray, fte: np.ndarray, key: np.ndarray | None = None) -> pd.DataFrame:
    """The adoption DataFrame of metrics.py from integer-coded columns, already in history
    order (organisation, solution, effective_from) so sort_history has nothing to do."""
    order = np.argsort(key) if key is not None else np.lexsort((day, sol, org))
    codes = code[order].astype("int8")
    codes[(codes < 0) | (codes >= len(m.STATUSES))] = -1
    return pd.DataFrame({  # copy=False: no block consolidation (one more copy of everything)
        "organisation_id": org[order].astype("int64"), "solution_id": sol[order].astype("int64"),
        "status": pd.Categorical.from_codes(codes, categories=pd.Index(m.STATUSES)),
        "effective_from": day[order].astype("int64").astype("datetime64[D]").astype("datetime64[ns]"),
        "end_date": _to_datetime(end[order]),
        "active_users": users[order].astype("float64"), "capacity_fte": fte[order].astype("float64")},
        copy=False)


def _sqlite_day(column: str) -> str:
    """A DATE column as days since 1970 (exact: dates are at midnight)."""
    if sqlite3.sqlite_version_info >= (3, 38):
        return f"(unixepoch({column}) / 86400)"
    return f"CAST(julianday({column}) - 2440587.5 AS INTEGER)"


def _load_sqlite(conn: Any, ids: list[int] | None, until: date | None) -> pd.DataFrame | None:
    """SQLite: one integer per row packs organisation, solution, effective day and status
    (sorting it sorts the history). SQLite itself writes each column of a chunk of ids as
    one text (group_concat; one per column: concatenating per row costs twice as much),
    which pandas' C reader parses. None when the values do not fit the packing."""
    low, high, max_org, max_sol, min_org, min_sol = conn.exec_driver_sql(
        "SELECT min(id), max(id), max(organisation_id), max(solution_id), min(organisation_id), "
        "min(solution_id) FROM benchmark_adoption").one()  # min/max of indexed columns: look-ups
    if low is None:
        return _empty_adoption()
    if min_org < 0 or min_sol < 0 or max_org >= 2**_ORG_BITS or max_sol >= 2**_SOL_BITS:
        return None
    day = _sqlite_day("effective_from")
    packed = (f"(organisation_id << {_SOL_BITS + _DAY_BITS + 3}) | (solution_id << {_DAY_BITS + 3}) "
              f"| ({day} << 3) | ({_STATUS_CODE})")
    if until is None or until.year >= 2300:  # days may not fit: check them per row
        packed = f"CASE WHEN {day} BETWEEN 0 AND {2**_DAY_BITS - 1} THEN {packed} ELSE -1 END"
    # (before 1970 the day is negative and so is the packed key: checked below)
    columns = [f"coalesce({packed}, -1)", f"coalesce({_sqlite_day('end_date')}, 'nan')",
               "coalesce(active_users, 'nan')", _FTE_MILLI]
    conditions = _where(ids, until)
    wheres = [" AND ".join([f"id BETWEEN {start} AND {start + CHUNK - 1}", *conditions])
              for start in range(int(low), int(high) + 1, CHUNK)]
    queries = [f"SELECT {', '.join(_concat(c) for c in columns)} FROM benchmark_adoption WHERE {w}" for w in wheres]
    parts: list[list[np.ndarray]] = [[], [], [], []]
    for where, texts in zip(wheres, _chunk_texts(conn, queries), strict=True):
        key_text, end_text, users_text, milli_text = texts
        del texts
        if key_text is None:
            continue  # no rows in this chunk
        if end_text is None or users_text is None or milli_text is None:
            return None  # cannot happen (every column is coalesced): the plain loader copes
        rows = key_text.count("\n") + 1
        values = [_parse_column(key_text, "int64"), _parse_column(end_text, "float64"),
                  _parse_column(users_text, "float64"), _fte_from_milli(conn, milli_text, where)]
        del key_text, end_text, users_text, milli_text  # only one chunk's text is alive at a time
        if any(len(v) != rows for v in values):
            return None  # something unexpected in the text: the plain loader copes
        for part, column in zip(parts, values, strict=True):
            part.append(column)
    if not parts[0]:
        return _empty_adoption()
    key, end, users, fte = (np.concatenate(p) for p in parts)
    if (key < 0).any():
        return None
    return _adoption_frame(key >> (_SOL_BITS + _DAY_BITS + 3), (key >> (_DAY_BITS + 3)) & (2**_SOL_BITS - 1),
                           key & 7, (key >> 3) & (2**_DAY_BITS - 1), end, users, fte, key=key)


def _chunk_texts(conn: Any, queries: list[str]) -> Iterator[tuple[str | None, ...]]:
    """The chunks' texts in order. Two reader connections run the queries side by side
    (sqlite3 releases the GIL while a statement runs, so SQLite's work takes both cores
    while this thread parses); the session's own connection is used when it holds
    uncommitted writes the readers could not see, or the database is not a file."""
    raw = conn.connection.dbapi_connection
    path = conn.engine.url.database
    if raw.in_transaction or not path or path == ":memory:" or len(queries) < 2:
        for query in queries:
            yield tuple(conn.exec_driver_sql(query).one())
        return
    local = threading.local()

    def run(query: str) -> tuple[str | None, ...]:
        if not hasattr(local, "db"):
            local.db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
            readers.append(local.db)
        return tuple(local.db.execute(query).fetchone())

    readers: list[sqlite3.Connection] = []
    try:
        with ThreadPoolExecutor(max_workers=READER_THREADS) as pool:
            waiting = iter(queries)  # at most READER_THREADS + 1 chunks' text alive at a time
            running = deque(pool.submit(run, q) for q in islice(waiting, READER_THREADS))
            while running:
                texts = running.popleft().result()
                running.extend(pool.submit(run, q) for q in islice(waiting, 1))
                yield texts
    finally:
        for reader in readers:
            reader.close()


# Capacity (FTE) in thousandths as an integer: SQLite writes and numpy reads integers much
# faster than floats. Exact: a value is sent this way only when thousandths give back the
# very same double (k / 1000.0 is the division SQLite checked); NULL and any other value
# get a sentinel, and a chunk holding the latter is read again as floats.
_FTE_NULL, _FTE_INEXACT = -(2**62), -(2**62) - 1
_FTE_MILLI = (f"CASE WHEN capacity_fte = 0 THEN 0 WHEN capacity_fte IS NULL THEN {_FTE_NULL} "  # 0: common, cheap
              "WHEN abs(capacity_fte) < 1e12 AND round(capacity_fte * 1000) / 1000.0 = capacity_fte "
              f"THEN CAST(round(capacity_fte * 1000) AS INTEGER) ELSE {_FTE_INEXACT} END")
# Plain float text would carry 15 significant digits; "%!.17g" gives back the exact double.
_FTE_FLOAT = "CASE WHEN capacity_fte IS NULL THEN 'nan' ELSE printf('%!.17g', capacity_fte) END"


def _concat(column: str) -> str:
    return f"group_concat({column}, '\n')"


def _fte_from_milli(conn: Any, milli_text: str, where: str) -> np.ndarray:
    milli = _parse_column(milli_text, "int64")
    if (milli == _FTE_INEXACT).any():
        exact = conn.exec_driver_sql(f"SELECT {_concat(_FTE_FLOAT)} FROM benchmark_adoption WHERE {where}").scalar()
        return _parse_column(exact, "float64")
    fte = milli / 1000.0
    fte[milli == _FTE_NULL] = np.nan
    return fte


def _parse_column(text_column: str, dtype: str) -> np.ndarray:
    """One number per line (no line is empty: NULL is 'nan'). numpy's parser is the fastest
    for integers, pandas' C reader for floats."""
    if dtype == "int64":
        return np.fromstring(text_column, dtype="int64", sep="\n")
    return pd.read_csv(io.StringIO(text_column), header=None, names=["v"], dtype={"v": "float64"},
                       engine="c")["v"].to_numpy()


def _empty_adoption() -> pd.DataFrame:
    return _adoption_frame(*(np.zeros(0, dtype="int64") for _ in range(4)),
                           *(np.zeros(0, dtype="float64") for _ in range(3)))


def _load_postgresql(conn: Any, ids: list[int] | None, until: date | None) -> pd.DataFrame | None:
    """PostgreSQL: COPY ... TO STDOUT of integer-coded columns (status code, dates as days)."""
    cursor = conn.connection.dbapi_connection.cursor()
    if not hasattr(cursor, "copy"):
        return None
    conditions = _where(ids, until)
    where = (" WHERE " + " AND ".join(conditions)) if conditions else ""
    sql = (f"SELECT organisation_id, solution_id, {_STATUS_CODE}, effective_from - DATE '1970-01-01', "
           f"end_date - DATE '1970-01-01', active_users, capacity_fte FROM benchmark_adoption{where}")
    with cursor as cur, cur.copy(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)") as copy:
        data = b"".join(bytes(chunk) for chunk in copy)
    if not data:
        return _empty_adoption()
    df = pd.read_csv(io.BytesIO(data), header=None, names=["org", "sol", "code", "day", "end", "users", "fte"],
                     dtype={"org": "int64", "sol": "int64", "code": "int64", "day": "int64", "end": "float64",
                            "users": "float64", "fte": "float64"}, engine="c")
    del data
    cols = {c: df[c].to_numpy() for c in df.columns}
    key = m.packed_key(cols["org"], cols["sol"], cols["day"])
    return _adoption_frame(cols["org"], cols["sol"], cols["code"], cols["day"], cols["end"], cols["users"],
                           cols["fte"], key=key)


def load_adoption(session: Session, organisation_ids: Iterable[int] | None = None,
                  until: date | None = None) -> pd.DataFrame:
    """The adoption rows (effective on or before `until`, if given) as the DataFrame of
    metrics.py, fast and already sorted: integer-coded columns (status code, dates as day
    numbers) read as CSV text by pandas' C reader instead of one Python object per value.
    Falls back to load_adoption_plain (same result) where that is not possible."""
    conn = session.connection()
    ids = None if organisation_ids is None else list(organisation_ids)
    out = None
    if conn.dialect.name == "sqlite":
        out = _load_sqlite(conn, ids, until)
    elif conn.dialect.name == "postgresql":
        out = _load_postgresql(conn, ids, until)
    return out if out is not None else m.sort_history(load_adoption_plain(session, ids, until))


def relevant_solutions(session: Session, *, include_assessed: bool = True,
                       approved_solution_ids: Iterable[int] = ()) -> pd.DataFrame:
    """The metric's "nationally prioritised/approved" set: solutions flagged prioritised
    (with the kinds they are relevant to), plus those with a completed assessment and any
    approved ones (relevant to regions, municipalities and hospitals)."""
    rows = [(p.solution_id, kind.strip()) for p in session.scalars(select(PrioritisedSolution))
            for kind in p.relevant_kinds.split(",") if kind.strip()]
    extra = set(approved_solution_ids)
    if include_assessed:
        from app.assessment.models import Assessment

        extra |= set(session.scalars(select(Assessment.solution_id).where(Assessment.status == "completed")))
    flagged = {sid for sid, _ in rows}
    rows += [(sid, kind) for sid in extra - flagged for kind in ASSESSED_KINDS]
    return pd.DataFrame(rows, columns=["solution_id", "kind"]).astype({"solution_id": "int64"})


def load_indicators(session: Session) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    conn = session.connection()
    indicators = pd.read_sql(select(Indicator.id, Indicator.code, Indicator.name_da, Indicator.name_en,
                                    Indicator.unit, Indicator.direction, Indicator.applies_to), conn)
    targets = pd.read_sql(select(IndicatorTarget.indicator_id, IndicatorTarget.year, IndicatorTarget.target), conn)
    values = pd.read_sql(select(IndicatorValue.indicator_id, IndicatorValue.organisation_id,
                                IndicatorValue.period, IndicatorValue.value), conn)
    return indicators, targets, values


def solution_names(session: Session, ids: Iterable[int]) -> dict[int, tuple[str, str]]:
    """Solution id -> (slug, name)."""
    ids = [int(i) for i in ids]
    out: dict[int, tuple[str, str]] = {}
    for start in range(0, len(ids), 500):
        for sid, slug, name in session.execute(select(Solution.id, Solution.slug, Solution.name).where(
                Solution.id.in_(ids[start:start + 500]))):
            out[sid] = (slug, name)
    return out


def _unpublished_ids(session: Session) -> list[int]:
    return list(session.scalars(select(Solution.id).where(unpublished())))


def without_unpublished(session: Session, adoption: pd.DataFrame,
                        relevant: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The benchmark's figures are public, so they count only the solutions everyone may
    see: adoption reported for an unpublished solution counts once it is published."""
    hidden = _unpublished_ids(session)
    if not hidden:
        return adoption, relevant
    return (adoption[~adoption["solution_id"].isin(hidden)],
            relevant[~relevant["solution_id"].isin(hidden)].reset_index(drop=True))
