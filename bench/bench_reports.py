"""The national benchmark PDF report for all 98 municipalities.

    .venv/bin/python -m bench.bench_reports [--runs 2]

A fresh database (var/bench/reports.sqlite3, or BENCH_DATABASE_URL) with the reference data
(5 regions, 98 municipalities, the hospitals) and the demo adoption data. Times the whole
generation as `blaastempel report national-benchmark` does it (data → Jinja → WeasyPrint →
file), then WeasyPrint alone on the same HTML, so our overhead is the difference.
Target: the whole report < 20 s. The machine is shared: the load average is printed.
Also times drawing one municipality map (all 98 municipalities, app/benchmark/maps.py) as
the report and the pages draw it: the median of MAP_RUNS, in milliseconds.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from sqlalchemy import func, select

from app.benchmark import map_figures
from app.benchmark import services as bench_svc
from app.catalogue.models import Organisation
from app.cli import CLI_PRINCIPAL
from app.db.engine import make_engine
from app.registry import make_session_factory
from app.reporting import render
from app.reporting import services as svc
from bench.common import BENCH_DIR, bench_database_url, prepare_database

TARGET_S = 20.0
MAP_RUNS = 50


def _map_ms(rates: dict[str, float | None]) -> tuple[float, int]:
    """Median milliseconds to draw the adoption map of all municipalities, and its SVG's size."""
    times, size = [], 0
    for _ in range(MAP_RUNS):
        mark = time.perf_counter()
        size = len(map_figures.adoption_rate_map(rates, "da").svg)
        times.append((time.perf_counter() - mark) * 1000)
    return statistics.median(times), size


def _load() -> str:
    path = Path("/proc/loadavg")
    return " ".join(path.read_text().split()[:3]) if path.exists() else "?"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=2)
    args = parser.parse_args()
    url = bench_database_url("reports")
    prepare_database(url)
    engine = make_engine(url)
    factory = make_session_factory(engine)
    with factory() as session:
        municipalities = session.scalar(select(func.count()).select_from(Organisation).where(
            Organisation.kind == "municipality"))
    out = BENCH_DIR / "national-benchmark.pdf"
    req = svc.ReportRequest(kind="national-benchmark")
    render.html_to_pdf("<p>warm up</p>")  # import WeasyPrint and load fonts once, like a running worker
    totals, data_s, html_s, pdf_s, alone_s = [], [], [], [], []
    html = ""
    for _ in range(args.runs):
        started = time.perf_counter()
        with factory() as session:
            context = svc.build(session, req, principal=CLI_PRINCIPAL)
            data_s.append(time.perf_counter() - started)
            mark = time.perf_counter()
            html = render.render_html(context)
            html_s.append(time.perf_counter() - mark)
        mark = time.perf_counter()
        render.html_to_pdf(html, out)
        pdf_s.append(time.perf_counter() - mark)
        totals.append(time.perf_counter() - started)
    for _ in range(args.runs):  # WeasyPrint alone on the same HTML and stylesheet
        from weasyprint import CSS, HTML

        mark = time.perf_counter()
        HTML(string=html, base_url=str(render.REPORTS_DIR)).write_pdf(
            stylesheets=[CSS(filename=str(render.PRINT_CSS))])
        alone_s.append(time.perf_counter() - mark)
    with factory() as session:
        map_ms, map_bytes = _map_ms(bench_svc.national_view(session)["municipalities"])
    engine.dispose()
    from pypdf import PdfReader

    pages = len(PdfReader(str(out)).pages)
    best, alone = min(totals), min(alone_s)
    print(f"national benchmark report: {municipalities} municipalities, {pages} pages, {out.stat().st_size:,} bytes")
    print(f"  whole report (best of {args.runs}): {best:.2f} s  (target < {TARGET_S:.0f} s: "
          f"{'OK' if best < TARGET_S else 'MISSED'}); runs: {', '.join(f'{t:.2f}' for t in totals)}")
    print(f"    data {min(data_s):.2f} s, Jinja {min(html_s):.2f} s, WeasyPrint+write {min(pdf_s):.2f} s")
    print(f"  WeasyPrint alone on the same HTML (best of {args.runs}): {alone:.2f} s; "
          f"runs: {', '.join(f'{t:.2f}' for t in alone_s)}")
    print(f"  our overhead: {best - alone:.2f} s ({(best - alone) / best:.0%} of the whole)")
    print(f"  one municipality map (98 municipalities, median of {MAP_RUNS}): {map_ms:.1f} ms, "
          f"{map_bytes:,} bytes of SVG")
    print(f"  load average: {_load()}")


if __name__ == "__main__":
    main()
