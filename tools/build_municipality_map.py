"""Build the web map of the 98 municipalities (`data/reference/municipalities-map.json`).

    .venv/bin/python tools/build_municipality_map.py SOURCE.geojson [--tolerance 250] [--min-island 1]

SOURCE is the boundary file described in `data/reference/SOURCES.md` (WGS84 polygons, one
feature per island, property `lau_1` = municipality code). The boundaries are projected to
ETRS89 / UTM zone 32N (EPSG:25832, the flat grid Danish maps use, so the country is not
stretched), simplified as one coverage (shapely's `coverage_simplify`: a border shared by
two municipalities is simplified once, so neighbours keep meeting without gaps or
overlaps), islands smaller than `--min-island` km² are left out (never a municipality's
largest part), and Bornholm is moved into a framed inset in the empty north-east corner
(its true place would leave a third of the map as sea). Christiansø (411) is not a
municipality and is left out. Coordinates are written as whole map units of `UNIT_M`
metres in SVG path data (absolute first point, then relative steps), north up.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
from collections import defaultdict
from pathlib import Path

import numpy as np
import shapely
import shapely.affinity
from pyproj import Transformer
from shapely.geometry import Polygon, shape

ROOT = Path(__file__).resolve().parent.parent
MUNICIPALITIES = ROOT / "data" / "reference" / "municipalities.csv"
OUT = ROOT / "data" / "reference" / "municipalities-map.json"
CRS = "EPSG:25832"
UNIT_M = 250  # one map unit
BORNHOLM = "400"
INSET_GAP_M = 15_000  # between the inset frame and the mainland's bounding box corner
INSET_PAD_M = 6_000  # inside the frame around Bornholm


def read_source(path: Path) -> dict[str, list[Polygon]]:
    to_grid = Transformer.from_crs("EPSG:4326", CRS, always_xy=True).transform

    def project(lonlat: np.ndarray) -> np.ndarray:
        return np.column_stack(to_grid(lonlat[:, 0], lonlat[:, 1]))

    parts: dict[str, list[Polygon]] = defaultdict(list)
    for feature in json.loads(path.read_text(encoding="utf-8"))["features"]:
        flat = shapely.force_2d(shape(feature["geometry"]))
        parts[feature["properties"]["lau_1"]].append(shapely.transform(flat, project))
    return parts


def simplify(parts: dict[str, list[Polygon]], tolerance_m: float, min_island_km2: float) -> dict[str, list[Polygon]]:
    codes = [code for code, polys in parts.items() for _ in polys]
    flat = [poly for polys in parts.values() for poly in polys]
    if not shapely.coverage_is_valid(flat):
        raise SystemExit("the source polygons do not form a valid coverage (overlaps or unmatched borders)")
    out: dict[str, list[Polygon]] = defaultdict(list)
    for code, poly in zip(codes, shapely.coverage_simplify(flat, tolerance_m), strict=True):
        if not poly.is_empty:
            out[code].append(poly)
    for code, polys in out.items():
        polys.sort(key=lambda p: -p.area)
        out[code] = [polys[0], *(p for p in polys[1:] if p.area >= min_island_km2 * 1e6)]
    return out


def move_bornholm(parts: dict[str, list[Polygon]]) -> tuple[float, float, float, float]:
    """Translate Bornholm into the north-east corner; returns its frame (minx, miny, maxx, maxy)."""
    mainland = shapely.union_all([p for code, polys in parts.items() if code != BORNHOLM for p in polys])
    _minx, _miny, maxx, maxy = mainland.bounds
    bx0, by0, bx1, by1 = shapely.union_all(parts[BORNHOLM]).bounds
    frame_w, frame_h = bx1 - bx0 + 2 * INSET_PAD_M, by1 - by0 + 2 * INSET_PAD_M
    frame = (maxx - frame_w, maxy - frame_h - INSET_GAP_M, maxx, maxy - INSET_GAP_M)
    dx, dy = frame[0] + INSET_PAD_M - bx0, frame[1] + INSET_PAD_M - by0
    parts[BORNHOLM] = [shapely.affinity.translate(p, dx, dy) for p in parts[BORNHOLM]]
    return frame


def ring_path(coords: list[tuple[float, float]], origin: tuple[float, float]) -> str:
    ox, oy = origin
    points: list[tuple[int, int]] = []
    for x, y in coords[:-1]:
        point = (round((x - ox) / UNIT_M), round((oy - y) / UNIT_M))
        if not points or point != points[-1]:
            points.append(point)
    if len(points) < 3:
        return ""
    steps = " ".join(f"{x - px} {y - py}" for (px, py), (x, y) in itertools.pairwise(points))
    return f"M{points[0][0]} {points[0][1]}l{steps}z"


def polygon_path(poly: Polygon, origin: tuple[float, float]) -> str:
    rings = [poly.exterior, *poly.interiors]
    return "".join(ring_path(list(ring.coords), origin) for ring in rings)


def build(source: Path, tolerance_m: float, min_island_km2: float) -> dict[str, object]:
    with MUNICIPALITIES.open(encoding="utf-8") as f:
        names = {row["code"]: row["name"] for row in csv.DictReader(f)}
    parts = simplify({c: p for c, p in read_source(source).items() if c in names}, tolerance_m, min_island_km2)
    missing = sorted(set(names) - set(parts))
    if missing:
        raise SystemExit(f"no boundary for municipalities {', '.join(missing)}")
    fx0, fy0, fx1, fy1 = move_bornholm(parts)
    minx, miny, maxx, maxy = shapely.union_all([p for polys in parts.values() for p in polys]).bounds
    origin = (minx, maxy)
    municipalities = []
    for code in sorted(names, key=int):
        whole = shapely.union_all(parts[code])
        inside = whole.point_on_surface()
        municipalities.append({
            "code": code, "name": names[code],
            "d": "".join(polygon_path(p, origin) for p in parts[code]),
            "label": [round((inside.x - origin[0]) / UNIT_M), round((origin[1] - inside.y) / UNIT_M)],
        })
    return {
        "source": "data/reference/SOURCES.md (municipalities-map.json)",
        "attribution": "Geodatastyrelsen (DAGI/FOT 2014) via magnuslarsen/geoJSON-Danish-Municipalities",
        "crs": CRS, "unit_m": UNIT_M, "tolerance_m": tolerance_m, "min_island_km2": min_island_km2,
        "width": round((maxx - minx) / UNIT_M), "height": round((maxy - miny) / UNIT_M),
        "inset": {"code": BORNHOLM, "frame": [round((fx0 - minx) / UNIT_M), round((maxy - fy1) / UNIT_M),
                                              round((fx1 - fx0) / UNIT_M), round((fy1 - fy0) / UNIT_M)]},
        "municipalities": municipalities,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path)
    parser.add_argument("--tolerance", type=float, default=250.0, help="simplification tolerance in metres")
    parser.add_argument("--min-island", type=float, default=1.0, help="smallest island kept, km²")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    data = build(args.source, args.tolerance, args.min_island)
    args.out.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"{args.out}: {len(data['municipalities'])} municipalities, "  # type: ignore[arg-type]
          f"{args.out.stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
