"""The synthetic catalogue generator (`blaastempel generate`)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit.hook import set_actor
from app.catalogue.enums import Origin, ProjectStage, Purpose, TargetUsers
from app.catalogue.generate import generate_catalogue
from app.catalogue.models import Need, Organisation, Project, Solution, Vendor


def test_records_made_after_a_generated_catalogue_get_free_ids(db: Session) -> None:
    """The generator writes its rows with their ids; on PostgreSQL the id sequences must be
    moved past them, or the next vendor, solution, need or project made in the app clashes
    with one (a vendor's new solution refused after `generate`)."""
    set_actor(db, None, "test")
    try:
        generate_catalogue(db, solutions=3, projects=2, needs=2)
        org = db.scalars(select(Organisation.id)).first()
        assert org is not None
        vendor = Vendor(name="Efter generatoren", country="DK")
        db.add(vendor)
        db.flush()
        made = [Solution(slug="efter-generatoren", name="Efter generatoren", vendor_id=vendor.id,
                         short_description_da="Lavet efter generatoren.", purpose=Purpose.TREATMENT.value,
                         target_users=next(iter(TargetUsers)).value, origin=next(iter(Origin)).value, country="DK"),
                Need(slug="efter-generatoren", title="Efter generatoren", organisation_id=org),
                Project(slug="efter-generatoren", name="Efter generatoren", owner_id=org,
                        stage=next(iter(ProjectStage)).value)]
        db.add_all(made)
        db.flush()
        assert all(record.id for record in made)
    finally:
        db.rollback()
