"""Admin pages of the framework library (app.assessment.library): the versions in use and
every upload, the upload form, and an upload's diff with "Udgiv" (publish) and "Kassér"
(discard). The same service as the JSON API (framework_api)."""

from __future__ import annotations

import re
from typing import Annotated, Any

from litestar import Controller, MediaType, Request
from litestar.enums import RequestEncodingType
from litestar.exceptions import HTTPException
from litestar.params import Body
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_413_REQUEST_ENTITY_TOO_LARGE
from litestar.types import ControllerRouterHandler
from sqlalchemy.orm import Session

from app.assessment import library
from app.assessment.framework_api import upload_file
from app.core.principal import ANONYMOUS_PRINCIPAL, Principal, require
from app.errors import Conflict, DomainError, Unauthenticated, ValidationFailed
from app.messages import Message, message_of, translate
from app.web import errors as error_pages
from app.web.i18n import translations
from app.web.rendering import language_of, render
from app.web.routing import get, post

UploadBody = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)]
FormBody = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
BASE = "/admin/frameworks"


def _t(lang: str) -> Any:
    def t(obj: dict[str, Any], field: str) -> str:
        return obj.get(f"{field}_{lang}") or obj.get(f"{field}_da") or ""
    return t


_PART = re.compile(r"^(\w+)\[(\d+)\]$")


def _field_text(lang: str) -> Any:
    """A path in a framework ("options[1].label_da") in words: msgids "framework-field:NAME"."""
    gettext = translations(lang).gettext

    def name(part: str) -> str:
        text = gettext(f"framework-field:{part}")
        return part.replace("_", " ") if text.startswith("framework-field:") else text

    def field_text(path: str) -> str:
        words = []
        for part in path.split("."):
            match = _PART.match(part)
            words.append(f"{name(match[1])} {int(match[2]) + 1}" if match else name(part))
        return " › ".join(words)
    return field_text


def _messages(exc: DomainError, lang: str) -> tuple[str, list[tuple[str, str]]]:
    """The headline in the page's language, and the other places in the file with their problems."""
    gettext = translations(lang).gettext
    if isinstance(exc, ValidationFailed):
        others = [(path, str(problem)) for path, problem in exc.errors.items() if path != "file"]
        return translate(exc.errors.get("file") or next(iter(exc.errors.values())), gettext), others
    return translate(message_of(exc), gettext), []


def _index(request: Request, db: Session, principal: Principal, framework_library: library.FrameworkLibrary,
           status_code: int = 200, error: DomainError | None = None) -> Template:
    lang = language_of(request)
    rows = library.uploads(db, principal)
    headline, issues = _messages(error, lang) if error else ("", [])
    return render(request, "assessment/library.html", status_code=status_code,
                  versions=library.versions(db, principal, framework_library), uploads=rows,
                  replaced=library.replaced(rows, framework_library.current(db)[1]), t=_t(lang),
                  error=headline, issues=issues, max_kb=library.MAX_KB)


def _detail(request: Request, db: Session, principal: Principal, upload_id: int, status_code: int = 200,
            error: DomainError | None = None) -> Template:
    row = library.upload_for(db, principal, upload_id)
    lang = language_of(request)
    return render(request, "assessment/library_upload.html", status_code=status_code, row=row, diff=row.diff,
                  t=_t(lang), field_text=_field_text(lang), error=_messages(error, lang)[0] if error else "")


def _too_large(request: Request, exc: HTTPException) -> Any:
    """Refused before it was read (so before its CSRF token was checked)."""
    if not request.scope.get("user", ANONYMOUS_PRINCIPAL).is_authenticated:
        return error_pages.domain_error_handler(request, Unauthenticated("log in to upload a framework"))
    reason = Message("the file is larger than {kb} kB", kb=library.MAX_KB)
    return render(request, "assessment/library_too_large.html", status_code=exc.status_code,
                  reason=reason.in_language(translations(language_of(request)).gettext))


class FrameworkLibraryPages(Controller):
    path = BASE
    include_in_schema = False

    @get("/")
    def index(self, request: Request, db: Session, principal: Principal,
              framework_library: library.FrameworkLibrary) -> Template:
        return _index(request, db, principal, framework_library)

    @post("/uploads", request_max_body_size=library.MAX_REQUEST_BYTES, media_type=MediaType.HTML,
          exception_handlers={HTTP_413_REQUEST_ENTITY_TOO_LARGE: _too_large})
    def upload(self, request: Request, db: Session, principal: Principal,
               framework_library: library.FrameworkLibrary, data: UploadBody) -> Any:
        require(principal, "framework.manage")
        try:
            row = library.upload(db, principal, framework_library, *upload_file(data))
        except ValidationFailed as exc:
            db.rollback()
            return _index(request, db, principal, framework_library, 400, exc)
        return Redirect(f"{BASE}/uploads/{row.id}")

    @get("/uploads/{upload_id:int}")
    def detail(self, request: Request, db: Session, principal: Principal, upload_id: int) -> Template:
        return _detail(request, db, principal, upload_id)

    @post("/uploads/{upload_id:int}/publish")
    def publish(self, request: Request, db: Session, principal: Principal,
                framework_library: library.FrameworkLibrary, upload_id: int, data: FormBody) -> Any:
        require(principal, "framework.manage")
        try:
            library.publish(db, principal, framework_library, upload_id, _version(data))
        except Conflict as exc:
            db.rollback()
            return _detail(request, db, principal, upload_id, exc.status_code, exc)
        return Redirect(f"{BASE}/uploads/{upload_id}")

    @post("/uploads/{upload_id:int}/discard")
    def discard(self, request: Request, db: Session, principal: Principal, upload_id: int,
                data: FormBody) -> Any:
        require(principal, "framework.manage")
        try:
            library.discard(db, principal, upload_id, _version(data))
        except Conflict as exc:
            db.rollback()
            return _detail(request, db, principal, upload_id, exc.status_code, exc)
        return Redirect(f"{BASE}/uploads/{upload_id}")


def _version(data: dict[str, Any]) -> int | None:
    raw = data.get("version")
    text = str(raw[-1] if isinstance(raw, list) else raw or "").strip()
    return int(text) if text.isascii() and text.isdigit() else None


ROUTES: list[ControllerRouterHandler] = [FrameworkLibraryPages]
