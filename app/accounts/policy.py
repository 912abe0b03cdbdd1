"""Route-level policy for the JSON API's writes, checked by a guard before the request
body is read: a role that may never do the action gets 401/403 straight away instead of
a 400 describing the body it was not allowed to send. Ownership (a vendor's own
solutions, an org_reporter's own organisation) is still checked in the services.

Keys are (method, route path template); the values name permissions of roles.PERMISSIONS
(any one suffices). Routes not listed are left to their handlers."""

from __future__ import annotations

import re

from litestar.connection import ASGIConnection
from litestar.handlers import BaseRouteHandler

from app.errors import Forbidden, Unauthenticated
from app.messages import Message

API_WRITE_POLICY: dict[tuple[str, str], tuple[str, ...]] = {
    ("POST", "/api/vendors"): ("vendor.create",),
    ("PUT", "/api/vendors/{vendor_id:int}"): ("vendor.update",),
    ("DELETE", "/api/vendors/{vendor_id:int}"): ("record.delete",),
    ("POST", "/api/solutions"): ("solution.create",),
    ("PUT", "/api/solutions/{key:str}"): ("solution.update",),
    ("DELETE", "/api/solutions/{key:str}"): ("record.delete",),
    ("POST", "/api/projects"): ("project.create",),
    ("PUT", "/api/projects/{key:str}"): ("project.update",),
    ("DELETE", "/api/projects/{key:str}"): ("record.delete",),
    ("POST", "/api/needs"): ("need.create",),
    ("PUT", "/api/needs/{key:str}"): ("need.update",),
    ("POST", "/api/needs/{key:str}/endorsements"): ("need.endorse",),
    ("DELETE", "/api/needs/{key:str}"): ("record.delete",),
    ("POST", "/api/assessments"): ("assessment.write",),
    ("PUT", "/api/assessments/{assessment_id:int}/scope"): ("assessment.write",),
    ("PUT", "/api/assessments/{assessment_id:int}/answers/{code:str}"):
        ("assessment.write", "assessment.vendor_answer"),
    ("DELETE", "/api/assessments/{assessment_id:int}/answers/{code:str}"):
        ("assessment.write", "assessment.vendor_answer"),
    ("POST", "/api/assessments/{assessment_id:int}/answers/{code:str}/verify"): ("assessment.review",),
    ("POST", "/api/assessments/{assessment_id:int}/import"): ("assessment.write", "assessment.vendor_answer"),
    ("POST", "/api/solutions/{key:str}/assessments/import"): ("assessment.write",),
    ("POST", "/api/approvals/{key:str}/events"): ("approval.apply", "approval.decide", "approval.evidence"),
    ("POST", "/api/benchmark/adoption"): ("benchmark.report",),
    ("POST", "/api/benchmark/indicator-values"): ("benchmark.report",),
    ("POST", "/api/benchmark/import"): ("benchmark.report",),
    ("POST", "/api/solutions/{key:str}/kpi-values"): ("contract.report",),
    ("POST", "/api/kpi-values/import"): ("contract.report",),
    ("POST", "/api/solutions/{key:str}/contracts"): ("contract.manage",),
    ("POST", "/api/framework-library/uploads"): ("framework.manage",),
    ("POST", "/api/framework-library/uploads/{upload_id:int}/publish"): ("framework.manage",),
    ("POST", "/api/framework-library/uploads/{upload_id:int}/discard"): ("framework.manage",),
    ("POST", "/api/programmes"): ("programme.manage",),
    ("PUT", "/api/programmes/{key:str}"): ("programme.manage",),
}
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# The router reports the matched route as its path format, without parameter types.
_BY_FORMAT = {(method, re.sub(r"\{(\w+):[^}]+\}", r"{\1}", path)): needed
              for (method, path), needed in API_WRITE_POLICY.items()}


async def api_write_guard(connection: ASGIConnection, _handler: BaseRouteHandler) -> None:
    """Anonymous writes under /api answer 401; listed writes need one of their permissions."""
    method = str(connection.scope.get("method", "GET"))
    if method in SAFE_METHODS or not connection.scope["path"].startswith("/api/"):
        return
    principal = connection.scope.get("user")
    if principal is None or not principal.is_authenticated:
        raise Unauthenticated("log in (or send a bearer token) to do this")
    needed = _BY_FORMAT.get((method, connection.scope.get("path_template", "")))
    if needed and not any(principal.can(p) for p in needed):
        raise Forbidden(Message("your role ({role}) may not do this ({permission})",
                                role=Message(principal.role), permission=" or ".join(needed)))
