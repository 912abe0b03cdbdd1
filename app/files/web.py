"""The web side of evidence files, shared by the pages and the API of the domains that take
them: reading an uploaded file, the download answer, and the gate that refuses an upload
without the permission or far over the size limit (from its Content-Length) before a byte
of it is read."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from litestar import Request, Response
from litestar.datastructures import State, UploadFile
from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Receive, Scope, Send

from app.core.principal import ANONYMOUS_PRINCIPAL, Principal, require
from app.errors import DomainError, ValidationFailed
from app.files.models import EvidenceFile
from app.files.services import FileContext, Upload, megabytes
from app.messages import Message


def file_upload(*permissions: str) -> dict[str, Any]:
    """The `opt` of a route handler that takes files (with request_max_body_size=None: the
    limit is the settings', checked by UploadGate), and the permissions one of which the
    uploader needs (checked before the body is read; ownership is the service's)."""
    return {"file_upload": permissions}


# The rest of a form beside its file: the CSRF token, a note, the multipart framing.
FORM_ALLOWANCE = 256 * 1024


class UploadTooLarge(ValidationFailed):
    status_code = 413

    def __init__(self, limit: int) -> None:
        super().__init__({"file": Message("the file is larger than {mb} MB, the most a file may be",
                                          mb=megabytes(limit))})


class LengthRequired(DomainError):
    status_code = 411


def provide_file_context(state: State) -> FileContext:
    """The `file_context` dependency: the storage made at start-up and the settings' limit."""
    return FileContext(state.file_storage, state.settings.file_max_bytes)


class UploadGate(ASGIMiddleware):
    """Runs before the CSRF check reads the form: the uploader must hold the route's
    permission, an upload must say its length, and one over the limit is answered 413,
    all without reading the body."""

    scopes = (ScopeType.HTTP,)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        handler = scope.get("route_handler")
        request: Request = Request(scope, receive)
        permissions = handler.opt.get("file_upload") if handler is not None else None
        if permissions and request.method == "POST":
            principal: Principal = scope.get("user", ANONYMOUS_PRINCIPAL)
            if not any(principal.can(p) for p in permissions):
                require(principal, permissions[0])
            length = request.headers.get("content-length", "")
            limit = request.app.state.settings.file_max_bytes
            if not length.isdigit():
                raise LengthRequired(Message("an upload must give its length (Content-Length)"))
            if int(length) > limit + FORM_ALLOWANCE:
                raise UploadTooLarge(limit)
        await next_app(scope, receive, send)


def upload_of(data: dict[str, Any], field: str, limit: int) -> Upload | None:
    """The file posted in `field` (None when none was chosen); at most limit + 1 bytes are
    read, enough to tell that it is too large."""
    value = data.get(field)
    if isinstance(value, list):
        value = value[-1] if value else None
    if not isinstance(value, UploadFile) or not value.filename:
        return None
    return Upload(name=value.filename, content=value.file.read(limit + 1))


def download(row: EvidenceFile, content: bytes) -> Response[bytes]:
    """The file as an attachment under its safe name; the browser may not guess another type."""
    fallback = "".join(c if c.isascii() and (c.isalnum() or c in "._- ") else "_" for c in row.name)
    disposition = f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(row.name, safe='')}"
    return Response(content, media_type=row.media_type,
                    headers={"Content-Disposition": disposition, "X-Content-Type-Options": "nosniff",
                             "Cache-Control": "private, no-store"})
