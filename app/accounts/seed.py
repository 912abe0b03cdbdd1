"""The demo users (data/demo/users.yaml): created once, so a second run changes nothing."""

from __future__ import annotations

from pathlib import Path

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.accounts.services import create_user
from app.catalogue.models import Vendor


def seed_demo_users(session: Session, demo: Path, vendors: dict[str, Vendor]) -> None:
    """`vendors`: the demo vendors by their key in vendors.yaml (a vendor user's company)."""
    with (demo / "users.yaml").open(encoding="utf-8") as fh:
        spec = yaml.safe_load(fh)
    for row in spec["users"]:
        if session.scalar(select(User.id).where(User.email == row["email"])) is None:
            vendor = vendors[row["vendor"]].name if row.get("vendor") else None
            create_user(session, email=row["email"], name=row["name"], role=row["role"],
                        password=spec["password"], organisation_ref=row.get("organisation"),
                        vendor_name=vendor)
