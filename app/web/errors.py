"""Translate domain and HTTP errors into JSON (API) or an error page (HTML)."""

from __future__ import annotations

from typing import Any

from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, NotAuthorizedException, ValidationException
from litestar.response import Redirect
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR
from pydantic import ValidationError as PydanticValidationError
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from app.errors import DomainError, TryLater, Unauthenticated, ValidationFailed
from app.messages import message_of, translate
from app.web import capacity
from app.web.i18n import field_label, translations, written
from app.web.rendering import language_of, render


def wants_json(request: Request) -> bool:
    return request.url.path.startswith(("/api", "/health", "/metrics")) or (
        "application/json" in request.headers.get("accept", "")
        and "text/html" not in request.headers.get("accept", ""))


def _body(status: int, detail: str, errors: dict[str, str] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"status_code": status, "detail": str(detail)}
    if errors:
        body["errors"] = {str(k): str(v) for k, v in errors.items()}
    return body


def _respond(request: Request, status: int, detail: str, errors: dict[str, str] | None = None,
             headers: dict[str, str] | None = None) -> Any:
    if wants_json(request):
        return Response(_body(status, detail, errors), status_code=status, media_type=MediaType.JSON,
                        headers=headers)
    page = render(request, "error.html", status_code=status, status=status, detail=detail, errors=errors or {})
    for name, value in (headers or {}).items():
        page.set_header(name, value)
    return page


def domain_error_handler(request: Request, exc: DomainError) -> Any:
    if isinstance(exc, Unauthenticated) and not wants_json(request):
        return Redirect(f"/login?next={request.url.path}")
    errors = exc.errors if isinstance(exc, ValidationFailed) else None
    detail = message_of(exc)
    if errors and not wants_json(request):
        # the joined text is English; a page rebuilds it from the (translatable) reasons
        lang = language_of(request)
        gettext = translations(lang).gettext
        detail = "; ".join(f"{field_label(field, lang)}: {translate(reason, gettext, written(lang))}"
                           for field, reason in errors.items())
    response = _respond(request, exc.status_code, detail, errors)
    if isinstance(exc, TryLater):
        response.headers["Retry-After"] = str(exc.retry_after)
    return response


def pydantic_error_handler(request: Request, exc: PydanticValidationError) -> Any:
    errors = {".".join(str(p) for p in e["loc"]) or "__all__": e["msg"] for e in exc.errors()}
    return _respond(request, 400, "validation failed", errors)


def http_error_handler(request: Request, exc: HTTPException) -> Any:
    if isinstance(exc, NotAuthorizedException) and not wants_json(request):
        return Redirect(f"/login?next={request.url.path}")
    errors = None
    if isinstance(exc, ValidationException) and isinstance(exc.extra, list):
        errors = {str(e.get("key") or e.get("source") or "__all__"): str(e.get("message"))
                  for e in exc.extra if isinstance(e, dict)}
    return _respond(request, exc.status_code, str(exc.detail), errors, exc.headers)


def out_of_range_handler(request: Request, exc: Exception) -> Any:
    """A number too large for the database (OverflowError from the SQLite driver,
    DataError such as "bigint out of range" from PostgreSQL) is the caller's mistake."""
    request.logger.info("value out of range: %s", exc)
    return _respond(request, 400, "a value is out of range (too large or malformed for the database)",
                    _out_of_range_parameters(request) or None)


BIGINT_MAX = 2**63 - 1


def _out_of_range_parameters(request: Request) -> dict[str, str]:
    """Name the query or path parameters that can cause it: integers beyond the database's
    64-bit range, text with a NUL character (PostgreSQL refuses those)."""
    values = [*request.query_params.multi_items(), *((k, str(v)) for k, v in request.path_params.items())]
    found: dict[str, str] = {}
    for name, value in values:
        if "\x00" in value:
            found[name] = "contains a NUL character"
            continue
        try:
            number = int(value.strip())
        except ValueError:
            continue
        if abs(number) > BIGINT_MAX:
            found[name] = f"must be between -{BIGINT_MAX} and {BIGINT_MAX}"
    return found


# PostgreSQL's SQLSTATEs for lock_timeout and statement_timeout (and a cancelled query).
LOCK_NOT_AVAILABLE, QUERY_CANCELED = "55P03", "57014"


def database_unavailable_handler(request: Request, exc: OperationalError) -> Any:
    """Every database failure is temporary to the caller: 503 with Retry-After. A lock or
    statement timeout (PostgreSQL) and a busy SQLite file are expected under load: logged
    as warnings, the rest as errors."""
    sqlstate = getattr(exc.orig, "sqlstate", None)
    retry = _retry_after(request)
    if sqlstate == LOCK_NOT_AVAILABLE or "database is locked" in str(exc.orig):
        request.logger.warning("lock wait timed out: %s", exc.orig)
        return _respond(request, 503, "another change is holding this data; try again in a moment", headers=retry)
    if sqlstate == QUERY_CANCELED:
        request.logger.warning("statement timed out: %s", exc.orig)
        return _respond(request, 503, "the database took too long to answer; try again in a moment", headers=retry)
    request.logger.error("database error: %s", exc)
    return _respond(request, 503, "the database is unavailable; try again shortly", headers=retry)


def pool_timeout_handler(request: Request, exc: PoolTimeoutError) -> Any:
    """No connection became free within BLAASTEMPEL_POOL_TIMEOUT."""
    request.logger.warning("no database connection in time: %s", exc)
    return _respond(request, 503, capacity.BUSY, headers=_retry_after(request))


def _retry_after(request: Request) -> dict[str, str]:
    return {"Retry-After": capacity.of(request.scope).retry_after}


def internal_error_handler(request: Request, exc: Exception) -> Any:
    request.logger.exception("unhandled error", exc_info=exc)
    return _respond(request, HTTP_500_INTERNAL_SERVER_ERROR, "internal error")
