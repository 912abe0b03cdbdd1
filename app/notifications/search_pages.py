"""The user's saved searches: GET /account/searches (open, rename, alerts on/off, delete),
saving the search page's current search (GET/POST /account/searches/new)."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request
from litestar.enums import MediaType, RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect, Template
from litestar.types import ControllerRouterHandler
from sqlalchemy.orm import Session

from app.core.principal import Principal
from app.errors import Unauthenticated, ValidationFailed
from app.notifications import saved_searches as svc
from app.notifications.pages import AccountSection
from app.search.backend import FACETS, SearchBackend
from app.web.forms import form_values
from app.web.pager import query_url
from app.web.rendering import render
from app.web.routing import get, post

FormBody = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
SEARCH_KEYS = ("q", "sort", *FACETS)
LIST = "/account/searches"


def _require_login(principal: Principal) -> None:
    if not principal.is_authenticated:
        raise Unauthenticated("log in to save searches")


def _hidden(params: dict[str, Any]) -> list[tuple[str, str]]:
    """The search's parameters as hidden form fields (a facet's values repeated)."""
    return [(key, str(v)) for key, value in params.items()
            for v in (value if isinstance(value, list) else [value])]


def _account_searches(db: Session, principal: Principal) -> dict[str, Any]:
    return {"searches": svc.list_mine(db, principal), "search_path": svc.search_path}


ACCOUNT_SECTION = AccountSection("saved_searches/_account_searches.html", _account_searches)


def _list_page(request: Request, db: Session, principal: Principal, status_code: int = 200,
               errors: dict[int, Any] | None = None) -> Template:
    return render(request, "saved_searches/page.html", status_code=status_code,
                  searches=svc.list_mine(db, principal), search_path=svc.search_path, errors=errors or {},
                  notice=request.query_params.get("done"))


def _new_page(request: Request, params: dict[str, Any], values: dict[str, Any],
              errors: dict[str, Any] | None = None, status_code: int = 200) -> Template:
    return render(request, "saved_searches/new.html", status_code=status_code, params=params,
                  hidden=_hidden(params), values=values, errors=errors or {},
                  back=query_url("/search", params))


class SavedSearchPages(Controller):
    path = LIST
    include_in_schema = False

    @get("/")
    def my_searches(self, request: Request, db: Session, principal: Principal) -> Template:
        return _list_page(request, db, principal)

    @get("/new")
    def new_search(self, request: Request, principal: Principal) -> Template:
        _require_login(principal)
        params = svc.clean_params({key: request.query_params.getall(key, []) for key in FACETS}
                                  | {key: request.query_params.get(key) for key in ("q", "sort")})
        return _new_page(request, params, {"name": params.get("q", ""), "alerts": True})

    @post("/new", media_type=MediaType.HTML)
    def save_search(self, request: Request, db: Session, principal: Principal, search: SearchBackend,
                    data: FormBody) -> Any:
        _require_login(principal)
        values = form_values(data, lists=FACETS, bools=("alerts",))
        params = svc.clean_params({key: values[key] for key in SEARCH_KEYS if values.get(key)})
        try:
            svc.save(db, principal, search, values.get("name"), params, values["alerts"])
        except ValidationFailed as exc:
            return _new_page(request, params, values, exc.errors, 400)
        return Redirect(f"{LIST}?done=saved", status_code=303)

    @post("/{search_id:int}/rename", media_type=MediaType.HTML)
    def rename_search(self, request: Request, db: Session, principal: Principal, search_id: int,
                      data: FormBody) -> Any:
        _require_login(principal)
        try:
            svc.rename(db, principal, search_id, form_values(data).get("name"))
        except ValidationFailed as exc:
            return _list_page(request, db, principal, 400, {search_id: exc.errors["name"]})
        return Redirect(f"{LIST}?done=renamed", status_code=303)

    @post("/{search_id:int}/alerts", media_type=MediaType.HTML)
    def switch_alerts(self, db: Session, principal: Principal, search: SearchBackend, search_id: int,
                      data: FormBody) -> Redirect:
        _require_login(principal)
        svc.set_alerts(db, principal, search, search_id, form_values(data, bools=("alerts",))["alerts"])
        return Redirect(f"{LIST}?done=alerts", status_code=303)

    @post("/{search_id:int}/delete", media_type=MediaType.HTML)
    def delete_search(self, db: Session, principal: Principal, search_id: int) -> Redirect:
        _require_login(principal)
        svc.delete(db, principal, search_id)
        return Redirect(f"{LIST}?done=deleted", status_code=303)


ROUTES: list[ControllerRouterHandler] = [SavedSearchPages]
