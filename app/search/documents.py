"""Build the search documents of solutions, projects and needs from the database.

One place decides what a record looks like to every engine: its text, its facet
values and its sort keys. Built with a few set-based queries per batch so a full
reindex of 130,000 records stays quick.

Approval status: until the approvals module lands, a solution with a completed
assessment is "assessed", otherwise "not_assessed". The approvals module replaces
this with `set_approval_status_provider(fn)`, fn(session, solution_ids) -> {id: status}.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.assessment.models import Assessment
from app.catalogue.models import (
    Need,
    NeedEndorsement,
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
from app.catalogue.services import PUBLIC, solution_visible
from app.search.backend import Document

ApprovalProvider = Callable[[Session, list[int]], dict[int, str]]


def _assessment_status(session: Session, ids: list[int]) -> dict[int, str]:
    done = session.execute(select(Assessment.solution_id).where(
        Assessment.solution_id.in_(ids), Assessment.status == "completed").distinct())
    assessed = {row[0] for row in done}
    return {i: "assessed" if i in assessed else "not_assessed" for i in ids}


_approval_provider: ApprovalProvider = _assessment_status


def set_approval_status_provider(fn: ApprovalProvider) -> None:
    """For the approvals module: decide each solution's approval_status facet value."""
    global _approval_provider
    _approval_provider = fn


class _Orgs:
    """Organisation id -> (region code, municipality code), loaded once per build."""

    def __init__(self, session: Session) -> None:
        rows = session.execute(select(Organisation.id, Organisation.kind, Organisation.code,
                                      Organisation.region_id)).all()
        by_id = {r.id: r for r in rows}
        self.region: dict[int, str | None] = {}
        self.municipality: dict[int, str | None] = {}
        for r in rows:
            if r.kind == "region":
                self.region[r.id] = r.code
            elif r.region_id and r.region_id in by_id:
                self.region[r.id] = by_id[r.region_id].code
            else:
                self.region[r.id] = None
            self.municipality[r.id] = r.code if r.kind == "municipality" else None

    def facets(self, org_ids: Iterable[int]) -> dict[str, list[str]]:
        ids = set(org_ids)
        return {"region": sorted({c for i in ids if (c := self.region.get(i))}),
                "municipality": sorted({c for i in ids if (c := self.municipality.get(i))})}


def _areas(session: Session) -> dict[int, tuple[str, str]]:
    return {a.id: (a.code, a.name_da) for a in session.execute(
        select(TreatmentArea.id, TreatmentArea.code, TreatmentArea.name_da))}


def _multimap(rows: Iterable[Any]) -> dict[int, list[int]]:
    out: dict[int, list[int]] = defaultdict(list)
    for a, b in rows:
        out[a].append(b)
    return out


def _project_orgs(session: Session, project_ids: Iterable[int]) -> dict[int, set[int]]:
    ids = list(project_ids)
    orgs: dict[int, set[int]] = defaultdict(set)
    if not ids:
        return orgs
    for pid, owner in session.execute(select(Project.id, Project.owner_id).where(Project.id.in_(ids))):
        orgs[pid].add(owner)
    for pid, org in session.execute(select(project_partner.c.project_id, project_partner.c.organisation_id)
                                    .where(project_partner.c.project_id.in_(ids))):
        orgs[pid].add(org)
    return orgs


def solution_documents(session: Session, ids: list[int], ctx: _Context) -> list[Document]:
    rows = session.execute(
        select(Solution.id, Solution.slug, Solution.name, Solution.short_description_da,
               Solution.description_da, Solution.short_description_en, Solution.description_en,
               Solution.purpose, Solution.target_users, Solution.origin,
               Solution.regulatory_class, Solution.created_at,
               Vendor.name.label("vendor_name"), Vendor.country.label("vendor_country"))
        .join(Vendor, Vendor.id == Solution.vendor_id)
        .where(Solution.id.in_(ids), solution_visible(PUBLIC))).all()
    areas = _multimap(session.execute(
        select(solution_treatment_area.c.solution_id, solution_treatment_area.c.treatment_area_id)
        .where(solution_treatment_area.c.solution_id.in_(ids))))
    projects = _multimap(session.execute(
        select(project_solution.c.solution_id, project_solution.c.project_id)
        .where(project_solution.c.solution_id.in_(ids))))
    porgs = _project_orgs(session, {p for ps in projects.values() for p in ps})
    outcomes: dict[int, str] = {}
    for sid, outcome in session.execute(
            select(Assessment.solution_id, Assessment.outcome)
            .where(Assessment.solution_id.in_(ids), Assessment.status == "completed")
            .order_by(Assessment.completed_at, Assessment.id)):
        if outcome:
            outcomes[sid] = outcome  # the latest completed wins (ordered ascending)
    approval = _approval_provider(session, ids)
    docs = []
    for r in rows:
        area_pairs = [ctx.areas[a] for a in areas.get(r.id, []) if a in ctx.areas]
        orgs = set().union(*(porgs.get(p, set()) for p in projects.get(r.id, []))) \
            if projects.get(r.id) else set()
        facets = {
            "type": ["solution"], "purpose": [r.purpose], "target_users": [r.target_users],
            "origin": [r.origin], "regulatory_class": [r.regulatory_class or "none"],
            "vendor_country": [r.vendor_country], "treatment_area": sorted(c for c, _ in area_pairs),
            "approval_status": [approval.get(r.id, "not_assessed")],
            "assessment_outcome": [outcomes[r.id]] if r.id in outcomes else [],
            **ctx.orgs.facets(orgs),
        }
        body = " ".join(filter(None, [r.short_description_da, r.description_da, r.vendor_name,
                                      " ".join(n for _, n in area_pairs)]))
        docs.append(Document(doc_id=f"solution:{r.id}", type="solution", pk=r.id, slug=r.slug,
                             title=r.name, body=body, url=f"/solutions/{r.slug}", facets=facets,
                             sort_name=r.name.lower(), created_at=r.created_at, adoption=len(orgs),
                             body_en=" ".join(filter(None, [r.short_description_en, r.description_en]))))
    return docs


def project_documents(session: Session, ids: list[int], ctx: _Context) -> list[Document]:
    rows = session.execute(select(Project.id, Project.slug, Project.name, Project.description,
                                  Project.results, Project.origin, Project.stage, Project.created_at)
                           .where(Project.id.in_(ids))).all()
    porgs = _project_orgs(session, ids)
    sol_links = _multimap(session.execute(  # a project's document tells nothing of unpublished solutions
        select(project_solution.c.project_id, project_solution.c.solution_id)
        .join(Solution, Solution.id == project_solution.c.solution_id)
        .where(project_solution.c.project_id.in_(ids), solution_visible(PUBLIC))))
    need_links = _multimap(session.execute(
        select(project_need.c.project_id, project_need.c.need_id).where(project_need.c.project_id.in_(ids))))
    sol_ids = {s for v in sol_links.values() for s in v}
    sol_purpose: dict[int, str] = {}
    sol_areas = _multimap(session.execute(
        select(solution_treatment_area.c.solution_id, solution_treatment_area.c.treatment_area_id)
        .where(solution_treatment_area.c.solution_id.in_(sol_ids)))) if sol_ids else {}
    if sol_ids:
        sol_purpose = dict(session.execute(select(Solution.id, Solution.purpose).where(Solution.id.in_(sol_ids))).all())
    need_ids = {n for v in need_links.values() for n in v}
    need_area = dict(session.execute(select(Need.id, Need.treatment_area_id)
                                     .where(Need.id.in_(need_ids))).all()) if need_ids else {}
    docs = []
    for r in rows:
        area_ids = {a for s in sol_links.get(r.id, []) for a in sol_areas.get(s, [])}
        area_ids |= {need_area[n] for n in need_links.get(r.id, []) if need_area.get(n)}
        area_pairs = sorted(ctx.areas[a] for a in area_ids if a in ctx.areas)
        orgs = porgs.get(r.id, set())
        facets = {"type": ["project"], "origin": [r.origin] if r.origin else [],
                  "treatment_area": [c for c, _ in area_pairs],
                  "purpose": sorted({sol_purpose[s] for s in sol_links.get(r.id, []) if s in sol_purpose}),
                  **ctx.orgs.facets(orgs)}
        body = " ".join(filter(None, [r.description, r.results, " ".join(n for _, n in area_pairs)]))
        docs.append(Document(doc_id=f"project:{r.id}", type="project", pk=r.id, slug=r.slug,
                             title=r.name, body=body, url=f"/projects/{r.slug}", facets=facets,
                             sort_name=r.name.lower(), created_at=r.created_at, adoption=len(orgs)))
    return docs


def need_documents(session: Session, ids: list[int], ctx: _Context) -> list[Document]:
    rows = session.execute(select(Need.id, Need.slug, Need.title, Need.description, Need.capacity_problem,
                                  Need.treatment_area_id, Need.organisation_id, Need.created_at)
                           .where(Need.id.in_(ids))).all()
    endorsers = _multimap(session.execute(
        select(NeedEndorsement.need_id, NeedEndorsement.organisation_id).where(NeedEndorsement.need_id.in_(ids))))
    docs = []
    for r in rows:
        area = ctx.areas.get(r.treatment_area_id) if r.treatment_area_id else None
        orgs = {r.organisation_id, *endorsers.get(r.id, [])}
        facets = {"type": ["need"], "treatment_area": [area[0]] if area else [], **ctx.orgs.facets(orgs)}
        body = " ".join(filter(None, [r.description, r.capacity_problem, area[1] if area else None]))
        docs.append(Document(doc_id=f"need:{r.id}", type="need", pk=r.id, slug=r.slug, title=r.title,
                             body=body, url=f"/needs/{r.slug}", facets=facets, sort_name=r.title.lower(),
                             created_at=r.created_at, adoption=len(orgs)))
    return docs


class _Context:
    def __init__(self, session: Session) -> None:
        self.orgs = _Orgs(session)
        self.areas = _areas(session)


BUILDERS = {"solution": solution_documents, "project": project_documents, "need": need_documents}
MODELS = {"solution": Solution, "project": Project, "need": Need}


def build_documents(session: Session, keys: Iterable[tuple[str, int]]) -> tuple[list[Document], list[str]]:
    """Documents for (type, id) keys; keys whose record is gone or hidden come back as deletes."""
    by_type: dict[str, list[int]] = defaultdict(list)
    for doc_type, pk in keys:
        if doc_type in BUILDERS:
            by_type[doc_type].append(pk)
    if not by_type:
        return [], []
    ctx = _Context(session)
    docs: list[Document] = []
    deletes: list[str] = []
    for doc_type, ids in by_type.items():
        ids = sorted(set(ids))
        for i in range(0, len(ids), 900):
            chunk = ids[i:i + 900]
            built = BUILDERS[doc_type](session, chunk, ctx)
            docs.extend(built)
            present = {d.pk for d in built}
            deletes.extend(f"{doc_type}:{pk}" for pk in chunk if pk not in present)
    return docs, deletes


def all_keys(session: Session) -> Iterator[tuple[str, list[int]]]:
    """Every indexable record's id, by type, in batches (reindex)."""
    for doc_type, model in MODELS.items():
        ids = list(session.scalars(select(model.id).order_by(model.id)))
        for i in range(0, len(ids), 1000):
            yield doc_type, ids[i:i + 1000]


def count_all(session: Session) -> int:
    from sqlalchemy import func
    return sum(session.scalar(select(func.count()).select_from(m)) or 0 for m in MODELS.values())
