"""Run Alembic migrations programmatically (CLI, tests, make run)."""

from __future__ import annotations

from alembic.config import Config

from alembic import command
from app.settings import PROJECT_ROOT


def alembic_config(url: str) -> Config:
    cfg = Config(str(PROJECT_ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(PROJECT_ROOT / "alembic"))
    cfg.attributes["url"] = url
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)
