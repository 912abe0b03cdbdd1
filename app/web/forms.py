"""Forms of the HTML pages, parsed in one place.

A list page's filter form (ListForm) reads its query parameters leniently: a value the form
cannot send (an unknown choice, a word where an id goes) is left out rather than refused, as
a page should (the JSON API refuses it with a 400). The result is the service's own filter
dataclass plus the values the page shows in its form and carries in its pager links.
A posted form (form_values) becomes a plain dict for the pydantic input schemas; a typed
number (typed_number, typed_numbers) is read as Danish or English, whichever the page is in,
and so is a typed date (typed_date, typed_dates: "3.12.2026", "3. dec. 2026", "2026-12-03");
what cannot be read is refused with the reason, never changed into something else.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Generic, TypeVar

from babel.dates import format_date, get_month_names
from babel.numbers import NumberFormatError, format_decimal, parse_decimal
from litestar.datastructures import MultiDict

from app.messages import Message
from app.web.i18n import BABEL_LOCALES, LANGUAGES

F = TypeVar("F")
Parser = Callable[[str | None], Any]


def text(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


def integer(value: str | None) -> int | None:
    value = text(value)
    return int(value) if value and value.isascii() and value.isdigit() else None


def country(value: str | None) -> str | None:
    """A two-letter country code, as typed (the service compares in upper case)."""
    return (text(value) or "").upper()[:2] or None


def choice(allowed: Iterable[Any]) -> Parser:
    """One of the allowed values (enum members or strings), else nothing."""
    names = {str(v) for v in allowed}

    def parse(value: str | None) -> str | None:
        value = text(value)
        return value if value in names else None

    return parse


@dataclass(frozen=True)
class Listing(Generic[F]):
    filter: F
    sort: str | None
    values: dict[str, Any]  # as parsed, sort included: for the form and the pager links


@dataclass(frozen=True)
class ListForm(Generic[F]):
    """The filter form of the list page at `path`: its fields in the order its links carry
    them, each with its parser, and `make` to build the service's filter from them."""

    path: str
    make: Callable[..., F]
    fields: Mapping[str, Parser]
    sorts: Collection[str] = ()
    default_sort: str | None = None

    def parse(self, query: MultiDict[str]) -> Listing[F]:
        # A parameter sent twice counts with its last value, as a declared one would.
        values = {name: parse(_last(query, name)) for name, parse in self.fields.items()}
        flt = self.make(**values)
        if self.sorts:
            values["sort"] = choice(self.sorts)(_last(query, "sort"))
        return Listing(flt, values.get("sort") or self.default_sort, values)


def _last(query: MultiDict[str], name: str) -> str | None:
    values = query.getall(name, [])
    return values[-1] if values else None


class Unreadable(ValueError):
    """Typed text that is not a value of the field's kind we can store; ``message`` says why."""

    def __init__(self, message: Message) -> None:
        self.message = message
        super().__init__(message)


class NotANumber(Unreadable):
    """Typed text that is not a number we can store."""


# Spaces a person (or a copied figure) puts between thousands: space, no-break, thin, narrow.
_SPACES = str.maketrans("", "", " \u00a0\u2009\u202f")


def typed_number(text: str, lang: str) -> Decimal:
    """A number as a person types it on a page in `lang`: "1,5", "1.234,5" and "-3" on a
    Danish page, "1.5" and "1,234.5" on an English one. The page's own convention wins; a
    number that only makes sense in the other language ("1.5" on a Danish page: a point
    before fewer than three digits is no thousands separator) is read in that one. Raises
    NotANumber for anything else: letters, exponents, NaN, infinity, "1,2,3"."""
    cleaned = text.strip().replace("\u2212", "-").translate(_SPACES)
    if not cleaned or not all(ch.isdigit() or ch in ".,+-" for ch in cleaned) or not any(
            ch.isdigit() for ch in cleaned):
        raise NotANumber(Message("“{text}” is not a number", text=text.strip()))
    for language in (lang, *(other for other in LANGUAGES if other != lang)):
        try:
            return parse_decimal(cleaned, locale=BABEL_LOCALES[language], strict=True)
        except NumberFormatError:
            continue
    raise NotANumber(Message("“{text}” is not a number we can read: write e.g. 1,5 or 1.234,5",
                             text=text.strip()))


def number_text(value: Any, lang: str) -> str:
    """A stored number as a person on a page in `lang` types it ("1.234,5"), every digit
    kept, so that saving it again stores the same number; text is shown as it is."""
    if value is None or isinstance(value, str | bool):
        return "" if value is None else str(value)
    return format_decimal(Decimal(str(value)), format="#,##0.###", locale=BABEL_LOCALES[lang],
                          decimal_quantization=False)


def typed_numbers(values: dict[str, Any], names: tuple[str, ...],
                  lang: str) -> tuple[dict[str, Any], dict[str, Message]]:
    """`values` with each named field's typed text read as a number (empty stays empty), and
    {field: why} for those that are not numbers. `values` itself keeps the typed text, for
    the form to show again."""
    return _read_fields(values, names, lambda raw: typed_number(raw, lang))


def _read_fields(values: dict[str, Any], names: tuple[str, ...],
                 read: Callable[[str], Any]) -> tuple[dict[str, Any], dict[str, Message]]:
    parsed = dict(values)
    errors: dict[str, Message] = {}
    for name in names:
        raw = values.get(name)
        if isinstance(raw, str) and raw.strip():
            try:
                parsed[name] = read(raw)
            except Unreadable as exc:
                errors[name] = exc.message
    return parsed, errors


class NotADate(Unreadable):
    """Typed text that is not a whole calendar date."""


_NUMERIC_DATE = re.compile(r"(\d{1,2})[./-](\d{1,2})[./-](\d{4})")
_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_NAMED_DATE = re.compile(r"(\d{1,2})\.?\s+([^\W\d_]+)\.?\s+(\d{4})")
# How a stored date is written back into a field: day first, four-digit year, as typed.
_FIELD_PATTERNS = {"da": "dd.MM.yyyy", "en": "dd/MM/yyyy"}


def typed_date(text: str, lang: str) -> date:
    """A date as a person types it: day first ("3.12.2026", "03-12-2026", "3/12/2026"),
    with the month's name or its short form in Danish or English ("3. dec. 2026",
    "3 December 2026") or as ISO ("2026-12-03"). Raises NotADate for a half-typed date
    ("3.12"), a two-digit year and a day that is not in the calendar ("31.2.2026")."""
    cleaned = " ".join(text.split())
    day_month_year = _date_parts(cleaned)
    if day_month_year is None:
        raise NotADate(Message("“{text}” is not a whole date: write day, month and year, e.g. 3.12.2026",
                               text=cleaned))
    day, month, year = day_month_year
    try:
        return date(year, month, day)
    except ValueError:
        raise NotADate(Message("“{text}” is not a date in the calendar", text=cleaned)) from None


def _date_parts(text: str) -> tuple[int, int, int] | None:
    if match := _ISO_DATE.fullmatch(text):
        year, month, day = map(int, match.groups())
        return day, month, year
    if match := _NUMERIC_DATE.fullmatch(text):
        day, month, year = map(int, match.groups())
        return day, month, year
    if (match := _NAMED_DATE.fullmatch(text)) and (named := _month_number(match[2])):
        return int(match[1]), named, int(match[3])
    return None


def _month_number(name: str) -> int | None:
    wanted = name.lower().rstrip(".")
    for language in LANGUAGES:
        for width in ("wide", "abbreviated"):
            for number, month in get_month_names(width, locale=BABEL_LOCALES[language]).items():
                if month.lower().rstrip(".") == wanted:
                    return int(number)
    return None


def date_text(value: Any, lang: str) -> str:
    """A stored date as the page's date field shows it ("03.12.2026" on a Danish page),
    so that saving it again stores the same day; other text (a refused entry) as it is."""
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, date):
        return format_date(value, _FIELD_PATTERNS[lang], locale=BABEL_LOCALES[lang])
    return "" if value is None else str(value)


def typed_dates(values: dict[str, Any], names: tuple[str, ...],
                lang: str) -> tuple[dict[str, Any], dict[str, Message]]:
    """`values` with each named field's typed text read as a date (ISO, for the input
    schemas; empty stays empty), and {field: why} for those that are not dates."""
    return _read_fields(values, names, lambda raw: typed_date(raw, lang).isoformat())


def form_values(raw: dict[str, Any], lists: tuple[str, ...] = (),
                bools: tuple[str, ...] = ()) -> dict[str, Any]:
    """A posted form as a plain dict: checkbox groups and multi-selects become lists,
    unticked checkboxes become False."""
    data: dict[str, Any] = {}
    for key, value in raw.items():
        if key.startswith("_"):
            continue
        if key in lists:
            data[key] = [v for v in (value if isinstance(value, list) else [value]) if v != ""]
        else:
            data[key] = value[-1] if isinstance(value, list) else value
    for key in lists:
        data.setdefault(key, [])
    for key in bools:
        data[key] = str(data.get(key, "")).lower() in ("true", "on", "1", "yes")
    return data
