"""Demo spread programmes (data/demo/programmes.yaml), loaded at the end of `seed --demo`
through the service, so a demo programme obeys the same rules as one made through the API.
Idempotent: a programme whose slug exists is left alone."""

from __future__ import annotations

from pathlib import Path

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.core.principal import Principal
from app.programmes import services
from app.programmes.models import Programme
from app.programmes.schemas import ProgrammeIn


def seed_programmes_demo(session: Session, data_dir: Path) -> None:
    spec = yaml.safe_load((data_dir / "demo" / "programmes.yaml").read_text(encoding="utf-8"))
    user = session.scalar(select(User).where(User.email == spec["owner"]))
    if user is None:
        raise ValueError(f"data/demo/programmes.yaml: no user {spec['owner']} (seed the demo users first)")
    principal = Principal(id=user.id, email=user.email, name=user.name, role=user.role)
    existing = set(session.scalars(select(Programme.slug)))
    for row in spec["programmes"]:
        if row["slug"] not in existing:
            services.save(session, principal, ProgrammeIn.model_validate(row))
