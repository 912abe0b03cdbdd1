"""JSON for buyers: 2-4 solutions side by side (the same as /compare)."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.types import ControllerRouterHandler
from sqlalchemy.orm import Session

from app.assessment.loader import FrameworkRegistry
from app.benchmark.services import IN_USE_DEFINITION
from app.buyer import services as svc
from app.core.principal import Principal
from app.web.i18n import translations
from app.web.routing import get


@get("/api/compare", tags=["buyer"],
     summary="2-4 solutions side by side: facts, latest completed assessments, approval, adoption",
     description="`solutions`: slugs or ids, repeated or comma-separated. Texts in `lang` (da or en).")
def compare(request: Request, db: Session, principal: Principal, frameworks: FrameworkRegistry,
            solutions: list[str], lang: str = "da") -> dict[str, Any]:
    language = "en" if lang == "en" else "da"
    items = svc.comparison(db, principal, frameworks, svc.requested_keys(solutions), language)
    return {"in_use_definition": translations(language).gettext(IN_USE_DEFINITION),
            "items": [svc.as_json(i) for i in items]}


ROUTES: list[ControllerRouterHandler] = [compare]
