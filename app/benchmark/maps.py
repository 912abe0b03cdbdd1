"""Choropleth maps of the 98 municipalities as SVG text, drawn server-side (no tiles, no
external requests, no JavaScript), for pages and PDF reports alike.

    figure = municipality_map({"101": 0.42, "147": None, ...}, Steps((0, .2, .4, .6, .8, 1), percent=True),
                              title=..., value_label=..., lang="da")

`values` maps a municipality code (DST's 3-digit kommunekode, as `data/reference/municipalities.csv`)
to a number (with a `Steps` scale) or a category key (with `Categories`); a code left out or
None is shown as "no data". The result carries the <svg> (legend inside, a <title> per
municipality for hover, role="img" with a label), the rows for the accessible table next to
it (macro `benchmark/_map.html`) and the attribution every map must show. The boundaries are
`data/reference/municipalities-map.json`, built by `tools/build_municipality_map.py`
(projected, simplified, Bornholm in an inset; sources in `data/reference/SOURCES.md`).
Hospitals are not drawn: `hospitals.csv` has no coordinates.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from html import escape
from typing import Any

from app.settings import PROJECT_ROOT
from app.web.i18n import number, translations

MAP_FILE = PROJECT_ROOT / "data" / "reference" / "municipalities-map.json"
# ColorBrewer "Blues" (sequential, colour-blind safe), light to dark.
BLUES = ("#deebf7", "#c6dbef", "#9ecae1", "#6baed6", "#3182bd", "#08519c", "#08306b")
NO_DATA = "#f3f4f6"
OUTLINE = "#6b7280"
TEXT = "#1f2933"
FONT = 'font-family="system-ui, sans-serif"'
FONT_SIZE = 34  # map units (250 m): 10 px on a phone (the map 350 px wide), 18 px at its widest
LEGEND_ROW = FONT_SIZE + 14
LEGEND_GAP = 30  # between the map and its legend
ATTRIBUTION = "Municipal boundaries: Danish Geodata Agency (DAGI, FOT 2014), simplified"
DESC = "Map of the 98 municipalities; the figures are in the table next to it."
Value = float | int | str | None


@dataclass(frozen=True)
class Steps:
    """Numeric classes: class i holds bounds[i] <= value < bounds[i + 1], the last class
    also its upper bound; values outside the bounds go to the nearest class."""

    bounds: tuple[float, ...]
    percent: bool = False  # values are shares (0..1), shown as per cent
    digits: int = 0

    def __post_init__(self) -> None:
        if len(self.bounds) < 2 or list(self.bounds) != sorted(set(self.bounds)):
            raise ValueError("bounds must be at least two increasing numbers")

    def count(self) -> int:
        return len(self.bounds) - 1

    def index(self, value: Value) -> int | None:
        if value is None or isinstance(value, str):
            return None
        return max(0, min(sum(1 for b in self.bounds[1:-1] if value >= b), self.count() - 1))

    def _fmt(self, value: float, lang: str) -> str:
        return number(value * 100 if self.percent else value, lang, self.digits)

    def text(self, value: Value, lang: str) -> str:
        if value is None or isinstance(value, str):
            return "–"
        # a value reads with one decimal more than the legend's bounds: "9,1 %" in "8–10 %"
        shown = number(value * 100 if self.percent else value, lang, self.digits + 1)
        return f"{shown} %" if self.percent else shown

    def labels(self, lang: str) -> list[str]:
        unit = " %" if self.percent else ""
        return [f"{self._fmt(lo, lang)}–{self._fmt(hi, lang)}{unit}"
                for lo, hi in zip(self.bounds, self.bounds[1:], strict=False)]

    def colours(self) -> list[str]:
        """From the second-lightest blue up, so the lowest class stays apart from "no data"."""
        n, shades = self.count(), BLUES[1:]
        return [shades[round(i * (len(shades) - 1) / max(n - 1, 1))] for i in range(n)]


@dataclass(frozen=True)
class Categories:
    """Named categories in legend order, (key, label in the reader's language); the first is
    drawn darkest, so order them from the most to the least (e.g. in operation, pilot, planned)."""

    items: tuple[tuple[str, str], ...]

    def count(self) -> int:
        return len(self.items)

    def index(self, value: Value) -> int | None:
        keys = [key for key, _label in self.items]
        return keys.index(value) if isinstance(value, str) and value in keys else None

    def text(self, value: Value, lang: str) -> str:
        i = self.index(value)
        return "–" if i is None else self.items[i][1]

    def labels(self, lang: str) -> list[str]:
        return [label for _key, label in self.items]

    def colours(self) -> list[str]:
        n = self.count()
        return [BLUES[-1 - round(i * (len(BLUES) - 2) / max(n - 1, 1))] for i in range(n)]


Scale = Steps | Categories


@dataclass(frozen=True)
class MapRow:
    code: str
    name: str
    text: str  # the value as the reader reads it, "–" for no data
    css_class: str  # map-c0 … map-cN, or map-none


@dataclass(frozen=True)
class MapFigure:
    map_id: str
    title: str
    value_label: str
    svg: str
    rows: list[MapRow]
    attribution: str


@cache
def geometry() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(MAP_FILE.read_text(encoding="utf-8"))
    return data


def municipality_codes() -> list[str]:
    return [m["code"] for m in geometry()["municipalities"]]


def _danish_order(name: str) -> str:
    """Sort key putting Æ, Ø, Å after Z as the Danish alphabet does."""
    return name.lower().translate({ord("æ"): "{0", ord("ø"): "{1", ord("å"): "{2"})


def municipality_map(values: Mapping[str, Value], scale: Scale, *, title: str, value_label: str, lang: str,
                     map_id: str = "map", desc: str = "", missing_label: str | None = None) -> MapFigure:
    """The map of `values` (municipality code -> value) classed by `scale`; see the module."""
    _ = translations(lang).gettext
    missing = missing_label or _("No data")
    colours = scale.colours()
    rows: list[MapRow] = []
    paths: list[str] = []
    data = geometry()
    for m in data["municipalities"]:
        value = values.get(m["code"])
        i = scale.index(value)
        text = missing if i is None else scale.text(value, lang)
        rows.append(MapRow(m["code"], m["name"], text, "map-none" if i is None else f"map-c{i}"))
        paths.append(f'<path d="{m["d"]}" fill="{NO_DATA if i is None else colours[i]}" class="{rows[-1].css_class}" '
                     f'data-code="{m["code"]}"><title>{escape(m["name"])}: {escape(text)}</title></path>')
    rows.sort(key=lambda r: _danish_order(r.name))
    width, height = data["width"], data["height"]
    fx, fy, fw, fh = data["inset"]["frame"]
    labels = scale.labels(lang)
    total = height + legend_height(len(labels) + 1)
    svg = "".join([
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {total}" width="100%" role="img" '
        f'aria-labelledby="{map_id}-title {map_id}-desc" class="map" {FONT} font-size="{FONT_SIZE}">',
        f'<title id="{map_id}-title">{escape(title)}</title>',
        f'<desc id="{map_id}-desc">{escape(desc or _(DESC))}</desc>',
        f'<g stroke="#ffffff" stroke-width="1.5" stroke-linejoin="round">{"".join(paths)}</g>',
        f'<rect x="{fx}" y="{fy}" width="{fw}" height="{fh}" fill="none" stroke="{OUTLINE}" stroke-width="2"/>',
        _legend(value_label, labels, colours, missing, height + LEGEND_GAP, width),
        "</svg>",
    ])
    return MapFigure(map_id, title, value_label, svg, rows, _(ATTRIBUTION))


def _legend(heading: str, labels: Sequence[str], colours: Sequence[str], missing: str, top: int,
            width: int) -> str:
    """The legend in a band under the map: a heading, then one swatch per class and "no data",
    in two columns (so no label ever lies over a municipality, whatever its length)."""
    entries = [*zip(labels, colours, strict=True), (missing, NO_DATA)]
    per_column = -(-len(entries) // 2)
    out = [f'<g class="map-legend" fill="{TEXT}"><text x="0" y="{top + FONT_SIZE}" font-weight="700">'
           f'{escape(heading)}</text>']
    for k, (label, colour) in enumerate(entries):
        x, y = (k // per_column) * width // 2, top + LEGEND_ROW * (1 + k % per_column)
        out.append(f'<rect x="{x}" y="{y}" width="{FONT_SIZE}" height="{FONT_SIZE}" fill="{colour}" '
                   f'stroke="{OUTLINE}" stroke-width="1"/><text x="{x + FONT_SIZE + 12}" y="{y + FONT_SIZE - 6}">'
                   f'{escape(label)}</text>')
    out.append("</g>")
    return "".join(out)


def legend_height(entries: int) -> int:
    return LEGEND_ROW * (1 + -(-entries // 2)) + LEGEND_GAP
