"""The `blaastempel` command."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import click
from sqlalchemy.orm import Session

from app.settings import Settings


def _settings() -> Settings:
    return Settings.from_env()


@contextmanager
def cli_session(settings: Settings, actor: str = "cli") -> Iterator[Session]:
    """One transaction: committed when the block succeeds, rolled back otherwise."""
    import app.audit.hook  # noqa: F401
    from app.audit.hook import set_actor
    from app.db.engine import make_engine, make_session_factory

    engine = make_engine(settings.sqlalchemy_url)
    try:
        with make_session_factory(engine)() as session:
            set_actor(session, None, actor)
            with session.begin():
                yield session
    finally:
        engine.dispose()


@click.group()
def main() -> None:
    """Blåstempel: the national register of digital health solutions."""


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=1, show_default=True, type=int)
def serve(host: str, port: int, workers: int) -> None:
    """Serve the web application."""
    import uvicorn

    uvicorn.run("app.asgi:create", factory=True, host=host, port=port, workers=workers,
                proxy_headers=True)


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
    from app.catalogue.seed import seed_demo, seed_reference

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
def generate(solutions: int, projects: int, needs: int, random_seed: int) -> None:
    """Write a synthetic national-scale data set (for benchmarks) on top of reference data."""
    from app.catalogue.generate import generate_catalogue
    from app.catalogue.seed import seed_reference

    settings = _settings()
    with cli_session(settings, "cli:generate") as session:
        seed_reference(session, settings.data_dir)
        counts = generate_catalogue(session, solutions=solutions, projects=projects, needs=needs,
                                    seed=random_seed, progress=True)
    click.echo(", ".join(f"{v:,} {k}" for k, v in counts.items()))


if __name__ == "__main__":
    main()
