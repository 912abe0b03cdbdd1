"""Site-wide pages: the front page, the language switch, health."""

from __future__ import annotations

from typing import Any

import litestar
from anyio import fail_after, to_thread
from litestar import Controller, Request
from litestar.exceptions import ServiceUnavailableException
from litestar.response import Redirect, Template
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from app.catalogue import services as catalogue
from app.core.principal import Principal
from app.search.backend import SearchBackend
from app.web import capacity
from app.web.i18n import LANGUAGES
from app.web.rendering import LANG_COOKIE, render
from app.web.routing import get


class SiteController(Controller):
    include_in_schema = False

    @get("/")
    def home(self, request: Request, db: Session, principal: Principal) -> Template:
        return render(request, "home.html", counts=catalogue.counts(db, principal))

    @get("/lang/{code:str}")
    def switch_language(self, request: Request, code: str, next: str = "/") -> Redirect:
        target = next if next.startswith("/") and not next.startswith("//") else "/"
        response = Redirect(target)
        if code in LANGUAGES:
            response.set_cookie(LANG_COOKIE, code, max_age=365 * 24 * 3600, samesite="lax",
                                httponly=True)
        return response


HEALTH_TIMEOUT = 2.0  # seconds; the health engine's own waits are shorter (app.main)


def _ping(engine: Engine) -> None:
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))


@litestar.get("/health", tags=["system"], summary="Database and search backend in use")
async def health(request: Request, search: SearchBackend) -> dict[str, Any]:
    """Answered beside the request queue, on its own engine and threads: a burst that
    fills the worker threads and their connections does not make it fail; a database that
    does not answer within the bound does (503 with Retry-After)."""
    turns = capacity.of(request.scope)
    try:
        with fail_after(HEALTH_TIMEOUT):
            await to_thread.run_sync(_ping, request.app.state.health_engine, limiter=turns.health,
                                     abandon_on_cancel=True)
    except TimeoutError:
        raise ServiceUnavailableException(detail="the database did not answer in time",
                                          headers={"Retry-After": turns.retry_after}) from None
    settings = request.app.state.settings
    return {
        "status": "ok",
        "database": settings.database_kind,
        "search_backend": search.name,
    }
