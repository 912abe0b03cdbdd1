"""Site-wide pages: the front page, the language switch (health: app.operations)."""

from __future__ import annotations

from litestar import Controller, Request
from litestar.response import Redirect, Template
from sqlalchemy.orm import Session

from app.catalogue import services as catalogue
from app.core.principal import Principal
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
