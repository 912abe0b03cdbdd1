"""Long IN (...) lists go to the database in pieces: SQLite before 3.32 takes at most 999
bound parameters in one statement."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TypeVar

T = TypeVar("T")

IN_LIST_CHUNK = 900  # values per IN list, with room left for the statement's other parameters


def chunked(values: Sequence[T], size: int = IN_LIST_CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(values), size):
        yield values[start:start + size]
