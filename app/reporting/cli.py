"""`blaastempel report KIND ...`: make one PDF report from the command line, with a progress bar."""

from __future__ import annotations

import time
from pathlib import Path

from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from app.accounts.principal import Principal
from app.accounts.roles import Role
from app.reporting import render
from app.reporting import services as svc
from app.settings import Settings

# The command line acts with full read rights (as the seed and import commands do).
CLI_PRINCIPAL = Principal(id=0, email="cli", name="Blåstempel (kommandolinje)", role=Role.ADMIN)


def run_report(settings: Settings, req: svc.ReportRequest, out: Path, *,
               show_progress: bool = True) -> dict[str, float]:
    """Build the context, render and write the PDF; returns the time of each stage in seconds."""
    from app.assessment.loader import load_frameworks
    from app.db.engine import make_engine, make_session_factory
    from app.search.outbox import Indexer
    from app.search.services import choose_backend

    req.validate()
    timings: dict[str, float] = {}
    engine = make_engine(settings.sqlalchemy_url)
    factory = make_session_factory(engine)
    try:
        with Progress(SpinnerColumn(), TextColumn("[bold]{task.description}"), BarColumn(),
                      TextColumn("{task.fields[step]}"), TimeElapsedColumn(), disable=not show_progress) as progress:
            task = progress.add_task(f"{req.kind}", total=4, step="")
            started = time.perf_counter()
            frameworks = load_frameworks(settings.frameworks_dir) if req.kind == "assessment" else None
            backend = None
            if req.kind == "needs":
                backend = choose_backend(settings, engine)
                Indexer(factory, backend).drain_quietly(None)  # the index must hold every need and solution
            progress.update(task, advance=1, step="data")
            with factory() as session:
                context = svc.build(session, req, principal=CLI_PRINCIPAL, frameworks=frameworks,
                                    search_backend=backend,
                                    progress=lambda step: progress.update(task, step=step))
                timings["data"] = time.perf_counter() - started
                progress.update(task, advance=1, step="html")
                mark = time.perf_counter()
                html = render.render_html(context)
                timings["html"] = time.perf_counter() - mark
            progress.update(task, advance=1, step="pdf (WeasyPrint)")
            mark = time.perf_counter()
            render.html_to_pdf(html, out)
            timings["pdf"] = time.perf_counter() - mark
            progress.update(task, advance=1, step="done")
        timings["total"] = time.perf_counter() - started
    finally:
        engine.dispose()
    return timings
