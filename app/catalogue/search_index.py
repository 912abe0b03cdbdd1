"""The catalogue's search documents: solutions, projects and needs.

What each document is made of (text fields by weight, facets), and which catalogue
changes re-queue which documents: a record's own document, and the documents that show
something of it (a vendor's name, a treatment area's code and name, an organisation's
code and region, the links between solutions, projects and needs). Documents are built
for the public reader: an unpublished solution has none, and a project's document tells
nothing of the unpublished solutions it uses.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from app.catalogue import prior_art
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
from app.search.index import (
    DocKey,
    DocumentType,
    Entry,
    FacetLabels,
    Lookups,
    PriorArt,
    SearchIndex,
    TextField,
    Trigger,
    Weight,
)
from app.web.i18n import country_name

ORG_FACETS = ("region", "municipality")


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
    """Treatment area id -> (code, Danish name), loaded once per build."""
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


# ---- documents ---------------------------------------------------------------------------


def _solutions(session: Session, ids: list[int], lookups: Lookups) -> list[Entry]:
    orgs_of, areas_of = lookups.get(_Orgs), lookups.get(_areas)
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
    entries = []
    for r in rows:
        area_pairs = [areas_of[a] for a in areas.get(r.id, []) if a in areas_of]
        orgs = set().union(*(porgs.get(p, set()) for p in projects.get(r.id, []))) \
            if projects.get(r.id) else set()
        facets = {
            "purpose": [r.purpose], "target_users": [r.target_users], "origin": [r.origin],
            "regulatory_class": [r.regulatory_class or "none"], "vendor_country": [r.vendor_country],
            "treatment_area": sorted(c for c, _ in area_pairs), **orgs_of.facets(orgs),
        }
        text = {"name": r.name, "short_description": r.short_description_da, "description": r.description_da,
                "vendor": r.vendor_name, "treatment_areas": " ".join(n for _, n in area_pairs),
                "short_description_en": r.short_description_en, "description_en": r.description_en}
        entries.append(Entry(pk=r.id, slug=r.slug, text=text, facets=facets, created_at=r.created_at,
                             adoption=len(orgs)))
    return entries


def _projects(session: Session, ids: list[int], lookups: Lookups) -> list[Entry]:
    orgs_of, areas_of = lookups.get(_Orgs), lookups.get(_areas)
    rows = session.execute(select(Project.id, Project.slug, Project.name, Project.description,
                                  Project.results, Project.origin, Project.created_at)
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
    sol_text: dict[int, str] = {}
    if sol_ids:
        for sid, purpose, name, short in session.execute(select(
                Solution.id, Solution.purpose, Solution.name, Solution.short_description_da)
                .where(Solution.id.in_(sol_ids))):
            sol_purpose[sid] = purpose
            sol_text[sid] = f"{name}. {short or ''}"
    need_ids = {n for v in need_links.values() for n in v}
    need_area = dict(session.execute(select(Need.id, Need.treatment_area_id)
                                     .where(Need.id.in_(need_ids))).all()) if need_ids else {}
    entries = []
    for r in rows:
        own_ids = {a for n in need_links.get(r.id, []) if (a := need_area.get(n))}  # what it is about
        area_ids = own_ids | {a for s in sol_links.get(r.id, []) for a in sol_areas.get(s, [])}
        area_pairs = sorted(areas_of[a] for a in area_ids if a in areas_of)
        own_codes = {areas_of[a][0] for a in own_ids if a in areas_of}
        orgs = porgs.get(r.id, set())
        facets = {"origin": [r.origin] if r.origin else [], "treatment_area": [c for c, _ in area_pairs],
                  "purpose": sorted({sol_purpose[s] for s in sol_links.get(r.id, []) if s in sol_purpose}),
                  **orgs_of.facets(orgs)}
        text = {"name": r.name, "description": r.description, "results": r.results,
                "treatment_areas": " ".join(areas_of[a][1] for a in sorted(own_ids) if a in areas_of),
                "solution_areas": " ".join(n for a, n in area_pairs if a not in own_codes),
                "solutions": " ".join(sol_text[s] for s in sol_links.get(r.id, []) if s in sol_text)}
        entries.append(Entry(pk=r.id, slug=r.slug, text=text, facets=facets, created_at=r.created_at,
                             adoption=len(orgs)))
    return entries


def _needs(session: Session, ids: list[int], lookups: Lookups) -> list[Entry]:
    orgs_of, areas_of = lookups.get(_Orgs), lookups.get(_areas)
    rows = session.execute(select(Need.id, Need.slug, Need.title, Need.description, Need.capacity_problem,
                                  Need.treatment_area_id, Need.organisation_id, Need.created_at)
                           .where(Need.id.in_(ids))).all()
    endorsers = _multimap(session.execute(
        select(NeedEndorsement.need_id, NeedEndorsement.organisation_id).where(NeedEndorsement.need_id.in_(ids))))
    entries = []
    for r in rows:
        area = areas_of.get(r.treatment_area_id) if r.treatment_area_id else None
        orgs = {r.organisation_id, *endorsers.get(r.id, [])}
        facets = {"treatment_area": [area[0]] if area else [], **orgs_of.facets(orgs)}
        text = {"title": r.title, "description": r.description, "capacity_problem": r.capacity_problem,
                "treatment_area": area[1] if area else None}
        entries.append(Entry(pk=r.id, slug=r.slug, text=text, facets=facets, created_at=r.created_at,
                             adoption=len(orgs)))
    return entries


SOLUTIONS = DocumentType(
    name="solution", model=Solution, url="/solutions/{slug}", build=_solutions,
    fields=(TextField("name", Weight.TITLE), TextField("short_description", Weight.BODY),
            TextField("description", Weight.BODY), TextField("vendor", Weight.BODY),
            TextField("treatment_areas", Weight.TOPIC), TextField("short_description_en", Weight.ENGLISH),
            TextField("description_en", Weight.ENGLISH)),
    facets=("purpose", "target_users", "origin", "regulatory_class", "vendor_country", "treatment_area",
            *ORG_FACETS))

PROJECTS = DocumentType(
    name="project", model=Project, url="/projects/{slug}", build=_projects,
    fields=(TextField("name", Weight.TITLE), TextField("description", Weight.BODY),
            TextField("results", Weight.BODY), TextField("treatment_areas", Weight.TOPIC),  # its needs'
            TextField("solution_areas", Weight.BODY),  # its solutions' other areas
            TextField("solutions", Weight.BODY)),  # what the solutions it uses are and do
    facets=("origin", "treatment_area", "purpose", *ORG_FACETS))

NEEDS = DocumentType(
    name="need", model=Need, url="/needs/{slug}", build=_needs,
    fields=(TextField("title", Weight.TITLE), TextField("description", Weight.BODY),
            TextField("capacity_problem", Weight.BODY), TextField("treatment_area", Weight.TOPIC)),
    facets=("treatment_area", *ORG_FACETS))


# ---- which changes re-queue which documents ----------------------------------------------


def _solutions_of_projects(session: Session, project_ids: Iterable[int]) -> set[DocKey]:
    ids = list(project_ids)
    if not ids:
        return set()
    rows = session.execute(select(project_solution.c.solution_id).where(project_solution.c.project_id.in_(ids)))
    return {("solution", r[0]) for r in rows}


def _solution_changed(session: Session, solution: Solution) -> set[DocKey]:
    """Its document, and the projects that use it (their purpose and area facets, its
    name and short description in their text)."""
    if not solution.id:
        return set()
    rows = session.execute(select(project_solution.c.project_id).where(project_solution.c.solution_id == solution.id))
    return {("solution", solution.id)} | {("project", r[0]) for r in rows}


def _project_changed(session: Session, project: Project) -> set[DocKey]:
    """Its document, and its solutions' (their adoption and organisations), including
    solutions linked or unlinked in this change."""
    if not project.id:
        return set()
    keys = {("project", project.id)} | _solutions_of_projects(session, [project.id])
    state = inspect(project)
    if "solutions" in state.attrs:
        hist = state.attrs.solutions.history
        keys |= {("solution", s.id) for s in [*(hist.added or ()), *(hist.deleted or ())] if s.id}
    return keys


def _need_changed(session: Session, need: Need) -> set[DocKey]:
    return {("need", need.id)} if need.id else set()


def _endorsement_changed(session: Session, endorsement: NeedEndorsement) -> set[DocKey]:
    return {("need", endorsement.need_id)} if endorsement.need_id else set()


def _vendor_changed(session: Session, vendor: Vendor) -> set[DocKey]:
    """Its solutions show its name and country."""
    if not vendor.id:
        return set()
    return {("solution", i) for i in session.scalars(select(Solution.id).where(Solution.vendor_id == vendor.id))}


def _area_changed(session: Session, area: TreatmentArea) -> set[DocKey]:
    """An area's code is a facet and its name is in the text of everything tagged with it."""
    if not area.id:
        return set()
    solutions = list(session.scalars(select(solution_treatment_area.c.solution_id)
                                     .where(solution_treatment_area.c.treatment_area_id == area.id)))
    needs = list(session.scalars(select(Need.id).where(Need.treatment_area_id == area.id)))
    projects = set(session.scalars(select(project_solution.c.project_id)
                                   .where(project_solution.c.solution_id.in_(solutions)))) if solutions else set()
    if needs:
        projects |= set(session.scalars(select(project_need.c.project_id).where(project_need.c.need_id.in_(needs))))
    return ({("solution", i) for i in solutions} | {("need", i) for i in needs}
            | {("project", i) for i in projects})


def _organisation_changed(session: Session, org: Organisation) -> set[DocKey]:
    """Projects it owns or joins (and their solutions), needs it raised or endorsed."""
    if not org.id:
        return set()
    projects = set(session.scalars(select(Project.id).where(Project.owner_id == org.id)))
    projects |= set(session.scalars(select(project_partner.c.project_id)
                                    .where(project_partner.c.organisation_id == org.id)))
    needs = set(session.scalars(select(Need.id).where(Need.organisation_id == org.id)))
    needs |= set(session.scalars(select(NeedEndorsement.need_id).where(NeedEndorsement.organisation_id == org.id)))
    return ({("project", i) for i in projects} | {("need", i) for i in needs}
            | _solutions_of_projects(session, sorted(projects)))


TRIGGERS = (
    Trigger(Solution, _solution_changed),
    Trigger(Project, _project_changed),
    Trigger(Need, _need_changed),
    Trigger(NeedEndorsement, _endorsement_changed),
    Trigger(Vendor, _vendor_changed),
    Trigger(TreatmentArea, _area_changed),
    # Documents carry an organisation's code and region (its name is looked up when shown).
    Trigger(Organisation, _organisation_changed, attributes=("code", "region_id")),
)


# ---- shown with the results --------------------------------------------------------------


def _labels(session: Session, lang: str) -> dict[str, dict[str, str]]:
    """Display names of the treatment area, region, municipality and country codes."""
    labels: dict[str, dict[str, str]] = {"treatment_area": {}, "region": {}, "municipality": {}}
    labels["vendor_country"] = {code: country_name(code, lang) for code in session.scalars(
        select(Vendor.country).distinct()) if code}
    for area in session.scalars(select(TreatmentArea)):
        labels["treatment_area"][area.code] = area.name_en if lang == "en" else area.name_da
    for org in session.execute(select(Organisation.kind, Organisation.code, Organisation.name,
                                      Organisation.name_en)
                               .where(Organisation.kind.in_(["region", "municipality"]))):
        name = org.name_en if lang == "en" and org.name_en else org.name
        labels[org.kind][org.code] = name
    return labels


SEARCH_INDEX = SearchIndex(
    domain="catalogue",
    documents=(SOLUTIONS, PROJECTS, NEEDS),
    triggers=TRIGGERS,
    labels=(FacetLabels(("treatment_area", "vendor_country", *ORG_FACETS), _labels),),
    prior_art=(PriorArt("need", prior_art.for_need_id), PriorArt("project", prior_art.for_project_id)),
)
