"""HTML pages of the catalogue (Jinja + HTMX) over the same services as the API."""

from __future__ import annotations

ROUTES: list[object] = []
