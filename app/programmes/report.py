"""The programme report's figures (reports/templates/programme.html): progress against each
target with the path chart and forecast, the municipalities on the map, the regions, the leaders and the laggards. The
figures are services.progress_view's, as on the page and in the API; reporting adds the
cover and the layout."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from app.core.principal import Principal
from app.programmes import pages
from app.programmes import services as svc
from app.programmes.maps import stage_map
from app.web.i18n import day, label

LIST_LENGTH = 12


def context(session: Session, principal: Principal, key: str, lang: str) -> dict[str, Any]:
    view = svc.progress_view(session, principal, key, lang)
    areas = svc.treatment_areas(session)
    organisations = view["organisations"]
    for i, target in enumerate(view["targets"]):
        target["text"] = pages.target_text(target["stage"], target["share"], target["due"], lang)
        target["svg"] = pages.path_svg(target, lang, f"report-path-{i}")
        target["toc"] = {"id": f"target-{i + 1}", "label": target["text"], "sub": True}
        target["reached_day"] = day(target["forecast"]["reached_on"], lang)
    programme = view["programme"]
    figure = stage_map(view["status_by_code"], lang, map_id="report-map-stages")
    return {
        "view": view, "programme": programme, "data_taken_day": day(view["as_of"], lang),
        "areas": [areas[c].name_en if lang == "en" else areas[c].name_da for c in programme["treatment_areas"]
                  if c in areas],
        "leaders": [o for o in organisations if o["stage"] != "not_started"][:LIST_LENGTH],
        "laggards": [o for o in reversed(organisations) if o["stage"] != "in_operation"][:LIST_LENGTH],
        "stage_label": lambda s: label(lang, pages.STAGE_KIND, s), "pct": lambda v: pages.pct(v, lang),
        "approval_label": lambda s: label(lang, "approval", s),
        "fmt_day": lambda v: day(v, lang),
        "stage_map": figure,
        "map_rows": in_columns([r for r in figure.rows if r.code in view["status_by_code"]], 3) if figure else [],
    }


def in_columns(items: list[Any], columns: int) -> list[list[Any]]:
    """Items in `columns` columns read top to bottom, as table rows (None fills the last)."""
    height = -(-len(items) // columns)
    return [[items[c * height + r] if c * height + r < len(items) else None for c in range(columns)]
            for r in range(height)]
