"""Every request's access line and metrics, around the whole app (also 404s and errors).

The route is the matched path template ("/solutions/{slug:str}"), never the raw path, so
the metrics' label sets stay bounded. The request id is the proxy's X-Request-ID when it
is a plain token, else a new one; the response carries it, and every log line written
while the request is answered names it (app.logs).
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from typing import cast

from litestar.types import ASGIApp, HTTPScope, Message, Receive, Scope, Send

from app import metrics
from app.logs import ACCESS_LOGGER, REQUEST_ID

REQUEST_ID_HEADER = b"x-request-id"
_PLAIN_ID = re.compile(rb"[A-Za-z0-9._-]{1,64}")
access_log = logging.getLogger(ACCESS_LOGGER)


def _request_id(scope: Scope) -> str:
    given = next((value for name, value in scope["headers"] if name == REQUEST_ID_HEADER), b"")
    return given.decode() if _PLAIN_ID.fullmatch(given) else uuid.uuid4().hex


def observed(app: ASGIApp) -> ASGIApp:
    async def observe(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        method, path = cast("HTTPScope", scope)["method"], scope["path"]  # before routing rewrites the path
        request_id = _request_id(scope)
        token = REQUEST_ID.set(request_id)
        started = time.perf_counter()
        status = 500  # unless a response starts

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), (REQUEST_ID_HEADER, request_id.encode())]
            await send(message)

        try:
            await app(scope, receive, send_with_id)
        finally:
            seconds = time.perf_counter() - started
            route = scope.get("path_template") or metrics.UNMATCHED
            metrics.observe_request(method, route, status, seconds)
            access_log.info("%s %s %s %.1f ms", method, path, status, seconds * 1000,
                            extra={"method": method, "path": path, "route": route, "status": status,
                                   "duration_ms": round(seconds * 1000, 1)})
            REQUEST_ID.reset(token)

    return observe
