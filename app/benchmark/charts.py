"""Charts as SVG text, drawn server-side (no browser, no JavaScript, no extra package).

Each function returns a complete, self-contained <svg> (vector, with <title> and <desc>)
that pages embed inline and that PDF reports can reuse. The numbers are always shown as
a table next to the chart by the page as well; the charts are decoration for sighted
readers, not the only way to the figures.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from html import escape

BLUE = "#1f4e8c"
HIGHLIGHT = "#c2410c"
TARGET = "#15803d"
GRID = "#d9dee5"
TEXT = "#1f2933"
FONT = "font-family=\"system-ui, sans-serif\""
SERIES = ("#1f4e8c", "#c2410c", "#15803d", "#7c3aed", "#0e7490", "#a16207")

Fmt = Callable[[float], str]


def _fmt_default(v: float) -> str:
    return f"{v:,.1f}"


def nice_max(value: float) -> float:
    """The smallest of 1, 2, 2.5, 5 × a power of ten that is at least `value`."""
    if value <= 0:
        return 1.0
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if step * magnitude >= value - 1e-12:
            return step * magnitude
    return 10 * magnitude


def _open(width: int, height: int, title: str, desc: str, chart_id: str) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" '
            f'role="img" aria-labelledby="{chart_id}-title {chart_id}-desc" class="chart" {FONT} font-size="12">'
            f'<title id="{chart_id}-title">{escape(title)}</title><desc id="{chart_id}-desc">{escape(desc)}</desc>')


def bar_chart(items: Sequence[tuple[str, float | None, bool]], *, title: str, chart_id: str = "bars",
              fmt: Fmt = _fmt_default, max_value: float | None = None, width: int = 640,
              desc: str = "", target: float | None = None, target_label: str = "target") -> str:
    """Horizontal bars, one per (label, value, highlighted); None values show as "–"."""
    label_w, value_w, row_h, top = 220, 70, 22, 8
    height = top + row_h * max(len(items), 1) + 24
    values = [v for _, v, _ in items if v is not None]
    top_value = max_value if max_value is not None else nice_max(max([*values, target or 0], default=0))
    plot_w = width - label_w - value_w
    out = [_open(width, height, title, desc or title, chart_id)]
    for frac in (0, .25, .5, .75, 1):
        x = label_w + plot_w * frac
        out.append(f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{height - 20}" stroke="{GRID}"/>')
        out.append(f'<text x="{x:.1f}" y="{height - 6}" text-anchor="middle" fill="{TEXT}">'
                   f'{escape(fmt(top_value * frac))}</text>')
    for i, (label, value, highlight) in enumerate(items):
        y = top + i * row_h
        short = label if len(label) <= 30 else label[:29] + "…"
        weight = ' font-weight="700"' if highlight else ""
        out.append(f'<text x="{label_w - 6}" y="{y + 15}" text-anchor="end" fill="{TEXT}"{weight}>'
                   f'{escape(short)}</text>')
        if value is not None:
            w = max(plot_w * min(value / top_value, 1.0), 0) if top_value else 0
            colour = HIGHLIGHT if highlight else BLUE
            out.append(f'<rect x="{label_w}" y="{y + 4}" width="{w:.1f}" height="{row_h - 8}" fill="{colour}"/>')
        out.append(f'<text x="{width - value_w + 6}" y="{y + 15}" fill="{TEXT}"{weight}>'
                   f'{escape(fmt(value) if value is not None else "–")}</text>')
    if target is not None and top_value:
        x = label_w + plot_w * min(target / top_value, 1.0)
        out.append(f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{height - 20}" stroke="{TARGET}" '
                   f'stroke-width="2" stroke-dasharray="5 3"><title>{escape(target_label)}</title></line>')
    out.append("</svg>")
    return "".join(out)


def _polyline(points: list[str], colour: str) -> str:
    return f'<polyline points="{" ".join(points)}" fill="none" stroke="{colour}" stroke-width="2.5"/>'


def line_chart(x_values: Sequence[int | str], series: Sequence[tuple[str, Sequence[float | None]]], *,
               title: str, chart_id: str = "lines", fmt: Fmt = _fmt_default, width: int = 640,
               height: int = 260, desc: str = "", max_value: float | None = None) -> str:
    """One line per (name, values aligned with x_values); gaps (None) break the line."""
    left, right, top, bottom = 60, 150, 12, 30
    plot_w, plot_h = width - left - right, height - top - bottom
    values = [v for _, vs in series for v in vs if v is not None]
    top_value = max_value if max_value is not None else nice_max(max(values, default=0))
    n = max(len(x_values), 1)

    def xy(i: int, v: float) -> tuple[float, float]:
        x = left + (plot_w * i / (n - 1) if n > 1 else plot_w / 2)
        return x, top + plot_h * (1 - (v / top_value if top_value else 0))

    out = [_open(width, height, title, desc or title, chart_id)]
    for frac in (0, .25, .5, .75, 1):
        y = top + plot_h * (1 - frac)
        out.append(f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" stroke="{GRID}"/>')
        out.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" fill="{TEXT}">'
                   f'{escape(fmt(top_value * frac))}</text>')
    for i, x_value in enumerate(x_values):
        x, _ = xy(i, 0)
        out.append(f'<text x="{x:.1f}" y="{height - 8}" text-anchor="middle" fill="{TEXT}">'
                   f'{escape(str(x_value))}</text>')
    for k, (name, vs) in enumerate(series):
        colour = SERIES[k % len(SERIES)]
        segment: list[str] = []
        for i, v in enumerate(vs):
            if v is None:
                if len(segment) > 1:
                    out.append(_polyline(segment, colour))
                segment = []
                continue
            x, y = xy(i, v)
            segment.append(f"{x:.1f},{y:.1f}")
            out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{colour}"><title>'
                       f'{escape(name)} {escape(str(x_values[i]))}: {escape(fmt(v))}</title></circle>')
        if len(segment) > 1:
            out.append(_polyline(segment, colour))
        ly = top + 14 + k * 18
        out.append(f'<rect x="{left + plot_w + 12}" y="{ly - 9}" width="12" height="4" fill="{colour}"/>'
                   f'<text x="{left + plot_w + 30}" y="{ly - 3}" fill="{TEXT}">{escape(name[:18])}</text>')
    out.append("</svg>")
    return "".join(out)


def target_chart(rows: Sequence[tuple[str, float | None, bool | None, str]], *, title: str,
                 chart_id: str = "targets", width: int = 640, desc: str = "") -> str:
    """Per indicator (label, attainment %, met, tooltip): 100 % = exactly on target (for a
    lower-is-better indicator attainment is target / value). Green when met, orange when not."""
    label_w, value_w, row_h, top = 300, 70, 26, 8
    height = top + row_h * max(len(rows), 1) + 24
    known = [r[1] for r in rows if r[1] is not None]
    top_value = max([200.0, *known])
    plot_w = width - label_w - value_w
    out = [_open(width, height, title, desc or title, chart_id)]
    for frac in (0, .5, 1):
        x = label_w + plot_w * frac
        out.append(f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{height - 20}" stroke="{GRID}"/>')
        out.append(f'<text x="{x:.1f}" y="{height - 6}" text-anchor="middle" fill="{TEXT}">'
                   f'{top_value * frac:.0f} %</text>')
    x100 = label_w + plot_w * 100 / top_value
    for i, (label, ratio, met, tip) in enumerate(rows):
        y = top + i * row_h
        short = label if len(label) <= 44 else label[:43] + "…"
        out.append(f'<text x="{label_w - 6}" y="{y + 17}" text-anchor="end" fill="{TEXT}">{escape(short)}</text>')
        if ratio is not None:
            colour = TARGET if met else HIGHLIGHT
            out.append(f'<rect x="{label_w}" y="{y + 5}" width="{plot_w * min(ratio / top_value, 1):.1f}" '
                       f'height="{row_h - 10}" fill="{colour}"><title>{escape(tip)}</title></rect>')
        out.append(f'<text x="{width - value_w + 6}" y="{y + 17}" fill="{TEXT}">'
                   f'{f"{ratio:.0f} %" if ratio is not None else "–"}</text>')
    out.append(f'<line x1="{x100:.1f}" y1="{top}" x2="{x100:.1f}" y2="{height - 20}" stroke="{TEXT}" '
               f'stroke-width="2" stroke-dasharray="5 3"/>')
    out.append("</svg>")
    return "".join(out)
