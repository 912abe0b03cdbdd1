"""Loading data into an empty or existing register: the reference data, and the demo data
set across the domains (`blaastempel seed [--demo]`, the tests, the benchmarks).

Idempotent: records are matched on their natural keys and only changed fields are
written, so a second run changes nothing (and so audits nothing).
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from app.accounts.seed import seed_demo_users
from app.approvals.seed import seed_decisions
from app.benchmark.seed import seed_benchmark_demo
from app.catalogue.seed import seed_demo_catalogue
from app.catalogue.seed import seed_reference as seed_catalogue_reference
from app.contracts.seed import seed_contracts_demo, seed_kpi_definitions
from app.programmes.seed import seed_programmes_demo

__all__ = ["seed_demo", "seed_reference"]


def seed_reference(session: Session, data_dir: Path) -> None:
    seed_catalogue_reference(session, data_dir)
    seed_kpi_definitions(session, data_dir)


def seed_demo(session: Session, data_dir: Path) -> None:
    vendors = seed_demo_catalogue(session, data_dir)
    seed_demo_users(session, data_dir / "demo", vendors)
    seed_decisions(session, data_dir)  # demo decisions need the demo users
    seed_benchmark_demo(session, data_dir)  # adoption needs organisations and solutions
    seed_contracts_demo(session, data_dir)
    seed_programmes_demo(session, data_dir)  # programmes need approved solutions
