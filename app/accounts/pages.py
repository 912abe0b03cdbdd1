"""Logging in and out in the browser."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect, Template
from pydantic import BaseModel
from sqlalchemy.orm import Session

from app.accounts.browser import (
    KNOWN_BROWSER_COOKIE,
    WebSession,
    csrf_cookie,
    ended_session_cookie,
    known_browser_cookie,
    new_visitor_csrf_token,
    read_known_browser,
    session_cookie,
    session_csrf_token,
)
from app.accounts.ratelimit import LoginRateLimiter, client_key
from app.accounts.services import authenticate, end_session, start_session
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
        wait = limiter.retry_after(db, client)
        if wait is not None:  # checked before the password, so a right one is refused too
            msg = translations(language_of(request)).gettext(
                "Too many failed logins from your address. Wait %(seconds)s seconds and try again.")
            response = render(request, "accounts/login.html", status_code=429, next=_safe_next(data.next),
                              email=data.email, error=msg % {"seconds": wait})
            response.headers["Retry-After"] = str(wait)
            return response
        settings = request.app.state.settings
        browser = read_known_browser(settings.secret_key, request.cookies.get(KNOWN_BROWSER_COOKIE))
        # A known browser that keeps failing loses its exemption from the lock-out for a while.
        browser_limiter: LoginRateLimiter = request.app.state.known_browser_limiter
        known = browser.user_ids if browser and browser_limiter.retry_after(db, browser.nonce) is None else ()
        user = authenticate(db, data.email, data.password, known_user_ids=known)
        if user is None:
            limiter.record_failure(db, client)
            if browser:
                browser_limiter.record_failure(db, browser.nonce)
        db.commit()  # failed attempts must be counted even though we answer 400
        if user is None:
            msg = translations(language_of(request)).gettext(
                "Wrong e-mail or password, or the account is temporarily locked.")
            return render(request, "accounts/login.html", status_code=400, next=_safe_next(data.next),
                          email=data.email, error=msg)
        if isinstance(request.auth, WebSession):  # logging in again replaces the session
            end_session(db, request.auth.token)
        token = start_session(db, user)
        secure = settings.secure_cookies
        return Redirect(_safe_next(data.next), cookies=[
            session_cookie(token, secure),
            csrf_cookie(session_csrf_token(settings.secret_key, token), secure),
            known_browser_cookie(settings.secret_key, browser, user.id, secure)])

    @post("/logout")
    def logout(self, request: Request, db: Session) -> Redirect:
        if isinstance(request.auth, WebSession):
            end_session(db, request.auth.token)
        settings = request.app.state.settings
        return Redirect("/", cookies=[
            ended_session_cookie(settings.secure_cookies),
            csrf_cookie(new_visitor_csrf_token(settings.secret_key), settings.secure_cookies)])

