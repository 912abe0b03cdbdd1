"""The pager of every list page: links to the previous and next page that keep the filters."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol
from urllib.parse import urlencode

from app.core.pagination import PageRequest

DEFAULT_LIMIT = PageRequest().limit


class Window(Protocol):
    @property
    def limit(self) -> int: ...

    @property
    def offset(self) -> int: ...


def query_url(path: str, params: Mapping[str, Any]) -> str:
    """path?params without the empty ones; a list is sent as the parameter repeated."""
    pairs = [(key, str(v)) for key, value in params.items()
             for v in (value if isinstance(value, list | tuple) else [value]) if v not in (None, "")]
    return f"{path}?{urlencode(pairs)}" if pairs else path


def pager(path: str, params: Mapping[str, Any], window: Window, total: int,
          default_limit: int = DEFAULT_LIMIT) -> dict[str, Any]:
    """What macros/lists.html pagination shows: the rows on this page, and prev/next links
    carrying the filters `params` (and the page size, when it is not the default)."""
    limit, offset = window.limit, window.offset

    def url(to: int) -> str:
        return query_url(path, {**params, "offset": to or None,
                                "limit": limit if limit != default_limit else None})

    return {
        "total": total,
        "first": offset + 1 if total else 0,
        "last": min(offset + limit, total),
        "prev_url": url(max(offset - limit, 0)) if offset > 0 else None,
        "next_url": url(offset + limit) if offset + limit < total else None,
    }
