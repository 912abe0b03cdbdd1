"""Forms of the HTML pages, parsed in one place.

A list page's filter form (ListForm) reads its query parameters leniently: a value the form
cannot send (an unknown choice, a word where an id goes) is left out rather than refused, as
a page should (the JSON API refuses it with a 400). The result is the service's own filter
dataclass plus the values the page shows in its form and carries in its pager links.
A posted form (form_values) becomes a plain dict for the pydantic input schemas.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from litestar.datastructures import MultiDict

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


def form_values(raw: dict[str, Any], lists: tuple[str, ...] = (), bools: tuple[str, ...] = (),
                decimals: tuple[str, ...] = ()) -> dict[str, Any]:
    """A posted form as a plain dict: checkbox groups and multi-selects become lists,
    unticked checkboxes become False, a decimal comma becomes a point."""
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
    for key in decimals:
        if isinstance(data.get(key), str):
            data[key] = data[key].strip().replace(",", ".")
    return data
