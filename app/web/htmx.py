"""HTMX in one place: whether a request wants a fragment, and the header that keeps caches
from answering one with the other."""

from __future__ import annotations

from litestar import Request
from litestar.response import Template

# A page and its fragment share a URL; they differ by this header (and by who is logged in).
VARY = "HX-Request, Cookie"


def is_htmx(request: Request) -> bool:
    """An HTMX request for a fragment (a history restore wants the whole page)."""
    return (request.headers.get("hx-request") == "true"
            and request.headers.get("hx-history-restore-request") != "true")


def template_for(request: Request, page: str, fragment: str) -> tuple[str, bool]:
    """The template to answer with (the fragment for HTMX) and whether it is the fragment."""
    partial = is_htmx(request)
    return (fragment if partial else page), partial


def vary(response: Template) -> Template:
    response.headers["Vary"] = VARY
    return response
