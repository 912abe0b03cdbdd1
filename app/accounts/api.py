"""Who-am-I for API clients."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from litestar import Controller

from app.core.principal import Principal
from app.web.routing import get


class MeController(Controller):
    path = "/api/me"
    tags = ["accounts"]

    @get("/", summary="The caller's identity and role")
    def me(self, principal: Principal) -> dict[str, Any]:
        return {"authenticated": principal.is_authenticated, **asdict(principal)}
