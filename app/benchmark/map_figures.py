"""The maps the benchmark, a solution's page and the reports show, built with maps.py from
the benchmark's own figures, titled in the reader's language."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from app.benchmark.charts import nice_max
from app.benchmark.maps import Categories, MapFigure, Steps, municipality_map
from app.web.i18n import translations

MAP_STATUSES = ("in_operation", "pilot", "planned")


def adoption_rate_map(rates: Mapping[str, float | None], lang: str, map_id: str = "map-adoption") -> MapFigure:
    _ = translations(lang).gettext
    known = {code: rate for code, rate in rates.items() if rate is not None}
    return municipality_map(rates, even_steps(known, percent=True),
                            title=_("Adoption rate of prioritised solutions by municipality"),
                            value_label=_("Adoption rate"), lang=lang, map_id=map_id,
                            missing_label=_("No prioritised solution"))


def even_steps(values: Mapping[str, float], percent: bool = False) -> Steps:
    """Five equal classes from 0 (or the lowest value, when negative) to a round top above
    the largest value, so the map shows differences even when every value is small."""
    low = min([0.0, *values.values()])
    span = max(values.values(), default=low) - low
    width = nice_max(span if span > 0 else 1.0) / 5
    shown = width * 100 if percent else width
    digits = 0 if shown >= 1 else 1 - math.floor(math.log10(shown))
    return Steps(tuple(round(low + width * i, digits + (2 if percent else 0)) for i in range(6)),
                 percent=percent, digits=digits)


def indicator_map(indicator: dict[str, Any], lang: str, map_id: str = "map-indicator") -> MapFigure:
    """A municipal indicator's latest values (services.municipal_indicator)."""
    _ = translations(lang).gettext
    unit = indicator["unit"]
    label = f"{indicator['name']} ({unit})" if unit else indicator["name"]
    title = (_("%(indicator)s by municipality, %(year)s")
             % {"indicator": indicator["name"], "year": indicator["period"]}
             if indicator["period"] else indicator["name"])
    return municipality_map(indicator["values"], even_steps(indicator["values"]), title=title,
                            value_label=label, lang=lang, map_id=map_id)


def in_use_map(adoption: dict[str, Any], lang: str, map_id: str = "map-in-use") -> MapFigure | None:
    """Where a solution is in use (services.adoption_of), by municipality: in operation, pilot,
    planned; None when no municipality has reported it."""
    _ = translations(lang).gettext
    statuses = {o["ref"].partition(":")[2]: o["status"] for o in adoption["organisations"]
                if o["kind"] == "municipality"}
    if not statuses:
        return None
    scale = Categories(tuple((s, _(s)) for s in MAP_STATUSES))
    return municipality_map(statuses, scale, title=_("Municipalities using the solution"), value_label=_("Status"),
                            lang=lang, map_id=map_id, missing_label=_("Not reported"))
