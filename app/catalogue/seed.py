"""Loading reference data (data/reference) and the demo catalogue (data/demo).

Idempotent: records are matched on their natural keys and only changed fields are
written, so a second run changes nothing (and so audits nothing).
"""

from __future__ import annotations

import csv
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.catalogue.enums import OrganisationKind
from app.catalogue.models import (
    Need,
    NeedEndorsement,
    Organisation,
    Project,
    RegionMembership,
    Solution,
    TreatmentArea,
    Vendor,
)
from app.catalogue.regions import RegionRow, membership_history
from app.catalogue.services import STUDY_FIELDS, set_studies

REFERENCE_SOURCE = "data/reference (see SOURCES.md)"


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _yaml(path: Path) -> Any:
    with path.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def _upsert(session: Session, model: type, key: dict[str, Any], values: dict[str, Any]) -> Any:
    obj = session.scalar(select(model).filter_by(**key))
    if obj is None:
        obj = model(**key, **values)
        session.add(obj)
        return obj
    for name, value in values.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
    return obj


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


class OrganisationIndex:
    """Resolves "kind:code" references to organisations, loading them once."""

    def __init__(self, session: Session) -> None:
        self.by_ref = {o.ref: o for o in session.scalars(select(Organisation))}

    def __call__(self, ref: str) -> Organisation:
        try:
            return self.by_ref[ref]
        except KeyError:
            raise ValueError(f"unknown organisation reference {ref!r}") from None


def seed_reference(session: Session, data_dir: Path) -> None:
    ref = data_dir / "reference"
    regions: dict[str, Organisation] = {}
    for row in _rows(ref / "regions.csv"):
        regions[row["code"]] = _upsert(
            session, Organisation, {"kind": OrganisationKind.REGION.value, "code": row["code"]},
            {"name": row["name"], "name_en": row["name_en"], "valid_from": _day(row["valid_from"]),
             "valid_to": _day(row["valid_to"]), "source": REFERENCE_SOURCE})
    session.flush()
    members = []
    for row in _rows(ref / "municipalities.csv"):
        key = {"kind": OrganisationKind.MUNICIPALITY.value, "code": row["code"]}
        municipality = _upsert(session, Organisation, key,
                               {"name": row["name"], "region_id": regions[row["region_code"]].id,
                                "population": int(row["population"]),
                                "population_year": int(row["population_year"]), "source": REFERENCE_SOURCE})
        members.append((municipality, row["region_code"]))
    for row in _rows(ref / "hospitals.csv"):
        hospital = _upsert(session, Organisation, {"kind": OrganisationKind.HOSPITAL.value, "code": row["code"]},
                           {"name": row["name"], "region_id": regions[row["region_code"]].id,
                            "subkind": row["kind"], "source": REFERENCE_SOURCE})
        members.append((hospital, row["region_code"]))
    _seed_memberships(session, members, regions, _region_history(data_dir))
    for row in _rows(ref / "national_bodies.csv"):
        _upsert(session, Organisation, {"kind": OrganisationKind.NATIONAL_BODY.value, "code": row["code"]},
                {"name": row["name"], "name_en": row["name_en"], "url": row["url"] or None,
                 "source": REFERENCE_SOURCE})
    for row in _rows(ref / "treatment_areas.csv"):
        _upsert(session, TreatmentArea, {"code": row["code"]},
                {"name_da": row["name_da"], "name_en": row["name_en"]})
    session.flush()


def _region_history(data_dir: Path) -> dict[str, RegionRow]:
    return {row["code"]: RegionRow(row["code"], _day(row["valid_from"]), _day(row["valid_to"]),
                                   row["successor"] or None)
            for row in _rows(data_dir / "reference" / "regions.csv")}


def _seed_memberships(session: Session, members: list[tuple[Organisation, str]], regions: dict[str, Organisation],
                      history: dict[str, RegionRow]) -> None:
    """Each organisation's regions over time (its reference region, then any successor)."""
    session.flush()
    for org, region_code in members:
        for code, valid_from, valid_to in membership_history(region_code, history):
            _upsert(session, RegionMembership, {"organisation_id": org.id, "region_id": regions[code].id},
                    {"valid_from": valid_from, "valid_to": valid_to})


def _seed_gp_clinics(session: Session, demo: Path) -> None:
    regions = {o.code: o for o in session.scalars(
        select(Organisation).where(Organisation.kind == OrganisationKind.REGION.value))}
    clinics = [(_upsert(session, Organisation, {"kind": OrganisationKind.GP_CLINIC.value, "code": row["code"]},
                        {"name": row["name"], "region_id": regions[row["region_code"]].id,
                         "source": "demo data (fictional)"}), row["region_code"])
               for row in _rows(demo / "gp_clinics.csv")]
    _seed_memberships(session, clinics, regions, _region_history(demo.parent))
    session.flush()


def _seed_vendors(session: Session, demo: Path) -> dict[str, Vendor]:
    vendors = {}
    for row in _yaml(demo / "vendors.yaml"):
        vendors[row["key"]] = _upsert(session, Vendor, {"name": row["name"]},
                                      {"country": row["country"], "cvr": row.get("cvr"),
                                       "website": row.get("website")})
    session.flush()
    return vendors


def _seed_solutions(session: Session, demo: Path, vendors: dict[str, Vendor]) -> None:
    areas = {t.code: t for t in session.scalars(select(TreatmentArea))}
    fields = ("name", "short_description_da", "short_description_en", "description_da",
              "description_en", "purpose", "target_users", "origin", "country", "regulatory_class",
              "regulation", "has_dpia", "has_dpa", "integrations", "trl", "capacity_fte_per_100k",
              "website", "published", "licence_model", "price_unit", "payer", "free_for_municipalities",
              "contact_name", "contact_email", "contact_phone", "data_location")
    lists = ("indications", "contraindications", "platforms", "languages")
    for row in _yaml(demo / "solutions.yaml"):
        values = {f: row.get(f) for f in fields} | {f: row.get(f) or [] for f in lists}
        values["vendor_id"] = vendors[row["vendor"]].id
        values["description_en"] = values["description_en"] or None
        values["price_dkk"] = Decimal(row["price_dkk"]) if row.get("price_dkk") else None
        solution = _upsert(session, Solution, {"slug": row["slug"]}, values)
        set_studies(solution, [{f: study.get(f) for f in STUDY_FIELDS} for study in row.get("studies") or []])
        wanted = sorted((areas[c] for c in row.get("treatment_areas", [])), key=lambda t: t.code)
        if [t.code for t in solution.treatment_areas] != [t.code for t in wanted]:
            solution.treatment_areas = wanted
    session.flush()


def _seed_needs(session: Session, demo: Path, orgs: OrganisationIndex) -> None:
    areas = {t.code: t for t in session.scalars(select(TreatmentArea))}
    for row in _yaml(demo / "needs.yaml"):
        endorsers = [orgs(r) for r in row.get("endorsed_by", [])]
        need = _upsert(session, Need, {"slug": row["slug"]}, {
            "title": row["title_da"], "description": row["description_da"],
            "treatment_area_id": areas[row["treatment_area"]].id if row.get("treatment_area") else None,
            "organisation_id": orgs(row["submitted_by"]).id,
            "capacity_problem": row.get("capacity_problem_da") or "",
            "affected_patients": row.get("affected_patients"), "priority": row["priority"],
            "endorsement_count": len(endorsers)})
        have = {e.organisation_id for e in need.endorsements}
        for org in endorsers:
            if org.id not in have:
                need.endorsements.append(NeedEndorsement(organisation_id=org.id))
    session.flush()


def _seed_projects(session: Session, demo: Path, orgs: OrganisationIndex) -> None:
    solutions = {s.slug: s for s in session.scalars(select(Solution))}
    needs = {n.slug: n for n in session.scalars(select(Need))}
    for row in _yaml(demo / "projects.yaml"):
        project = _upsert(session, Project, {"slug": row["slug"]}, {
            "name": row["name"], "description": row.get("description_da") or "",
            "owner_id": orgs(row["owner"]).id, "stage": row["stage"],
            "origin": row.get("origin") or "public", "start_date": _day(row.get("start_date")),
            "end_date": _day(row.get("end_date")), "budget_dkk": row.get("budget_dkk"),
            "funding_source": row.get("funding_source"), "results": row.get("results_da")})
        for attr, wanted in (("partners", [orgs(r) for r in row.get("partners", [])]),
                             ("solutions", [solutions[s] for s in row.get("solutions", [])]),
                             ("needs", [needs[n] for n in row.get("needs", [])])):
            if {o.id for o in getattr(project, attr)} != {o.id for o in wanted}:
                setattr(project, attr, wanted)
    session.flush()


def seed_demo_catalogue(session: Session, data_dir: Path) -> dict[str, Vendor]:
    """The demo catalogue; answers the demo vendors by their key in vendors.yaml."""
    demo = data_dir / "demo"
    _seed_gp_clinics(session, demo)
    vendors = _seed_vendors(session, demo)
    _seed_solutions(session, demo, vendors)
    orgs = OrganisationIndex(session)
    _seed_needs(session, demo, orgs)
    _seed_projects(session, demo, orgs)
    return vendors
