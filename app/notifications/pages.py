"""The user's own page ("Min side", /account) and its "Notifikationer" settings page.

Min side shows the account and then its sections: `app.state.account_sections`, each a
template and what it shows for the principal (None: the section is left out). Another
domain adds its own in create_app, so this page never imports it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from litestar import Controller, Request
from litestar.enums import MediaType, RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect, Template
from sqlalchemy.orm import Session

from app.core.principal import Principal
from app.errors import ValidationFailed
from app.notifications import preferences as svc
from app.notifications.kinds import KINDS
from app.web.rendering import render
from app.web.routing import get, post

FormBody = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]


@dataclass(frozen=True)
class AccountSection:
    template: str
    load: Callable[[Session, Principal], dict[str, Any] | None]


def _notifications(db: Session, principal: Principal) -> dict[str, Any]:
    return {"choices": svc.choices(db, principal), "kind_count": len(KINDS)}


def _failed_mail(db: Session, principal: Principal) -> dict[str, Any] | None:
    if not principal.can("users.manage"):
        return None
    items, total = svc.failed_mail(db, principal)
    return {"mails": items, "total": total, "kinds": KINDS}


NOTIFICATION_SECTIONS = (AccountSection("notifications/_account_notifications.html", _notifications),
                         AccountSection("notifications/_account_failed_mail.html", _failed_mail))


class AccountPages(Controller):
    path = "/account"
    include_in_schema = False

    @get("/")
    def account(self, request: Request, db: Session, principal: Principal) -> Template:
        user = svc.own_user(db, principal)
        sections: list[tuple[str, dict[str, Any]]] = []
        for section in request.app.state.account_sections:
            shown = section.load(db, principal)
            if shown is not None:
                sections.append((section.template, shown))
        return render(request, "notifications/account.html", user=user, sections=sections)

    @get("/notifications")
    def settings_page(self, request: Request, db: Session, principal: Principal, saved: bool = False) -> Template:
        return _settings(request, svc.choices(db, principal), saved=saved)

    @post("/notifications", media_type=MediaType.HTML)
    def save(self, request: Request, db: Session, principal: Principal, data: FormBody) -> Any:
        try:
            svc.save_choices(db, principal, data)
        except ValidationFailed as exc:
            db.rollback()
            kinds = data.get("kind", [])
            shown = svc.Choices(enabled=frozenset([kinds] if isinstance(kinds, str) else kinds),
                                delivery=str(data.get("delivery", "")), language=str(data.get("language", "")))
            return _settings(request, shown, errors=exc.errors, status_code=400)
        return Redirect("/account/notifications?saved=1", status_code=303)


def _settings(request: Request, choices: svc.Choices, saved: bool = False, errors: dict[str, str] | None = None,
              status_code: int = 200) -> Template:
    digest_hour = request.app.state.mail.digest_hour
    return render(request, "notifications/settings.html", status_code=status_code, choices=choices,
                  kinds=list(KINDS.values()), saved=saved, errors=errors or {}, digest_hour=digest_hour)


ROUTES = [AccountPages]
