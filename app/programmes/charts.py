"""The path to a programme's target as SVG text, drawn server-side in the benchmark charts'
style (app/benchmark/charts.py): the share so far (solid), the forecast at today's pace
(dashed) and the target (a marked point on its date). Pages embed it inline; the PDF report
reuses it. The numbers are always shown as a table beside it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from html import escape

from app.benchmark.charts import BLUE, GRID, HIGHLIGHT, TARGET, TEXT, _open


def path_chart(points: Sequence[tuple[date, float]], forecast_at_due: float, target_share: float, due: date, *,
               title: str, fmt_share: Callable[[float], str], fmt_day: Callable[[date], str],
               legend: tuple[str, str, str], chart_id: str = "path", width: int = 640, height: int = 260,
               desc: str = "") -> str:
    """x: time from the first point to the target's date (or today, if later); y: 0-100 %.
    `legend` names the three lines: (so far, forecast, target)."""
    left, right, top, bottom = 52, 150, 12, 30
    plot_w, plot_h = width - left - right, height - top - bottom
    start, today = points[0][0], points[-1][0]
    end = max(due, today)
    span = max((end - start).days, 1)

    def xy(day: date, share: float) -> tuple[float, float]:
        return left + plot_w * (day - start).days / span, top + plot_h * (1 - min(max(share, 0.0), 1.0))

    out = [_open(width, height, title, desc or title, chart_id)]
    for frac in (0, .25, .5, .75, 1):
        y = top + plot_h * (1 - frac)
        out.append(f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" stroke="{GRID}"/>'
                   f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" fill="{TEXT}">'
                   f'{escape(fmt_share(frac))}</text>')
    for year in range(start.year + 1, end.year + 1):
        x, _ = xy(date(year, 1, 1), 0)
        out.append(f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{top + plot_h}" stroke="{GRID}"/>'
                   f'<text x="{x:.1f}" y="{height - 8}" text-anchor="middle" fill="{TEXT}">{year}</text>')
    line = " ".join(f"{x:.1f},{y:.1f}" for x, y in (xy(d, s) for d, s in points))
    out.append(f'<polyline points="{line}" fill="none" stroke="{BLUE}" stroke-width="2.5"/>')
    for d, s in points:
        x, y = xy(d, s)
        out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{BLUE}"><title>{escape(fmt_day(d))}: '
                   f'{escape(fmt_share(s))}</title></circle>')
    if due > today:
        (x0, y0), (x1, y1) = xy(today, points[-1][1]), xy(due, forecast_at_due)
        out.append(f'<line x1="{x0:.1f}" y1="{y0:.1f}" x2="{x1:.1f}" y2="{y1:.1f}" stroke="{HIGHLIGHT}" '
                   f'stroke-width="2.5" stroke-dasharray="6 4"><title>{escape(legend[1])}: '
                   f'{escape(fmt_share(forecast_at_due))}</title></line>')
    tx, ty = xy(due, target_share)
    out.append(f'<line x1="{left}" y1="{ty:.1f}" x2="{tx:.1f}" y2="{ty:.1f}" stroke="{TARGET}" stroke-width="1.5" '
               f'stroke-dasharray="2 3"/><rect x="{tx - 5:.1f}" y="{ty - 5:.1f}" width="10" height="10" '
               f'fill="{TARGET}"><title>{escape(legend[2])}: {escape(fmt_share(target_share))}, '
               f'{escape(fmt_day(due))}</title></rect>')
    styles = ("", ' stroke-dasharray="6 4"', ' stroke-dasharray="2 3"')
    for k, (name, colour, style) in enumerate(zip(legend, (BLUE, HIGHLIGHT, TARGET), styles, strict=True)):
        ly = top + 14 + k * 18
        out.append(f'<line x1="{left + plot_w + 12}" y1="{ly - 4}" x2="{left + plot_w + 30}" y2="{ly - 4}" '
                   f'stroke="{colour}" stroke-width="3"{style}/>'
                   f'<text x="{left + plot_w + 36}" y="{ly}" fill="{TEXT}">{escape(name[:18])}</text>')
    out.append("</svg>")
    return "".join(out)
