"""A programme's progress on the map of the 98 municipalities: each target municipality
coloured by its stage (benchmark.maps, the drawing the benchmark's maps use), for the
programme page and its PDF report."""

from __future__ import annotations

from collections.abc import Mapping

from app.benchmark.maps import Categories, MapFigure, municipality_map
from app.programmes import progress as p
from app.web.i18n import label, translations

STAGE_KIND = "programme-stage"


def stage_map(status_by_code: Mapping[str, str], lang: str, map_id: str = "map-stages") -> MapFigure | None:
    """The target municipalities by stage (services.status_by_code), the furthest drawn
    darkest; None when the programme targets no municipality."""
    if not status_by_code:
        return None
    _ = translations(lang).gettext
    scale = Categories(tuple((s, label(lang, STAGE_KIND, s).capitalize()) for s in reversed(p.STAGES)))
    return municipality_map(status_by_code, scale, title=_("The target municipalities by stage"),
                            value_label=_("Stage"), lang=lang, map_id=map_id,
                            missing_label=_("Not in the target group"))
