"""JSON API of the framework library (app.assessment.library): an admin uploads a framework
version (YAML), reads its diff, publishes or discards it. Also the request's framework
registry (the ``frameworks`` dependency): the seed plus the published uploads."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, MediaType, Request, Response
from litestar.datastructures import State, UploadFile
from litestar.enums import RequestEncodingType
from litestar.exceptions import HTTPException
from litestar.params import Body
from litestar.status_codes import HTTP_413_REQUEST_ENTITY_TOO_LARGE
from litestar.types import ControllerRouterHandler
from pydantic import BaseModel
from sqlalchemy.orm import Session

from app.assessment import library
from app.assessment.loader import FrameworkRegistry
from app.core.principal import Principal, require
from app.errors import ValidationFailed
from app.messages import Message
from app.web.routing import get, post

Multipart = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)]


def provide_library(state: State) -> library.FrameworkLibrary:
    return state.framework_library


def provide_frameworks(state: State, db_session: Session) -> FrameworkRegistry:
    """The frameworks as published now (one small query; rebuilt after a publication)."""
    return provide_library(state).registry(db_session)


class DecisionIn(BaseModel):
    """The upload's ``version`` as read: a draft changed meanwhile answers 409."""

    version: int | None = None


def _file_too_large(_request: Request, exc: HTTPException) -> Response[dict[str, Any]]:
    reason = Message("the file is larger than {kb} kB", kb=library.MAX_KB)
    return Response({"status_code": exc.status_code, "detail": f"file: {reason}", "errors": {"file": reason}},
                    status_code=exc.status_code, media_type=MediaType.JSON)


def upload_file(data: dict[str, Any]) -> tuple[str, bytes]:
    upload = data.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        raise ValidationFailed({"file": Message("choose a framework file (.yaml)")})
    return upload.filename, upload.file.read(library.MAX_BYTES + 1)


class FrameworkLibraryApi(Controller):
    path = "/api/framework-library"
    tags = ["assessment"]

    @get("/", summary="Framework versions in use (seed and published) and every upload (admin)")
    def index(self, db: Session, principal: Principal,
              framework_library: library.FrameworkLibrary) -> dict[str, Any]:
        versions = library.versions(db, principal, framework_library)
        rows = library.uploads(db, principal)
        replaced = library.replaced(rows, framework_library.current(db)[1])
        return {"versions": [{**v, "valid_from": v["valid_from"].isoformat()} for v in versions],
                "uploads": [library.upload_view(row, replaced) for row in rows]}

    @post("/uploads", status_code=201, request_max_body_size=library.MAX_REQUEST_BYTES,
          exception_handlers={HTTP_413_REQUEST_ENTITY_TOO_LARGE: _file_too_large},
          summary="Upload a framework version (YAML) as a draft, with its diff against the version before it",
          description=f"Multipart field `file`: YAML, UTF-8, at most {library.MAX_KB} kB. Checked by the "
                      "framework rules; a refused file names the file and the path in it and keeps nothing. "
                      "An existing version takes only new wording (kind `rewording`).")
    def upload(self, db: Session, principal: Principal, framework_library: library.FrameworkLibrary,
               data: Multipart) -> dict[str, Any]:
        require(principal, "framework.manage")
        return library.upload_view(library.upload(db, principal, framework_library, *upload_file(data)))

    @get("/uploads/{upload_id:int}", summary="One upload with its diff")
    def detail(self, db: Session, principal: Principal, upload_id: int) -> dict[str, Any]:
        return library.upload_view(library.upload_for(db, principal, upload_id))

    @post("/uploads/{upload_id:int}/publish", status_code=200, summary="Publish a draft")
    def publish(self, db: Session, principal: Principal, framework_library: library.FrameworkLibrary,
                upload_id: int, data: DecisionIn | None = None) -> dict[str, Any]:
        row = library.publish(db, principal, framework_library, upload_id, data.version if data else None)
        return library.upload_view(row)

    @post("/uploads/{upload_id:int}/discard", status_code=200, summary="Discard a draft")
    def discard(self, db: Session, principal: Principal, upload_id: int,
                data: DecisionIn | None = None) -> dict[str, Any]:
        return library.upload_view(library.discard(db, principal, upload_id, data.version if data else None))


ROUTES: list[ControllerRouterHandler] = [FrameworkLibraryApi]
