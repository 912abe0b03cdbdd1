"""The SVG charts are well-formed, labelled and scale to their data."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from app.benchmark import charts

NS = "{http://www.w3.org/2000/svg}"


def _parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == f"{NS}svg" and root.get("role") == "img"
    assert root.find(f"{NS}title") is not None and root.find(f"{NS}desc") is not None
    return root


def test_bar_chart_highlights_and_escapes() -> None:
    svg = charts.bar_chart([("A & B <kommune>", 0.5, False), ("Os", 0.25, True), ("Ingen", None, False)],
                           title="Udbredelse", chart_id="c1", fmt=lambda v: f"{v:.0%}")
    root = _parse(svg)
    rects = root.findall(f"{NS}rect")
    assert len(rects) == 2  # no bar for the missing value
    # the scale's top is 0.5 (a "nice" maximum), so 0.5 fills the plot and 0.25 half of it
    assert float(rects[0].get("width")) == 2 * float(rects[1].get("width"))
    assert rects[1].get("fill") == charts.HIGHLIGHT
    assert "A &amp; B &lt;kommune&gt;" in svg and "–" in svg


def test_line_chart_breaks_on_gaps() -> None:
    svg = charts.line_chart([2022, 2023, 2024, 2025], [("Rate", [0.1, None, 0.2, 0.3])], title="Trend")
    root = _parse(svg)
    assert len(root.findall(f"{NS}polyline")) == 1  # 2022 alone, then 2024–2025
    assert len(root.findall(f"{NS}circle")) == 3


def test_target_chart_colours_met_and_missed() -> None:
    svg = charts.target_chart([("KOL", 108.0, True, "27 / 25"), ("Video", 80.0, False, "8 / 10"),
                               ("Ukendt", None, None, "")], title="Mål")
    fills = [r.get("fill") for r in _parse(svg).findall(f"{NS}rect")]
    assert fills == [charts.TARGET, charts.HIGHLIGHT]


def test_nice_max() -> None:
    assert [charts.nice_max(v) for v in (0.083, 0.5, 0.63, 7, 42, 153.4)] == [0.1, 0.5, 1.0, 10, 50, 200]
