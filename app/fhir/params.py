"""FHIR search parameters: the query string of a search, checked and parsed, or a FhirError
naming the parameter. Pure: no database, no request object."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from app.approvals import lifecycle as lc
from app.fhir.conformance import (
    INCLUDES,
    JSON_FORMATS,
    OTHER_FORMATS,
    RESULT_PARAMETERS,
    STRING_MODIFIERS,
    parameter_names,
)
from app.fhir.outcome import FhirError

DEFAULT_COUNT = 20
MAX_COUNT = 200
MAX_VALUE_LENGTH = 400

_DATE_TIME = re.compile(
    r"^(?P<prefix>eq|ne|gt|lt|ge|le|sa|eb|ap)?(?P<year>\d{4})(?:-(?P<month>\d{2})(?:-(?P<day>\d{2})"
    r"(?:T(?P<hour>\d{2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:\.(?P<fraction>\d{1,9}))?)?"
    r"(?P<zone>Z|[+-]\d{2}:\d{2}))?)?)?$")
_CURSOR = re.compile(r"^(\d{1,18})-(\d{1,18})$")


def invalid(parameter: str, why: str) -> FhirError:
    return FhirError(400, "invalid", f"{parameter}: {why}", parameter)


@dataclass(frozen=True)
class Token:
    system: str | None  # None: any system
    value: str


@dataclass(frozen=True)
class Bound:
    """One _lastUpdated comparison: the instant compared with, and whether it is '>=' or '<'."""

    at: datetime
    at_or_after: bool


@dataclass(frozen=True)
class Criterion:
    """One search parameter of the query: its name, modifier and values (any of which matches)."""

    name: str
    modifier: str | None
    values: tuple[str, ...]


@dataclass(frozen=True)
class Cursor:
    """Where the last page ended in (lastUpdated, id) order."""

    after: datetime
    after_id: int

    def text(self) -> str:
        micros = (self.after - EPOCH) // timedelta(microseconds=1)
        return f"{micros}-{self.after_id}"


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Search:
    resource: str
    criteria: tuple[Criterion, ...] = ()
    last_updated: tuple[Bound, ...] = ()
    count: int = DEFAULT_COUNT
    cursor: Cursor | None = None
    includes: frozenset[str] = field(default_factory=frozenset)


def check_format(values: Iterable[str], accept: str | None) -> None:
    """_format (or, without it, the Accept header) must allow JSON: 406 for another FHIR
    format, 400 for a value that is no format at all."""
    for value in values:
        fmt = value.strip().lower()
        if fmt in JSON_FORMATS:
            continue
        if fmt in OTHER_FORMATS:
            raise FhirError(406, "not-supported", f"_format: {value} is not served; use json", "_format")
        raise invalid("_format", "one of json, application/json, application/fhir+json")
    if accept and not values:
        kinds = {part.split(";")[0].strip().lower() for part in accept.split(",")}
        if not kinds & {"*/*", "application/*", "application/json", "application/fhir+json", ""}:
            raise FhirError(406, "not-supported", f"Accept: {accept[:80]} is not served; use application/fhir+json")


def parse_search(resource: str, items: Iterable[tuple[str, str]]) -> Search:
    """The search of `resource` the query string's (name, value) pairs ask for."""
    allowed = parameter_names(resource)
    criteria: list[Criterion] = []
    bounds: list[Bound] = []
    result: dict[str, list[str]] = {}
    for raw_name, value in items:
        name, _, modifier = raw_name.partition(":")
        if len(value) > MAX_VALUE_LENGTH:
            raise invalid(raw_name, f"longer than {MAX_VALUE_LENGTH} characters")
        if name in RESULT_PARAMETERS and not modifier:
            result.setdefault(name, []).append(value)
        elif name not in allowed:
            raise FhirError(400, "not-supported", f"{raw_name}: unknown search parameter of {resource}; "
                            f"known: {', '.join(sorted(allowed | RESULT_PARAMETERS))}", raw_name)
        elif name == "_lastUpdated":
            if modifier:
                raise invalid(raw_name, "takes no modifier")
            bounds.extend(parse_date_bounds(value, raw_name))
        else:
            criteria.append(_criterion(resource, name, modifier or None, value, raw_name))
    return Search(resource=resource, criteria=tuple(criteria), last_updated=tuple(bounds),
                  count=_count(result.get("_count", [])), cursor=_cursor(result.get("_cursor", [])),
                  includes=_includes(resource, result.get("_include", [])))


def _criterion(resource: str, name: str, modifier: str | None, value: str, raw_name: str) -> Criterion:
    if modifier is not None and not (name == "name" and modifier in STRING_MODIFIERS):
        raise invalid(raw_name, f"the modifier :{modifier} is not supported"
                      + ("; name takes :contains or :exact" if name == "name" else ""))
    values = tuple(v for v in split_values(value) if v)
    if not values:
        raise invalid(raw_name, "a value is required")
    if name == "status":
        unknown = [v for v in values if v not in lc.REGISTER_STATUSES]
        if unknown:
            raise invalid(raw_name, f"{unknown[0]} is not an approval status; one of {', '.join(lc.REGISTER_STATUSES)}")
    return Criterion(name, modifier, values)


def split_values(value: str) -> list[str]:
    """A parameter's comma-separated values (any of which matches); "\\," is a literal comma."""
    parts = re.split(r"(?<!\\),", value)
    return [p.replace("\\,", ",").strip() for p in parts]


def token(value: str) -> Token:
    """"system|value", "|value" (no system) or "value" (any system)."""
    if "|" not in value:
        return Token(None, value)
    system, _, code = value.partition("|")
    return Token(system, code)


def parse_date_bounds(value: str, parameter: str = "_lastUpdated") -> list[Bound]:
    """A FHIR date search value (prefix and a dateTime of any precision) as comparisons with
    the range it names: eq = within it, ge/gt = from its start/end, le/lt = before its end/start."""
    match = _DATE_TIME.match(value.strip())
    if not match:
        raise invalid(parameter, "a date or time such as ge2026-12-04 or gt2026-12-04T10:00:00Z "
                                 "(prefixes eq, gt, ge, lt, le; a time needs its time zone)")
    prefix = match["prefix"] or "eq"
    if prefix not in {"eq", "gt", "ge", "lt", "le"}:
        raise invalid(parameter, f"the prefix {prefix} is not supported; use eq, gt, ge, lt or le")
    try:
        start, end = _range(match)
    except ValueError as exc:
        raise invalid(parameter, f"{value} is not a date ({exc})") from None
    return {"eq": [Bound(start, True), Bound(end, False)], "ge": [Bound(start, True)],
            "gt": [Bound(end, True)], "lt": [Bound(start, False)], "le": [Bound(end, False)]}[prefix]


def _range(m: re.Match[str]) -> tuple[datetime, datetime]:
    """The instants [start, end) a dateTime of the given precision covers (UTC without a zone)."""
    year = int(m["year"])
    if m["month"] is None:
        return datetime(year, 1, 1, tzinfo=UTC), datetime(year + 1, 1, 1, tzinfo=UTC)
    month = int(m["month"])
    start = datetime(year, month, 1, tzinfo=UTC)
    if m["day"] is None:
        return start, datetime(year + month // 12, month % 12 + 1, 1, tzinfo=UTC)
    start = start.replace(day=int(m["day"]))
    if m["hour"] is None:
        return start, start + timedelta(days=1)
    zone = UTC if m["zone"] == "Z" else datetime.strptime(m["zone"], "%z").tzinfo
    start = datetime(year, month, int(m["day"]), int(m["hour"]), int(m["minute"]), tzinfo=zone)
    if m["second"] is None:
        return start.astimezone(UTC), (start + timedelta(minutes=1)).astimezone(UTC)
    start = start.replace(second=int(m["second"]))
    if m["fraction"] is None:
        return start.astimezone(UTC), (start + timedelta(seconds=1)).astimezone(UTC)
    digits = m["fraction"][:6]
    start = start.replace(microsecond=int(digits.ljust(6, "0")))
    return start.astimezone(UTC), (start + timedelta(microseconds=10 ** (6 - len(digits)))).astimezone(UTC)


def _count(values: list[str]) -> int:
    if not values:
        return DEFAULT_COUNT
    if len(values) > 1:
        raise invalid("_count", "give it once")
    if not values[0].isascii() or not values[0].isdigit() or int(values[0]) > MAX_COUNT:
        raise invalid("_count", f"a whole number from 0 to {MAX_COUNT}")
    return int(values[0])


def _cursor(values: list[str]) -> Cursor | None:
    if not values:
        return None
    match = _CURSOR.match(values[0]) if len(values) == 1 else None
    if not match:
        raise invalid("_cursor", "not a cursor this server wrote; follow the Bundle's next link")
    try:
        after = EPOCH + timedelta(microseconds=int(match[1]))
    except OverflowError:
        raise invalid("_cursor", "not a cursor this server wrote; follow the Bundle's next link") from None
    return Cursor(after, int(match[2]))


def _includes(resource: str, values: list[str]) -> frozenset[str]:
    known = INCLUDES.get(resource, frozenset())
    for value in values:
        if value not in known:
            raise invalid("_include", f"{value} is not supported; "
                          + (f"one of {', '.join(sorted(known))}" if known else f"{resource} has none"))
    return frozenset(values)
