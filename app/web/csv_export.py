"""The one way the product writes CSV: every export goes through `csv_response`.

Spreadsheets run a cell that starts with `=`, `+`, `-` or `@` as a formula, and some
also after a leading tab or carriage return, so user text like `=HYPERLINK(...)` could
leak data or start programs on the reader's machine (OWASP "CSV injection"). A text cell
that starts with one of those characters gets an apostrophe in front, which spreadsheets
show as text. Numbers (int, float, Decimal) are written as numbers: -3 stays -3. Only text
is neutralised, so the string "-3" comes out as '-3; columns meant as numbers must be
passed as numbers. (defusedcsv covers neither tab nor CR and rewrites "|" inside values.)
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from litestar import Response

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """A value as it is safe to write: numbers as numbers, None as empty, text neutralised."""
    if value is None:
        return ""
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def csv_text(header: Sequence[str], rows: Iterable[Sequence[Any]], delimiter: str = ",") -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow([safe_cell(name) for name in header])
    writer.writerows([safe_cell(value) for value in row] for row in rows)
    return buffer.getvalue()


def csv_response(header: Sequence[str], rows: Iterable[Sequence[Any]], filename: str) -> Response[str]:
    """A CSV download; `filename` is ours (never user text), without the .csv."""
    return Response(csv_text(header, rows), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}.csv"'})
