"""Helpers shared by every HTML page: the template context and form handling."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from litestar import Request
from litestar.response import Template
from markupsafe import Markup, escape
from pydantic import BaseModel, ValidationError

from app.core.principal import ANONYMOUS_PRINCIPAL
from app.messages import Message, translate
from app.web.forms import date_text
from app.web.i18n import country_name, day, field_label, file_size, number, pick_language, translations, written

LANG_COOKIE = "lang"
ModelT = TypeVar("ModelT", bound=BaseModel)


def language_of(request: Request) -> str:
    return pick_language(request.query_params.get("lang") or request.cookies.get(LANG_COOKIE),
                         request.app.state.settings.default_language)


def page_context(request: Request) -> dict[str, Any]:
    lang = language_of(request)
    tr = translations(lang)
    return {
        "lang": lang,
        # Translates plain msgids and Messages (msgid + values) alike.
        "_": lambda text: translate(text, tr.gettext, written(lang)),
        "_coded": lambda text: coded(text, tr.gettext, written(lang)),
        "ngettext": tr.ngettext,
        "fmt_number": lambda v, digits=1: number(v, lang, digits),
        "fmt_date": lambda v: day(v, lang),
        "fmt_size": lambda v: file_size(v, lang),
        # A date as its form field shows it, ready to be saved again ("03.12.2026").
        "date_text": lambda v: date_text(v, lang),
        "field_label": lambda name: field_label(name, lang),
        "country_name": lambda code: country_name(code, lang),
        # Requests that match no route never pass the auth middleware.
        "principal": request.scope.get("user", ANONYMOUS_PRINCIPAL),
        "current_path": request.url.path,
        "current_query": request.url.query,
    }


def coded(text: Any, gettext: Callable[[str], str], shown: Callable[[Any], Any]) -> Markup:
    """A Message translated with the values it quotes (what a file or a form said: codes,
    names, numbers) marked as <code>; any other text translated as `_` does."""
    if type(text) is not Message:  # a Term is a label, plain text a msgid
        return escape(translate(text, gettext, shown))
    params = {key: escape(value.in_language(gettext, shown)) if isinstance(value, Message)
              else Markup("<code>{}</code>").format(shown(value)) for key, value in text.params.items()}
    try:
        return escape(gettext(text.msgid)).format(**params)
    except (KeyError, IndexError, ValueError):
        return escape(text.msgid).format(**params)


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> Template:
    return Template(template_name=template, context=page_context(request) | context,
                    status_code=status_code)


def field_errors(exc: ValidationError, lang: str) -> dict[str, str]:
    """{field: reason}: the catalogue's wording of pydantic's error type (msgid
    "form-error:<type>"), else pydantic's own message."""
    gettext = translations(lang).gettext
    errors: dict[str, str] = {}
    for err in exc.errors():
        field = str(err["loc"][0]) if err["loc"] else "__all__"
        msgid = f"form-error:{err['type']}"
        worded = gettext(msgid)
        errors.setdefault(field, err["msg"].removeprefix("Value error, ") if worded == msgid else worded)
    return errors


def validate_form(model: type[ModelT], data: dict[str, Any],
                  lang: str) -> tuple[ModelT | None, dict[str, str]]:
    try:
        return model.model_validate(data), {}
    except ValidationError as exc:
        return None, field_errors(exc, lang)
