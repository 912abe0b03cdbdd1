"""Errors under /fhir: an OperationOutcome with the HTTP status, as FHIR clients expect.

A FHIR router passes EXCEPTION_HANDLERS to Litestar (`Router(..., exception_handlers=...)`);
code under /fhir raises FhirError for a refusal of its own (an unknown parameter, an
unknown id). The application's own handlers of more particular errors (a database outage:
503 with Retry-After) still apply, as Litestar picks the handler of the most particular class.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.types import ExceptionHandlersMap

FHIR_JSON = "application/fhir+json"

# OperationOutcome.issue.code (http://hl7.org/fhir/issue-type) for an HTTP status.
ISSUE_CODES = {400: "invalid", 401: "login", 403: "forbidden", 404: "not-found", 405: "not-supported",
               406: "not-supported", 409: "conflict", 410: "deleted", 413: "too-costly",
               415: "not-supported", 422: "processing", 429: "throttled", 503: "transient"}


class FhirError(Exception):
    """A refusal under /fhir: answered as an OperationOutcome with this status and issue code."""

    def __init__(self, status: int, code: str, diagnostics: str, expression: str | None = None) -> None:
        super().__init__(diagnostics)
        self.status = status
        self.code = code
        self.diagnostics = diagnostics
        self.expression = expression  # the parameter or element at fault


def outcome(code: str, diagnostics: str, expression: str | None = None) -> dict[str, Any]:
    """An OperationOutcome resource with one error."""
    issue: dict[str, Any] = {"severity": "error", "code": code, "diagnostics": diagnostics}
    if expression:
        issue["expression"] = [expression]
    return {"resourceType": "OperationOutcome", "issue": [issue]}


def operation_outcome(status: int, code: str, diagnostics: str, headers: dict[str, str] | None = None,
                      expression: str | None = None) -> Response[dict[str, Any]]:
    return Response(outcome(code, diagnostics, expression), status_code=status, media_type=FHIR_JSON,
                    headers=headers)


def _issue_code(status: int) -> str:
    return ISSUE_CODES.get(status, "exception" if status >= 500 else "processing")


def fhir_error_handler(request: Request, exc: FhirError) -> Response[dict[str, Any]]:
    return operation_outcome(exc.status, exc.code, exc.diagnostics, expression=exc.expression)


def http_error_handler(request: Request, exc: HTTPException) -> Response[dict[str, Any]]:
    detail = str(exc.detail)
    if isinstance(exc, ValidationException) and isinstance(exc.extra, list):
        reasons = [f"{e.get('key') or e.get('source')}: {e.get('message')}" for e in exc.extra if isinstance(e, dict)]
        detail = "; ".join([detail, *reasons])
    return operation_outcome(exc.status_code, _issue_code(exc.status_code), detail, exc.headers)


def internal_error_handler(request: Request, exc: Exception) -> Response[dict[str, Any]]:
    request.logger.exception("unhandled error", exc_info=exc)
    return operation_outcome(500, "exception", "internal error")


EXCEPTION_HANDLERS: ExceptionHandlersMap = {
    FhirError: fhir_error_handler,
    HTTPException: http_error_handler,
    Exception: internal_error_handler,
}


def under_fhir(fallback: Callable[[Request, HTTPException], Any]) -> Callable[[Request, HTTPException], Any]:
    """The application's HTTPException handler, answering an OperationOutcome for paths under
    /fhir: a path no route matches (404) or a method none allows (405) never reaches a router's
    own handlers."""
    def handle(request: Request, exc: HTTPException) -> Any:
        if request.url.path == "/fhir" or request.url.path.startswith("/fhir/"):
            return http_error_handler(request, exc)
        return fallback(request, exc)
    return handle
