"""Alembic environment: the URL comes from the caller or from Settings."""

from __future__ import annotations

from sqlalchemy import Connection

from alembic import context
from app.db.base import metadata
from app.db.engine import make_engine
from app.db.migrate import include_object
from app.registry import import_all_models
from app.settings import Settings

import_all_models()
config = context.config


def _url() -> str:
    return config.attributes.get("url") or Settings.from_env().sqlalchemy_url


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        include_object=include_object,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(_url())
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()


if context.is_offline_mode():
    context.configure(url=_url(), target_metadata=metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    run_migrations_online()
