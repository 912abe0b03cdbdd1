"""The municipality map (app/benchmark/maps.py): 98 shapes with their codes, colour classes that
match the values, Danish numbers in the legend, nothing fetched from elsewhere; and its use
on the national benchmark page, on a solution's page and in the benchmark PDF report."""

from __future__ import annotations

import csv
import io
import json
import re
import time
from typing import Any
from xml.etree import ElementTree

import pytest

from app.benchmark import map_figures, maps
from app.benchmark.maps import Categories, Steps, municipality_map

SVG = "{http://www.w3.org/2000/svg}"
RATES = Steps((0, .2, .4, .6, .8, 1), percent=True)


def _municipality_codes() -> list[str]:
    with (maps.PROJECT_ROOT / "data" / "reference" / "municipalities.csv").open(encoding="utf-8") as f:
        return [row["code"] for row in csv.DictReader(f)]


def _shapes(svg: str) -> dict[str, ElementTree.Element]:
    root = ElementTree.fromstring(svg)
    return {p.get("data-code", ""): p for p in root.iter(f"{SVG}path")}


def test_the_data_file_has_every_municipality_and_notes_its_making() -> None:
    data = json.loads(maps.MAP_FILE.read_text(encoding="utf-8"))
    assert sorted(m["code"] for m in data["municipalities"]) == sorted(_municipality_codes())
    assert "411" not in {m["code"] for m in data["municipalities"]}  # Christiansø is no municipality
    assert data["crs"] == "EPSG:25832" and data["tolerance_m"] > 0
    assert maps.MAP_FILE.stat().st_size < 150_000  # sized for the web
    assert all(re.fullmatch(r"(M-?\d+ -?\d+l[-\d ]+z)+", m["d"]) for m in data["municipalities"])


def test_98_shapes_with_the_right_codes_and_names() -> None:
    codes = _municipality_codes()
    fig = municipality_map({c: .5 for c in codes}, RATES, title="T", value_label="V", lang="da")
    shapes = _shapes(fig.svg)
    assert len(shapes) == 98 and set(shapes) == set(codes)
    assert shapes["101"].find(f"{SVG}title").text == "København: 50 %"  # type: ignore[union-attr]
    assert shapes["400"].find(f"{SVG}title").text == "Bornholm: 50 %"  # type: ignore[union-attr]
    root = ElementTree.fromstring(fig.svg)
    assert root.get("role") == "img" and root.get("viewBox", "").startswith("0 0 ")
    assert root.get("aria-labelledby") == "map-title map-desc" and root.find(f"{SVG}title").text == "T"  # type: ignore[union-attr]
    assert len(fig.rows) == 98 and [r.name for r in fig.rows][:2] == ["Aabenraa", "Aalborg"]
    assert fig.rows[-1].name == "Ærø"  # Danish order: Æ, Ø, Å after Z


@pytest.mark.parametrize(("value", "css_class"), [
    (0.0, "map-c0"), (0.19, "map-c0"), (0.2, "map-c1"), (0.5, "map-c2"), (0.79, "map-c3"), (0.8, "map-c4"),
    (1.0, "map-c4"), (1.7, "map-c4"), (-1.0, "map-c0"), (None, "map-none")])
def test_colour_classes_match_the_values(value: float | None, css_class: str) -> None:
    fig = municipality_map({"101": value}, RATES, title="T", value_label="V", lang="da")
    shape = _shapes(fig.svg)["101"]
    assert shape.get("class") == css_class
    colours = RATES.colours()
    assert shape.get("fill") == (maps.NO_DATA if value is None else colours[int(css_class[-1])])
    assert next(r for r in fig.rows if r.code == "101").css_class == css_class
    assert _shapes(fig.svg)["147"].get("class") == "map-none"  # left out = no data


def test_categories_are_coloured_by_their_key() -> None:
    scale = Categories((("in_operation", "I drift"), ("pilot", "Pilot")))
    fig = municipality_map({"101": "in_operation", "147": "pilot", "151": "unknown"}, scale,
                           title="T", value_label="Status", lang="da", missing_label="Ikke indberettet")
    shapes = _shapes(fig.svg)
    assert (shapes["101"].get("class"), shapes["147"].get("class"), shapes["151"].get("class")) == (
        "map-c0", "map-c1", "map-none")
    assert shapes["101"].get("fill") != shapes["147"].get("fill")
    assert shapes["147"].find(f"{SVG}title").text == "Frederiksberg: Pilot"  # type: ignore[union-attr]


def _legend(svg: str) -> list[str]:
    root = ElementTree.fromstring(svg)
    legend = next(g for g in root.iter(f"{SVG}g") if g.get("class") == "map-legend")
    return [t.text or "" for t in legend.iter(f"{SVG}text")]


def test_legend_numbers_are_danish_in_danish_and_english_in_english() -> None:
    steps = Steps((0, 1500.5, 3000, 4500.25), digits=1)
    da = municipality_map({"101": 2000.0}, steps, title="T", value_label="Brugere", lang="da")
    en = municipality_map({"101": 2000.0}, steps, title="T", value_label="Users", lang="en")
    assert _legend(da.svg) == ["Brugere", "0–1.500,5", "1.500,5–3.000", "3.000–4.500,2", "Ingen data"]
    assert _legend(en.svg) == ["Users", "0–1,500.5", "1,500.5–3,000", "3,000–4,500.2", "No data"]
    rate = municipality_map({"101": .425}, Steps((0, .5, 1), percent=True, digits=1), title="T",
                            value_label="V", lang="da")
    assert next(r.text for r in rate.rows if r.code == "101") == "42,5 %"
    assert da.attribution.startswith("Kommunegrænser:") and en.attribution.startswith("Municipal boundaries:")


def test_no_external_urls_scripts_or_styles_in_the_svg() -> None:
    fig = municipality_map({"101": "x<script>"}, Categories((("x<script>", '<b>"&'),)), title='<"T">',
                           value_label="V&", lang="da")
    ElementTree.fromstring(fig.svg)  # well-formed: every text escaped
    assert re.findall(r"https?://[^\"]+", fig.svg) == ["http://www.w3.org/2000/svg"]
    assert "<script" not in fig.svg and "href" not in fig.svg and "<image" not in fig.svg and "url(" not in fig.svg


def test_bad_steps_are_refused() -> None:
    for bounds in [(1.0,), (0.0, 0.0), (1.0, 0.0)]:
        with pytest.raises(ValueError, match="bounds"):
            Steps(bounds)


def test_even_steps_reach_the_largest_value() -> None:
    steps = map_figures.even_steps({"101": 3.2, "147": 41.0})
    assert steps.bounds == (0, 10, 20, 30, 40, 50) and steps.index(41.0) == 4 and steps.index(3.2) == 0
    assert map_figures.even_steps({}).bounds == (0, .2, .4, .6, .8, 1)
    small = map_figures.even_steps({"101": .0909, "147": 0.0}, percent=True)
    assert small.bounds == (0, .02, .04, .06, .08, .1) and small.labels("da")[0] == "0–2 %"
    tiny = map_figures.even_steps({"101": .003}, percent=True)
    assert tiny.labels("da")[1] == "0,1–0,2 %" and tiny.index(.003) == 3
    assert map_figures.even_steps({"101": -4.0, "147": 6.0}).bounds[0] == -4.0


def test_one_map_renders_fast() -> None:
    values = {c: i / 98 for i, c in enumerate(_municipality_codes())}
    municipality_map(values, RATES, title="T", value_label="V", lang="da")
    started = time.perf_counter()
    municipality_map(values, RATES, title="T", value_label="V", lang="da")
    assert time.perf_counter() - started < 0.5  # measured ~10-40 ms; generous on a shared machine


# ---- pages --------------------------------------------------------------------------


def test_national_page_shows_the_adoption_map_with_its_table_and_csv(client: Any) -> None:
    national = client.get("/api/benchmark/national").json()
    assert len(national["municipalities"]) == 98
    page = client.get("/benchmark")
    assert page.status_code == 200
    svg = re.search(r'<svg[^>]*class="map".*?</svg>', page.text, re.S)
    assert svg is not None
    shapes = _shapes(svg.group(0))
    assert len(shapes) == 98
    scale = map_figures.even_steps({c: r for c, r in national["municipalities"].items() if r is not None},
                                   percent=True)
    for code, rate in national["municipalities"].items():
        assert shapes[code].get("class") == ("map-none" if rate is None else f"map-c{scale.index(rate)}")
    assert 'id="map-adoption-table"' in page.text and "Kommunegrænser: Geodatastyrelsen" in page.text
    rows = list(csv.DictReader(io.StringIO(client.get("/benchmark?format=csv&table=map").text)))
    assert len(rows) == 98 and {r["code"] for r in rows} == set(national["municipalities"])


def test_national_page_maps_a_chosen_indicator(client: Any) -> None:
    page = client.get("/benchmark?indicator=kol-hjemmemonitorering")
    assert page.status_code == 200
    assert 'id="map-indicator"' in page.text and '<option value="kol-hjemmemonitorering" selected>' in page.text
    svg = re.search(r'<svg[^>]*class="map".*?</svg>', page.text, re.S)
    assert svg is not None and any(p.get("class") != "map-none" for p in _shapes(svg.group(0)).values())
    rows = list(csv.DictReader(io.StringIO(
        client.get("/benchmark?format=csv&table=map&indicator=kol-hjemmemonitorering").text)))
    assert len(rows) == 98 and any(r["value"] for r in rows)


@pytest.mark.parametrize("indicator", ["nonsense", "videokonsultationer", "'; DROP TABLE x;--"])
def test_an_unknown_or_non_municipal_indicator_is_refused_naming_the_field(client: Any, indicator: str) -> None:
    page = client.get("/benchmark", params={"indicator": indicator})
    assert page.status_code == 400 and "indicator" in page.text


def test_solution_page_maps_where_it_is_in_use(client: Any) -> None:
    page = client.get("/solutions/liva/overview")
    assert page.status_code == 200
    svg = re.search(r'<svg[^>]*class="map".*?</svg>', page.text, re.S)
    assert svg is not None and 'id="map-in-use"' in page.text
    shapes = _shapes(svg.group(0))
    assert len(shapes) == 98
    adoption = client.get("/api/solutions/liva/adoption").json()
    using = {o["ref"].split(":")[1] for o in adoption["organisations"]
             if o["kind"] == "municipality" and o["status"] == "in_operation"}
    assert using and {c for c, p in shapes.items() if p.get("class") == "map-c0"} == using
    assert "Kommunegrænser" in page.text


def test_solution_without_municipal_use_has_no_map(client: Any) -> None:
    page = client.get("/solutions/video-sundhed-dk/overview")
    assert page.status_code == 200 and 'class="map"' not in page.text


@pytest.mark.slow
def test_the_benchmark_pdf_report_carries_the_same_map(app: Any, tmp_path: Any) -> None:
    from app.cli import CLI_PRINCIPAL
    from app.reporting import render
    from app.reporting import services as reports

    with app.state.session_factory() as session:
        ctx = reports.build(session, reports.ReportRequest("national-benchmark"), principal=CLI_PRINCIPAL,
                            frameworks=app.state.frameworks, search_backend=app.state.search_backend)
        region = reports.build(session, reports.ReportRequest("national-benchmark", region="1081"),
                               principal=CLI_PRINCIPAL, frameworks=app.state.frameworks,
                               search_backend=app.state.search_backend)
    html = render.render_html(ctx)
    svg = re.search(r'<svg[^>]*class="map".*?</svg>', html, re.S)
    assert svg is not None and len(_shapes(svg.group(0))) == 98
    assert sum(1 for row in ctx["map_rows"] for r in row if r) == 98
    assert sum(1 for row in region["map_rows"] for r in row if r) == 11  # Region Nordjylland's own
    out = tmp_path / "national.pdf"
    render.html_to_pdf(html, out)
    import subprocess

    text = re.sub(r"\s+", " ", subprocess.run(["pdftotext", str(out), "-"], check=True, capture_output=True,
                                               text=True).stdout)
    assert "Kommunerne på kortet" in text and "Kommunegrænser: Geodatastyrelsen" in text
    assert "Ingen prioriteret løsning" in text or "0–" in text  # the legend is text in the PDF


def test_a_value_reads_with_one_decimal_more_than_the_legend() -> None:
    fig = municipality_map({"101": 31.45, "147": 2.0}, Steps((0, 10, 20, 30, 40)), title="T", value_label="V",
                           lang="da")
    texts = {r.code: r.text for r in fig.rows}
    assert (texts["101"], texts["147"]) == ("31,4", "2")
