"""Login, logout and who-am-I."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from litestar import Controller, Request
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect, Template
from pydantic import BaseModel
from sqlalchemy.orm import Session

from app.accounts.middleware import SESSION_KEY
from app.accounts.principal import Principal
from app.accounts.ratelimit import LoginRateLimiter, client_key
from app.accounts.services import authenticate, principal_of
from app.web.i18n import translations
from app.web.rendering import language_of, render
from app.web.routing import get, post


class LoginForm(BaseModel):
    email: str = ""
    password: str = ""
    next: str = "/"


def _safe_next(target: str) -> str:
    return target if target.startswith("/") and not target.startswith("//") else "/"


class LoginController(Controller):
    include_in_schema = False

    @get("/login")
    def login_page(self, request: Request, next: str = "/") -> Template:
        return render(request, "accounts/login.html", next=_safe_next(next), email="", error=None)

    @post("/login")
    def login(self, request: Request, db: Session,
              data: Annotated[LoginForm, Body(media_type=RequestEncodingType.URL_ENCODED)]) -> Any:
        limiter: LoginRateLimiter = request.app.state.login_limiter
        client = client_key(request)
        wait = limiter.retry_after(client)
        if wait is not None:  # checked before the password, so a right one is refused too
            msg = translations(language_of(request)).gettext(
                "Too many failed logins from your address. Wait %(seconds)s seconds and try again.")
            response = render(request, "accounts/login.html", status_code=429, next=_safe_next(data.next),
                              email=data.email, error=msg % {"seconds": wait})
            response.headers["Retry-After"] = str(wait)
            return response
        user = authenticate(db, data.email, data.password)
        db.commit()  # failed attempts must be counted even though we answer 400
        if user is None:
            limiter.record_failure(client)
            msg = ("Forkert e-mail eller adgangskode, eller kontoen er midlertidigt låst."
                   if language_of(request) == "da" else
                   "Wrong e-mail or password, or the account is temporarily locked.")
            return render(request, "accounts/login.html", status_code=400, next=_safe_next(data.next),
                          email=data.email, error=msg)
        request.set_session({SESSION_KEY: asdict(principal_of(user))})
        return Redirect(_safe_next(data.next))

    @post("/logout")
    def logout(self, request: Request) -> Redirect:
        request.clear_session()
        return Redirect("/")


class MeController(Controller):
    path = "/api/me"
    tags = ["accounts"]

    @get("/", summary="The caller's identity and role")
    def me(self, principal: Principal) -> dict[str, Any]:
        return {"authenticated": principal.is_authenticated, **asdict(principal)}
