"""A throw-away database of the same kind as the suite's (SQLite file, or a sibling
PostgreSQL database when TEST_DATABASE_URL is set), migrated and seeded with the demo
data. For tests that write freely (fuzzing, fault injection) without disturbing the
shared test database."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from litestar import Litestar
from sqlalchemy import text
from sqlalchemy.engine import make_url

from app.audit.hook import set_actor
from app.db.engine import make_engine
from app.db.migrate import upgrade
from app.main import create_app
from app.registry import make_session_factory
from app.seed import seed_demo, seed_reference
from app.settings import PROJECT_ROOT, Settings, normalise_database_url


def _postgres_sibling(url: str, suffix: str) -> str:
    parsed = make_url(url)
    name = f"{parsed.database}_{suffix}"
    admin = make_engine(parsed.set(database="postgres").render_as_string(hide_password=False))
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return parsed.set(database=name).render_as_string(hide_password=False)


def drop_postgres(url: str) -> None:
    parsed = make_url(url)
    admin = make_engine(parsed.set(database="postgres").render_as_string(hide_password=False))
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
    admin.dispose()


def empty_database(folder: Path, suffix: str) -> str:
    """A fresh, empty database of the suite's kind; returns its SQLAlchemy URL."""
    configured = os.environ.get("TEST_DATABASE_URL")
    if configured:
        return _postgres_sibling(normalise_database_url(configured), suffix)
    return normalise_database_url(f"sqlite:///{folder / f'{suffix}.sqlite3'}")


def scratch_database(folder: Path, suffix: str, *, demo: bool = True) -> str:
    """Create, migrate and seed a fresh database; returns its SQLAlchemy URL."""
    url = empty_database(folder, suffix)
    upgrade(url)
    engine = make_engine(url)
    with make_session_factory(engine)() as session, session.begin():
        set_actor(session, None, "tests:seed")
        seed_reference(session, PROJECT_ROOT / "data")
        if demo:
            seed_demo(session, PROJECT_ROOT / "data")
    engine.dispose()
    return url


@contextmanager
def scratch_app(folder: Path, suffix: str, *, demo: bool = True) -> Iterator[Litestar]:
    """The app on a scratch database of its own, removed afterwards."""
    url = scratch_database(folder, suffix, demo=demo)
    app = create_app(Settings(database_url=url, secret_key=f"{suffix}-secret-key-0123456789abcdef"))
    try:
        yield app
    finally:
        app.state.engine.dispose()
        if url.startswith("postgresql"):
            drop_postgres(url)
