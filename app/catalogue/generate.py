"""Synthetic national-scale catalogue for benchmarks (`blaastempel generate`).

Rows are written with bulk Core inserts, bypassing the ORM and therefore the audit
hook: this is benchmark data, not a record of anyone's decisions.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from datetime import UTC, date, datetime, timedelta
from typing import Any

from rich.progress import Progress
from sqlalchemy import func, insert, select, text
from sqlalchemy.orm import Session

from app.catalogue.enums import (
    Integration,
    Origin,
    Priority,
    ProjectStage,
    Purpose,
    RegulatoryClass,
    TargetUsers,
)
from app.catalogue.models import (
    Need,
    Organisation,
    Project,
    Solution,
    TreatmentArea,
    Vendor,
    project_need,
    project_partner,
    project_solution,
    solution_treatment_area,
)

BATCH = 5_000
BULK_CACHE_KIB = 1_048_576  # 1 GiB: a million solutions' indexes stay in memory while they are written
PREFIXES = [
    "Tele", "Hjem", "Digi", "Min", "Sund", "Care", "Nord", "Vita", "Puls", "Trivsel", "Klar", "Fælles"]
PRODUCTS = ["monitor", "coach", "rehab", "triage", "journal", "app", "platform", "guide", "træner", "video",
            "dialog", "tjek"]
TOPIC_WORDS = {
    "kol": "hjemmemonitorering af borgere med KOL og lungesygdom",
    "diabetes": "støtte til blodsukkerkontrol og livsstil ved diabetes",
    "hjertesvigt": "opfølgning på hjertesvigt med målinger i hjemmet",
    "laenderygsmerter": "træning og smertehåndtering ved lænderygsmerter",
    "psykiatri": "internetbaseret behandling af angst og depression",
    "kraeft": "opfølgning og symptomregistrering under kræftbehandling",
    "genoptraening": "superviseret genoptræning og genoptræningsforløb efter operation",
}
GENERIC_TOPIC = "digital understøttelse af forløb mellem borger, kommune og hospital"


def _batches(rows: Iterator[dict[str, Any]], size: int = BATCH) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _next_id(session: Session, model: type[Vendor | Solution | Need | Project]) -> int:
    return (session.scalar(select(func.max(model.id))) or 0) + 1


def _advance_id_sequences(session: Session) -> None:
    """The rows were written with their ids: on PostgreSQL move each table's id sequence
    past them, or the next record made in the app would be given a taken id."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for model in (Vendor, Solution, Need, Project):
        session.execute(select(func.setval(func.pg_get_serial_sequence(model.__tablename__, "id"),
                                           select(func.max(model.id)).scalar_subquery())))


@contextmanager
def _bulk_cache(session: Session) -> Iterator[None]:
    """SQLite's page cache made large for the load, then put back: the indexes take their
    keys in random order (names, slugs), and past the usual cache every insert would read
    pages back from the file."""
    if session.get_bind().dialect.name != "sqlite":
        yield
        return
    usual = session.execute(text("PRAGMA cache_size")).scalar_one()
    session.execute(text(f"PRAGMA cache_size=-{BULK_CACHE_KIB}"))
    try:
        yield
    finally:
        session.execute(text(f"PRAGMA cache_size={int(usual)}"))


class _Writer:
    def __init__(self, session: Session, progress: Progress | None) -> None:
        self.session = session
        self.progress = progress

    def write(self, label: str, table: Any, total: int, rows: Iterator[dict[str, Any]]) -> None:
        task = self.progress.add_task(label, total=total) if self.progress else None
        for batch in _batches(rows):
            self.session.execute(insert(table), batch)
            if self.progress and task is not None:
                self.progress.advance(task, len(batch))


def generate_catalogue(session: Session, *, solutions: int, projects: int, needs: int, seed: int = 2026,
                       progress: bool = False) -> dict[str, int]:
    rng = random.Random(seed)
    now = datetime.now(UTC)
    stamp = {"created_at": now, "updated_at": now}
    organisations = list(session.scalars(select(Organisation.id)))
    areas = {t.code: t.id for t in session.scalars(select(TreatmentArea))}
    area_codes = list(areas)
    run = f"g{seed}-{_next_id(session, Solution)}"
    with Progress() if progress else nullcontext() as bar, _bulk_cache(session):
        writer = _Writer(session, bar if progress else None)
        vendor_start = _next_id(session, Vendor)
        vendor_count = max(1, solutions // 20)
        writer.write("leverandører", Vendor.__table__, vendor_count, (
            {"id": vendor_start + i, "name": f"Syntetisk leverandør {run}-{i}",
             "country": rng.choice(["DK"] * 6 + ["SE", "NO", "DE", "NL", "FI", "GB"]),
             "cvr": None, "website": None, "version": 1, **stamp} for i in range(vendor_count)))

        sol_start = _next_id(session, Solution)
        sol_areas: dict[int, list[str]] = {
            sol_start + i: rng.sample(area_codes, rng.choice([1, 1, 2, 3])) for i in range(solutions)}

        def solution_rows() -> Iterator[dict[str, Any]]:
            for i in range(solutions):
                sid = sol_start + i
                topic = TOPIC_WORDS.get(sol_areas[sid][0], GENERIC_TOPIC)
                ce = rng.choice(list(RegulatoryClass))
                name = f"{rng.choice(PREFIXES)}{rng.choice(PRODUCTS)} {i}"
                yield {
                    "id": sid, "slug": f"syn-{run}-{i}", "name": name,
                    "vendor_id": vendor_start + rng.randrange(vendor_count),
                    "short_description_da": f"{name}: {topic}.",
                    "short_description_en": None,
                    "description_da": f"Syntetisk løsning til {topic}. Bruges til benchmark af registret.",
                    "description_en": None, "purpose": rng.choice(list(Purpose)).value,
                    "target_users": rng.choice(list(TargetUsers)).value,
                    "origin": rng.choice(list(Origin)).value,
                    "country": rng.choice(["DK"] * 5 + ["SE", "NO", "DE", "NL", "GB"]),
                    "regulatory_class": ce.value,
                    "regulation": None if ce == RegulatoryClass.NONE else "mdr",
                    "has_dpia": rng.random() < .6, "has_dpa": rng.random() < .7,
                    "integrations": rng.sample([i.value for i in Integration], rng.randint(0, 3)),
                    "trl": rng.randint(3, 9), "capacity_fte_per_100k": round(rng.uniform(0, 5), 2),
                    "website": None, "published": rng.random() < .95, "version": 1, **stamp}

        writer.write("løsninger", Solution.__table__, solutions, solution_rows())
        writer.write("løsninger × behandlingsområder", solution_treatment_area, solutions, (
            {"solution_id": sid, "treatment_area_id": areas[code]}
            for sid, codes in sol_areas.items() for code in codes))

        need_start = _next_id(session, Need)
        writer.write("behov", Need.__table__, needs, (
            {"id": need_start + i, "slug": f"syn-{run}-behov-{i}",
             "title": f"Behov for {TOPIC_WORDS.get(code, GENERIC_TOPIC)} ({i})",
             "description": "Syntetisk behov til benchmark.", "treatment_area_id": areas[code],
             "organisation_id": rng.choice(organisations), "capacity_problem": "Mangel på personale.",
             "affected_patients": rng.randint(100, 200_000), "priority": rng.choice(list(Priority)).value,
             "endorsement_count": 0, "version": 1, **stamp}
            for i in range(needs) for code in [rng.choice(area_codes)]))

        proj_start = _next_id(session, Project)
        stages = list(ProjectStage)

        def project_rows() -> Iterator[dict[str, Any]]:
            for i in range(projects):
                start = date(2018, 1, 1) + timedelta(days=rng.randrange(2500))
                yield {"id": proj_start + i, "slug": f"syn-{run}-projekt-{i}",
                       "name": f"Projekt {rng.choice(PREFIXES)}{rng.choice(PRODUCTS)} {i}",
                       "description": "Syntetisk projekt til benchmark.",
                       "owner_id": rng.choice(organisations), "stage": rng.choice(stages).value,
                       "origin": rng.choice(["public", "public_private"]), "start_date": start,
                       "end_date": start + timedelta(days=rng.randrange(200, 1500)),
                       "budget_dkk": rng.randrange(100_000, 20_000_000, 50_000),
                       "funding_source": "Syntetisk fond", "results": None, "version": 1, **stamp}

        writer.write("projekter", Project.__table__, projects, project_rows())
        writer.write("projekter × løsninger", project_solution, projects, (
            {"project_id": proj_start + i, "solution_id": sol_start + rng.randrange(solutions)}
            for i in range(projects) if solutions))
        writer.write("projekter × partnere", project_partner, projects, (
            {"project_id": proj_start + i, "organisation_id": org}
            for i in range(projects) for org in rng.sample(organisations, 2)))
        writer.write("projekter × behov", project_need, projects, (
            {"project_id": proj_start + i, "need_id": need_start + rng.randrange(needs)}
            for i in range(projects) if needs))
    _advance_id_sequences(session)
    # Refresh the query planner's statistics after a bulk load.
    session.execute(text("ANALYZE"))
    return {"solutions": solutions, "projects": projects, "needs": needs, "vendors": vendor_count}
