"""The `blaastempel` command."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import click
from sqlalchemy.orm import Session

from app.core.principal import Principal
from app.core.roles import Role
from app.settings import Settings

if TYPE_CHECKING:
    from app.accounts.models import User
    from app.reporting.services import ReportRequest

# The command line acts with full read rights (seed, imports, reports).
CLI_PRINCIPAL = Principal(id=0, email="cli", name="Blåstempel (kommandolinje)", role=Role.ADMIN)


def _settings() -> Settings:
    return Settings.from_env()


@contextmanager
def cli_session(settings: Settings, actor: str = "cli") -> Iterator[Session]:
    """One transaction: committed when the block succeeds, rolled back otherwise."""
    from app.audit.hook import set_actor
    from app.db.engine import make_engine
    from app.registry import make_session_factory

    engine = make_engine(settings.sqlalchemy_url)
    try:
        with make_session_factory(engine)() as session:
            set_actor(session, None, actor)
            with session.begin():
                yield session
    finally:
        engine.dispose()


WORKER_HEALTHCHECK_S = 60  # seconds a `serve --workers N` worker may leave a ping unanswered


@click.group()
def main() -> None:
    """Blåstempel: the national register of digital health solutions."""


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=1, show_default=True, type=int)
@click.option("--send-mail", is_flag=True, help="Also deliver the notification outbox in the background "
              "(as `notify send` does, every BLAASTEMPEL_MAIL_INTERVAL seconds).")
def serve(host: str, port: int, workers: int, send_mail: bool) -> None:
    """Serve the web application."""
    import os

    import uvicorn

    from app import logs
    from app.notifications.config import MailSettings

    if send_mail:
        os.environ["BLAASTEMPEL_MAIL_SENDER"] = "1"  # read by every worker's create_app
        click.echo(f"notifications: {MailSettings.from_env().describe()}")

    log_config = logs.config(logs.log_format())
    with metrics_directory(workers):
        # Keep idle connections longer than clients wait between requests (uvicorn's 5 s
        # default races with a client reusing the connection: "connection reset by peer").
        # Access lines come from the app (app.web.observe), with route and duration. With
        # workers, each must answer the supervisor's health check within
        # WORKER_HEALTHCHECK_S, also while it imports the app: uvicorn's 5 s made a busy
        # machine kill and restart its starting workers in a loop.
        uvicorn.run("app.asgi:create", factory=True, host=host, port=port, workers=workers,
                    proxy_headers=True, timeout_keep_alive=75, log_config=log_config, access_log=False,
                    timeout_worker_healthcheck=WORKER_HEALTHCHECK_S)


@contextmanager
def metrics_directory(workers: int) -> Iterator[None]:
    """With several workers, a fresh PROMETHEUS_MULTIPROC_DIR for this `serve` (unless one
    is given), so /metrics adds up every worker's counts (app.metrics); removed at exit."""
    import os
    import shutil
    import tempfile

    if workers < 2 or os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        yield
        return
    folder = tempfile.mkdtemp(prefix="blaastempel-metrics-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = folder  # read by every worker as it starts
    try:
        yield
    finally:
        os.environ.pop("PROMETHEUS_MULTIPROC_DIR", None)  # nothing may point at a removed folder
        shutil.rmtree(folder, ignore_errors=True)


@main.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    """Apply the Alembic migrations."""
    from app.db.migrate import upgrade

    settings = _settings()
    upgrade(settings.sqlalchemy_url, revision)
    click.echo(f"database at {revision} ({settings.database_kind})")


@main.command()
@click.option("--demo", is_flag=True, help="Also load the demo catalogue and demo users.")
def seed(demo: bool) -> None:
    """Load reference data (regions, municipalities, hospitals, ...). Safe to run again."""
    from app.seed import seed_demo, seed_reference

    settings = _settings()
    with cli_session(settings, "cli:seed") as session:
        seed_reference(session, settings.data_dir)
        if demo:
            seed_demo(session, settings.data_dir)
    click.echo("reference data loaded" + (" with the demo catalogue" if demo else ""))


@main.group()
def users() -> None:
    """User accounts."""


@users.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", required=True,
              type=click.Choice(["admin", "approver", "assessor", "procurement", "org_reporter", "vendor"]))
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--organisation", help="kind:code, e.g. municipality:169 (org_reporter)")
@click.option("--vendor", help="vendor name (vendor users)")
def users_create(email: str, name: str, role: str, password: str, organisation: str | None,
                 vendor: str | None) -> None:
    """Create a user."""
    from app.accounts.services import create_user
    from app.errors import ValidationFailed

    try:
        with cli_session(_settings(), "cli:users") as session:
            user = create_user(session, email=email, name=name, role=role, password=password,
                               organisation_ref=organisation, vendor_name=vendor)
            click.echo(f"created user {user.email} ({user.role})")
    except ValidationFailed as exc:
        raise click.ClickException(str(exc)) from exc


def _change_user(email: str, change: Callable[[Session, User], str]) -> None:
    """Apply a change to one user in one transaction; bad input is a clear error."""
    from app.accounts.services import user_by_email
    from app.errors import ValidationFailed

    try:
        with cli_session(_settings(), "cli:users") as session:
            user = user_by_email(session, email)
            if user is None:
                raise click.ClickException(f"no user with e-mail {email}")
            click.echo(change(session, user))
    except ValidationFailed as exc:
        raise click.ClickException(str(exc)) from exc


@users.command("set-role")
@click.option("--email", required=True)
@click.option("--role", required=True,
              type=click.Choice(["admin", "approver", "assessor", "procurement", "org_reporter", "vendor"]))
@click.option("--organisation", help="kind:code, e.g. municipality:169 (org_reporter)")
@click.option("--vendor", help="vendor name (vendor users)")
def users_set_role(email: str, role: str, organisation: str | None, vendor: str | None) -> None:
    """Change a user's role; their sessions and tokens have it from their next request."""
    from app.accounts.services import change_role

    _change_user(email, lambda session, user: (
        f"{change_role(session, user, role, organisation, vendor).email} is now {role}"))


@users.command("set-password")
@click.option("--email", required=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
def users_set_password(email: str, password: str) -> None:
    """Set a new password; every session of the user ends."""
    from app.accounts.services import set_password

    _change_user(email, lambda session, user: (
        f"new password for {set_password(session, user, password).email}; their sessions have ended"))


@users.command("deactivate")
@click.option("--email", required=True)
def users_deactivate(email: str) -> None:
    """Deactivate a user: their sessions end and their API tokens stop working."""
    from app.accounts.services import set_active

    _change_user(email, lambda session, user: f"{set_active(session, user, False).email} is deactivated")


@users.command("activate")
@click.option("--email", required=True)
def users_activate(email: str) -> None:
    """Let a deactivated user log in again."""
    from app.accounts.services import set_active

    _change_user(email, lambda session, user: f"{set_active(session, user, True).email} is active")


@main.group()
def tokens() -> None:
    """API bearer tokens."""


@tokens.command("create")
@click.option("--email", required=True, help="the user the token acts as")
@click.option("--name", default="cli", show_default=True)
@click.option("--days", default=365, show_default=True, type=int, help="0 = never expires")
def tokens_create(email: str, name: str, days: int) -> None:
    """Issue a bearer token; it is shown once."""
    from app.accounts.services import create_token, user_by_email

    with cli_session(_settings(), "cli:tokens") as session:
        user = user_by_email(session, email)
        if user is None:
            raise click.ClickException(f"no user with e-mail {email}")
        click.echo(create_token(session, user, name, days or None))


@main.command()
@click.option("--solutions", default=100_000, show_default=True, type=int)
@click.option("--projects", default=20_000, show_default=True, type=int)
@click.option("--needs", default=10_000, show_default=True, type=int)
@click.option("--seed", "random_seed", default=2026, show_default=True, type=int)
@click.option("--adoption", default=0, show_default=True, type=int,
              help="also write this many synthetic adoption records (benchmark)")
def generate(solutions: int, projects: int, needs: int, random_seed: int, adoption: int) -> None:
    """Write a synthetic national-scale data set (for benchmarks) on top of reference data."""
    from app.catalogue.generate import generate_catalogue
    from app.seed import seed_reference

    settings = _settings()
    with cli_session(settings, "cli:generate") as session:
        seed_reference(session, settings.data_dir)
        counts = generate_catalogue(session, solutions=solutions, projects=projects, needs=needs,
                                    seed=random_seed, progress=True)
        if adoption:
            from app.benchmark.generate import generate_adoption

            try:
                counts |= generate_adoption(session, records=adoption, seed=random_seed, progress=True)
            except ValueError as exc:
                raise click.ClickException(str(exc)) from exc
    click.echo(", ".join(f"{v:,} {k}" for k, v in counts.items()))


@main.group()
def benchmark() -> None:
    """National benchmark of adoption."""


@benchmark.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--kind", type=click.Choice(["adoption", "indicators"]), help="default: detect from the columns")
def benchmark_import(file: str, kind: str | None) -> None:
    """Import adoption records or indicator values from CSV/Excel: all rows or none."""
    from pathlib import Path

    from app.benchmark import importer
    from app.errors import ValidationFailed

    path = Path(file)
    try:
        with cli_session(_settings(), f"cli:benchmark import {path.name}") as session:
            report = importer.import_file(session, importer.SYSTEM, path.name, path.read_bytes(), kind)
    except importer.ImportRejected as exc:
        for e in exc.report.errors:
            click.echo(f"row {e.row}, {e.column}: {e.reason}", err=True)
        raise click.ClickException(f"nothing imported: {len(exc.report.errors)} errors") from exc
    except ValidationFailed as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{report.rows} rows: {report.created} new, {report.updated} changed, "
               f"{report.unchanged} unchanged")


@benchmark.command("compute")
@click.option("--as-of", "as_of", help="YYYY-MM-DD (default: today)")
def benchmark_compute(as_of: str | None) -> None:
    """Compute the national benchmark and print the headline figures and regions."""
    import time
    from datetime import date

    from app.benchmark import services as svc

    day = date.fromisoformat(as_of) if as_of else None
    started = time.perf_counter()
    with cli_session(_settings(), "cli:benchmark") as session:
        view = svc.national_view(session, "da", day)
    n = view["national"]
    click.echo(f"as of {view['as_of']} ({time.perf_counter() - started:.2f} s)")
    for key, value in n.items():
        click.echo(f"  {key}: {value if value is not None else '-'}")
    for r in view["regions"]:
        rate = "-" if r["adoption_rate"] is None else f"{r['adoption_rate']:.1%}"
        click.echo(f"  {r['rank'] or '-'}. {r['name']}: {rate}, {r['users_per_100k'] or 0:,.0f} users per 100k")


@main.group()
def approvals() -> None:
    """Approvals (blue-stamping)."""


@approvals.command("expire")
@click.option("--today", "today_text", help="YYYY-MM-DD (default: today in Denmark)")
def approvals_expire(today_text: str | None) -> None:
    """Record the expiry of temporary approvals past their end date. Idempotent: run it daily."""
    from datetime import date

    from app.approvals.services import expire_due

    try:
        day = date.fromisoformat(today_text) if today_text else None
    except ValueError as exc:
        raise click.BadParameter(f"{today_text!r} is not a date (YYYY-MM-DD)", param_hint="--today") from exc
    with cli_session(_settings(), "cli:approvals-expire") as session:
        expired = expire_due(session, day)
        for case in expired:
            click.echo(f"expired {case.register_number} {case.solution.name} (ended {case.valid_until})")
    click.echo(f"{len(expired)} temporary approval(s) expired")


@main.group()
def notify() -> None:
    """E-mail notifications."""


@notify.command("remind")
@click.option("--today", "today_text", help="YYYY-MM-DD (default: today in Denmark)")
def notify_remind(today_text: str | None) -> None:
    """Write the day's reminders (approval deadlines) and saved-search alerts. Idempotent: run it daily."""
    from datetime import date

    from app.approvals.reminders import remind
    from app.core.clock import today
    from app.notifications.saved_searches import alert
    from app.search.services import make_backend

    try:
        day = date.fromisoformat(today_text) if today_text else today()
    except ValueError as exc:
        raise click.BadParameter(f"{today_text!r} is not a date (YYYY-MM-DD)", param_hint="--today") from exc
    settings = _settings()
    with cli_session(settings, "cli:notify-remind") as session:
        reminders = remind(session, day)
        alerts = alert(session, make_backend(settings))
    click.echo(f"{reminders} reminder(s) and {alerts} saved-search alert(s) written for {day.isoformat()}")


@main.command()
@click.option("--backend", "backend_name", default=None,
              help="sqlite-fts5 | postgresql | meilisearch (default: the one the app uses)")
def reindex(backend_name: str | None) -> None:
    """Rebuild a search index from the database."""
    from rich.progress import Progress

    from app.db.engine import make_engine
    from app.registry import make_session_factory
    from app.search.reindex import reindex as rebuild
    from app.search.services import make_backend

    settings = _settings()
    backend = make_backend(settings, backend_name)
    engine = make_engine(settings.sqlalchemy_url)
    try:
        with Progress() as bar:
            task = bar.add_task(f"indeksering ({backend.name})", total=None)
            done, seconds = rebuild(make_session_factory(engine), backend,
                                    lambda n, total: bar.update(task, completed=n, total=total))
    finally:
        engine.dispose()
    click.echo(f"{done:,} records indexed into {backend.name} in {seconds:.1f} s")


@notify.command("send")
def notify_send() -> None:
    """Deliver the pending mail that is due (run it from cron, e.g. every five minutes)."""
    from app.db.engine import make_engine
    from app.notifications.config import MailSettings
    from app.notifications.sender import Sender
    from app.notifications.transport import make_transport
    from app.registry import make_session_factory

    settings, mail = _settings(), MailSettings.from_env()
    engine = make_engine(settings.sqlalchemy_url)
    try:
        click.echo(mail.describe())
        report = Sender(make_session_factory(engine), make_transport(mail), mail, settings.base_url).run()
        click.echo(str(report))
    finally:
        engine.dispose()


@main.command("search")
@click.argument("query", default="")
@click.option("--type", "types", multiple=True, help="solution | project | need (repeatable)")
@click.option("--facet", "facets", multiple=True, help="facet=value, e.g. purpose=treatment (repeatable)")
@click.option("--sort", default="relevance", show_default=True)
@click.option("--limit", default=20, show_default=True, type=int)
@click.option("--offset", default=0, show_default=True, type=int)
@click.option("--json", "as_json", is_flag=True, help="print JSON like GET /api/search")
def search_command(query: str, types: tuple[str, ...], facets: tuple[str, ...], sort: str, limit: int,
                   offset: int, as_json: bool) -> None:
    """Search solutions, projects and needs (the same answer as GET /api/search)."""
    import json
    import re
    from dataclasses import asdict

    import msgspec

    from app.search.backend import SearchQuery
    from app.search.services import make_backend

    filters: dict[str, list[str]] = {"type": list(types)} if types else {}
    for item in facets:
        key, sep, value = item.partition("=")
        if not sep:
            raise click.BadParameter(f"{item!r}: use facet=value", param_hint="--facet")
        filters.setdefault(key.strip(), []).append(value.strip())
    settings = _settings()
    backend = make_backend(settings)
    with cli_session(settings, "cli:search") as session:
        result = backend.search(session, SearchQuery.make(q=query, filters=filters, sort=sort,
                                                          limit=limit, offset=offset))
    if as_json:
        click.echo(json.dumps({"total": result.total, "hits": [asdict(h) for h in result.hits],
                               "facets": msgspec.to_builtins(result.facets),
                               "unmatched_terms": result.unmatched_terms, "relaxed": result.relaxed},
                              ensure_ascii=False, indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    def plain(html_text: str) -> str:
        return re.sub(r"</?mark>", "", html_text).replace("&amp;", "&").replace("&quot;", '"') \
            .replace("&#x27;", "'").replace("&lt;", "<").replace("&gt;", ">")

    table = Table(title=f"{result.total:,} results ({backend.name})")
    for column in ("type", "id", "title", "url"):
        table.add_column(column)
    for hit in result.hits:
        table.add_row(hit.type, str(hit.id), plain(hit.title), hit.url)
    Console().print(table)


@main.command("export")
@click.argument("archive", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--include-secrets", is_flag=True,
              help="keep password hashes and API tokens (default: left out; restored accounts then need "
                   "`users set-password`)")
def export_command(archive: Path, include_secrets: bool) -> None:
    """Write the whole register (data and audit trail) to a portable zip archive."""
    from app.archive import ArchiveError, export_archive
    from app.db.engine import make_engine
    from app.files.storage import make_storage

    settings = _settings()
    engine = make_engine(settings.sqlalchemy_url)
    try:
        with engine.connect() as conn:
            manifest = export_archive(conn, archive, lambda t, n: click.echo(f"  {t}: {n:,}"), include_secrets,
                                      make_storage(settings))
    except ArchiveError as exc:
        raise click.ClickException(f"no archive written: {exc}") from exc
    finally:
        engine.dispose()
    click.echo(f"wrote {archive} ({sum(manifest['tables'].values()):,} rows)")
    if not include_secrets:
        click.echo("password hashes and API tokens were left out (--include-secrets keeps them)")


@main.command("import")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_command(archive: Path) -> None:
    """Restore an archive into an empty, migrated database (all or nothing)."""
    from app.archive import ArchiveError, import_archive
    from app.db.engine import make_engine
    from app.files.storage import make_storage

    settings = _settings()
    engine = make_engine(settings.sqlalchemy_url)
    try:
        with engine.begin() as conn:
            manifest = import_archive(conn, archive, lambda t, n: click.echo(f"  {t}: {n:,}"),
                                      make_storage(settings))
    except ArchiveError as exc:
        raise click.ClickException(f"nothing imported: {exc}") from exc
    finally:
        engine.dispose()
    click.echo(f"restored {sum(manifest['tables'].values()):,} rows; run `blaastempel reindex` "
               "to rebuild the search index")
    if not manifest.get("secrets", True):
        click.echo("the archive has no password hashes or API tokens: give each user a password with "
                   "`blaastempel users set-password --email ...`")


@main.command("report")
@click.argument("kind", type=click.Choice(["national-benchmark", "assessment", "temporary-approvals", "needs",
                                          "programme"]))
@click.option("--region", help="region code, e.g. 1084")
@click.option("--treatment-area", "treatment_area", help="treatment area code")
@click.option("--period", type=int, help="year, YYYY (figures as of the end of that year)")
@click.option("--solution", help="solution slug or id (assessment report)")
@click.option("--programme", help="programme slug (programme report)")
@click.option("--lang", type=click.Choice(["da", "en"]), default="da", show_default=True)
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="FILE.pdf")
def report_command(kind: str, region: str | None, treatment_area: str | None, period: int | None,
                   solution: str | None, programme: str | None, lang: str, out: Path) -> None:
    """Make a PDF report (A4, Danish by default) from the live data."""
    from app.errors import DomainError
    from app.reporting.services import ReportRequest

    req = ReportRequest(kind=kind, lang=lang, region=region, treatment_area=treatment_area, period=period,
                        solution=solution, programme=programme)
    try:
        timings = _run_report(_settings(), req, out)
    except DomainError as exc:
        raise click.ClickException(str(getattr(exc, "detail", exc))) from exc
    click.echo(f"wrote {out} ({out.stat().st_size:,} bytes, {timings['total']:.1f} s)")


def _run_report(settings: Settings, req: ReportRequest, out: Path) -> dict[str, float]:
    """Build the context, render and write the PDF; returns the time of each stage in seconds."""
    import time

    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from app.assessment.library import FrameworkLibrary
    from app.db.engine import make_engine
    from app.registry import make_session_factory
    from app.reporting import render
    from app.reporting import services as svc
    from app.reporting.case_handling import CaseRules
    from app.search.outbox import Indexer
    from app.search.services import make_backend

    req.validate()
    timings: dict[str, float] = {}
    engine = make_engine(settings.sqlalchemy_url)
    factory = make_session_factory(engine)
    try:
        with Progress(SpinnerColumn(), TextColumn("[bold]{task.description}"), BarColumn(),
                      TextColumn("{task.fields[step]}"), TimeElapsedColumn()) as progress:
            task = progress.add_task(f"{req.kind}", total=4, step="")
            started = time.perf_counter()
            library = FrameworkLibrary(settings.frameworks_dir)
            backend = None
            if req.kind == "needs":
                backend = make_backend(settings)  # the index must hold every need and solution
                Indexer(factory, backend).drain_quietly(None, wait=math.inf)
            progress.update(task, advance=1, step="data")
            with factory() as session:
                frameworks = library.registry(session)
                context = svc.build(session, req, principal=CLI_PRINCIPAL, frameworks=frameworks,
                                    search_backend=backend,
                                    progress=lambda step: progress.update(task, step=step),
                                    case_rules=CaseRules(settings.decision_months, settings.yearly_decision_minimum))
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


if __name__ == "__main__":
    main()
