"""Programme services: create and change a spread programme, and its progress from the
benchmark's adoption records, for the pages, the API, the report and the command line.

Services take a Session and a Principal; they flush but never commit. Every change goes
through the ORM, so the audit hook records it. Progress is computed by progress.py from
the adoption history (benchmark.loader) of the programme's solutions and targets.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.approvals import lifecycle as lc
from app.approvals import services as approvals
from app.assessment.models import Assessment
from app.benchmark import loader
from app.benchmark import metrics as m
from app.benchmark import services as benchmark
from app.catalogue import services as catalogue
from app.catalogue.models import Organisation, Solution, TreatmentArea
from app.catalogue.regions import regions_on
from app.core.clock import today
from app.core.principal import Principal, require
from app.core.records import assign, check_version, flush, get_record, unique_slug
from app.errors import ValidationFailed
from app.messages import Message
from app.programmes import progress as p
from app.programmes.models import Programme, ProgrammeMilestone, ProgrammeTarget
from app.programmes.schemas import ProgrammeIn

READ = "benchmark.read"  # programmes publish spread indicators: everyone may read them
MANAGE = "programme.manage"
OWNER_KINDS = ("national_body", "region")
PATH_MONTHS = 3
BASELINE_YEARS = 2  # the path starts this many years before the programme's year, as its baseline


# ---- the regions of a day ------------------------------------------------------------------


def day_organisations(session: Session, on: date) -> pd.DataFrame:
    """The benchmarked organisations with the regions valid on `on` and each member's region
    that day (regions.regions_on, through the benchmark's loader): five regions in 2026,
    four from 1 January 2027. Every programme figure by region is drawn from these."""
    return m.with_region_population(loader.load_organisations(session, on))


def region_of(orgs: pd.DataFrame) -> dict[int, int | None]:
    """Organisation id -> the id of its region on the day `orgs` is of (day_organisations);
    a region is its own region."""
    regions = m.region_of(orgs)
    return {int(k): (None if pd.isna(v) else int(v)) for k, v in zip(regions.index, regions, strict=True)}


def region_members(session: Session, code: str, on: date) -> set[int]:
    """The members of the region with this code on `on`. A region not valid that day answers
    with its members on its last (or first) day, so "the hospitals of Region Hovedstaden"
    stay the same hospitals after the region became part of Region Østdanmark."""
    region = session.scalar(select(Organisation).where(Organisation.kind == "region", Organisation.code == code))
    if region is None:
        return set()
    day = min(max(on, region.valid_from or on), region.valid_to or on)
    return set(regions_on(session, day).members(region.id))


# ---- reading ----------------------------------------------------------------------------------


def list_programmes(session: Session, principal: Principal) -> list[Programme]:
    require(principal, READ)
    return list(session.scalars(select(Programme).order_by(Programme.year.desc(), Programme.name)))


def get_programme(session: Session, principal: Principal, key: int | str) -> Programme:
    require(principal, READ)
    return get_record(session, Programme, key, "programme")


def target_ids(session: Session, programme: Programme, orgs: pd.DataFrame, on: date) -> list[int]:
    """The programme's target organisations on `on` (ids of benchmarked organisations)."""
    if programme.target_scope == "list":
        known = set(orgs["id"].astype(int))
        return sorted(o.id for o in programme.listed_organisations if o.id in known)
    if programme.target_scope == "all_municipalities":
        return sorted(int(i) for i in orgs.loc[orgs["kind"] == "municipality", "id"])
    hospitals = set(int(i) for i in orgs.loc[orgs["kind"] == "hospital", "id"])
    members = set().union(*(region_members(session, code, on) for code in programme.target_regions))
    return sorted(hospitals & members)


def treatment_areas(session: Session) -> dict[str, TreatmentArea]:
    return {a.code: a for a in approvals.treatment_area_list(session)}


# ---- writing -----------------------------------------------------------------------------------


def _owner(session: Session, ref: str, errors: dict[str, Any]) -> Organisation | None:
    kind, _, code = ref.partition(":")
    org = session.scalar(select(Organisation).where(Organisation.kind == kind, Organisation.code == code))
    if org is None or kind not in OWNER_KINDS:
        errors["owner"] = Message("{ref} is not a national body or a region (use kind:code, e.g. "
                                  "national_body:sst or region:1084)", ref=ref)
    return org


def _areas(session: Session, codes: list[str], errors: dict[str, Any]) -> list[str]:
    known = set(session.scalars(select(TreatmentArea.code).where(TreatmentArea.code.in_(codes))))
    unknown = [c for c in codes if c not in known]
    if unknown:
        errors["treatment_areas"] = Message("unknown treatment area: {codes}", codes=", ".join(unknown))
    return list(dict.fromkeys(codes))


def _solutions(session: Session, principal: Principal, slugs: list[str], on: date,
               errors: dict[str, Any]) -> list[Solution]:
    """The chosen solutions; each must be approved or temporarily approved on `on`."""
    found = {s.slug: s for s in session.scalars(select(Solution).where(
        Solution.slug.in_(slugs), catalogue.solution_visible(principal)))}
    unknown = [s for s in slugs if s not in found]
    if unknown:
        errors["solutions"] = Message("unknown solution: {slugs}", slugs=", ".join(unknown))
        return []
    chosen = [found[s] for s in dict.fromkeys(slugs)]
    statuses = approvals.public_statuses(session, [s.id for s in chosen], on)
    refused = [s for s in chosen if statuses[s.id]["status"] not in lc.VALID_STATUSES]
    if refused:
        errors["solutions"] = Message(
            "only approved or temporarily approved solutions can be spread; not approved today: {names}",
            names=", ".join(s.name for s in refused))
    return chosen


def _targets(session: Session, data: ProgrammeIn, errors: dict[str, Any]) -> tuple[list[str], list[Organisation]]:
    """The target regions' codes and the listed organisations, as the scope asks."""
    regions: list[str] = []
    listed: list[Organisation] = []
    if data.target_scope == "region_hospitals":
        regions = list(dict.fromkeys(data.target_regions))
        known = set(session.scalars(select(Organisation.code).where(Organisation.kind == "region",
                                                                      Organisation.code.in_(regions))))
        if not regions or set(regions) - known:
            errors["target_regions"] = Message("name one or more regions by code (unknown: {codes})",
                                               codes=", ".join(sorted(set(regions) - known)) or "–")
    elif data.target_regions:
        errors["target_regions"] = Message("only the scope region_hospitals takes regions")
    if data.target_scope == "list":
        listed, unknown = _listed(session, data.organisations)
        if not listed or unknown:
            errors["organisations"] = Message(
                "name one or more regions, municipalities or hospitals as kind:code (unknown: {refs})",
                refs=", ".join(unknown) or "–")
    elif data.organisations:
        errors["organisations"] = Message("only the scope list takes organisations")
    return regions, listed


def _listed(session: Session, refs: list[str]) -> tuple[list[Organisation], list[str]]:
    found: list[Organisation] = []
    unknown: list[str] = []
    for ref in dict.fromkeys(refs):
        kind, _, code = ref.partition(":")
        org = session.scalar(select(Organisation).where(Organisation.kind == kind, Organisation.code == code,
                                                        Organisation.kind.in_(loader.BENCHMARK_KINDS)))
        if org is None:
            unknown.append(ref)
        else:
            found.append(org)
    return found, unknown


def _dates(data: ProgrammeIn, errors: dict[str, Any]) -> None:
    first = date(data.year, 1, 1)
    if any(t.due < first for t in data.targets):
        errors["targets"] = Message("a target's date may not be before the programme's year ({year})", year=data.year)


def save(session: Session, principal: Principal, data: ProgrammeIn, key: int | str | None = None) -> Programme:
    """Create a programme (key None) or change one; nothing is written when a field is wrong."""
    require(principal, MANAGE)
    programme = Programme() if key is None else get_record(session, Programme, key, "programme")
    if key is not None:
        if data.version is None:
            raise ValidationFailed({"version": Message("send the version you read")})
        check_version(programme, data.version)
    errors: dict[str, Any] = {}
    owner = _owner(session, data.owner, errors)
    areas = _areas(session, data.treatment_areas, errors)
    solutions = _solutions(session, principal, data.solutions, today(), errors)
    regions, listed = _targets(session, data, errors)
    _dates(data, errors)
    slug = None
    if not errors:
        try:
            # a programme keeps its address when renamed, unless a new slug is asked for
            slug = unique_slug(session, Programme, data.slug or programme.slug, data.name, programme.id)
        except ValidationFailed as exc:
            errors |= exc.errors
    if errors or owner is None or slug is None:
        raise ValidationFailed(errors)
    assign(programme, {"name": data.name.strip(), "slug": slug, "year": data.year, "owner_id": owner.id,
                       "description": (data.description or "").strip() or None, "treatment_areas": areas,
                       "target_scope": data.target_scope, "target_regions": regions})
    programme.owner = owner
    programme.solutions = solutions
    programme.listed_organisations = listed
    programme.targets = [ProgrammeTarget(stage=t.stage, share=t.share, due=t.due) for t in data.targets]
    programme.milestones = [ProgrammeMilestone(title=ms.title.strip(), due=ms.due, done_on=ms.done_on)
                            for ms in data.milestones]
    if key is None:
        session.add(programme)
    flush(session)
    return programme


# ---- progress ----------------------------------------------------------------------------------


@dataclass
class Progress:
    """A programme's progress on a day. `stages` is the one per-organisation structure
    (organisation id -> stage) every table, roll-up and (later) map is drawn from."""

    programme: Programme
    as_of: date
    orgs: pd.DataFrame  # the benchmarked organisations (metrics' columns)
    stages: dict[int, str]
    regions: dict[int, int | None]  # organisation id -> region id (region_of)
    paths: list[dict[str, Any]]  # per target: its points and forecast


def adoption_history(session: Session, solution_ids: Iterable[int], organisation_ids: Iterable[int],
                     until: date) -> pd.DataFrame:
    """The adoption history of these solutions at these organisations, sorted for
    metrics.status_at (published solutions only, as every benchmark figure)."""
    history = loader.load_adoption_plain(session, organisation_ids, until, solution_ids=solution_ids)
    history, _relevant = loader.without_unpublished(session, history, pd.DataFrame({"solution_id": []}))
    return m.sort_history(history)


def compute_progress(history: pd.DataFrame, orgs: pd.DataFrame, targets: list[int],
                     goals: Iterable[tuple[str, float, date]], start: date, as_of: date) -> tuple[
                         dict[int, str], list[dict[str, Any]]]:
    """The stages today and, per goal (stage, share, due), the path from `start` to today
    and the forecast at today's pace."""
    by_day = p.stages_by_day(history, orgs, targets, p.checkpoints(min(start, as_of), as_of, PATH_MONTHS))
    stages = by_day[as_of]
    paths = []
    for stage, share, due in goals:
        points = p.path(by_day, stage)
        paths.append({"stage": stage, "share": share, "due": due, "points": points,
                      "forecast": p.forecast(points, as_of, share, due)})
    return stages, paths


def programme_progress(session: Session, programme: Programme, as_of: date | None = None) -> Progress:
    as_of = as_of or today()
    orgs = day_organisations(session, as_of)
    targets = target_ids(session, programme, orgs, as_of)
    history = adoption_history(session, [s.id for s in programme.solutions], targets, as_of)
    goals = [(t.stage, t.share, t.due) for t in programme.targets]
    start = date(programme.year - BASELINE_YEARS, 1, 1)
    stages, paths = compute_progress(history, orgs, targets, goals, start, as_of)
    return Progress(programme=programme, as_of=as_of, orgs=orgs, stages=stages, regions=region_of(orgs),
                    paths=paths)


def _name(row: Any, lang: str) -> str:
    return str(row["name_en"]) if lang == "en" and isinstance(row["name_en"], str) and row["name_en"] else str(
        row["name"])


def organisation_rows(prog: Progress, lang: str) -> list[dict[str, Any]]:
    """One row per target organisation, furthest first."""
    info = prog.orgs.set_index("id")
    names = {oid: _name(info.loc[oid], lang) for oid in prog.stages}
    rows = []
    for oid in p.ordered(prog.stages, names):
        row = info.loc[oid]
        region = prog.regions.get(oid)
        rows.append({"id": oid, "ref": f"{row['kind']}:{row['code']}", "code": str(row["code"]), "kind": row["kind"],
                     "name": names[oid], "stage": prog.stages[oid],
                     "region": _name(info.loc[region], lang) if region in info.index else None})
    return rows


def region_rows(prog: Progress, lang: str) -> list[dict[str, Any]]:
    """Stage counts and the share in operation per region (of the regions with targets)."""
    info = prog.orgs.set_index("id")
    grouped = p.by_group(prog.stages, prog.regions)
    rows = []
    for region, stage_counts in grouped.items():
        total = sum(stage_counts.values())
        known = region is not None and region in info.index
        rows.append({"id": region, "code": str(info.at[region, "code"]) if known else None,
                     "name": _name(info.loc[region], lang) if known else "–",
                     "counts": stage_counts, "total": total,
                     "in_operation": stage_counts["in_operation"] / total if total else None})
    rows.sort(key=lambda r: (r["code"] or "", r["name"]))
    return rows


def status_by_code(prog: Progress) -> dict[str, str]:
    """Municipality code -> stage: what a map of the 98 municipalities is drawn from."""
    info = prog.orgs.set_index("id")
    return {str(info.loc[oid, "code"]): stage for oid, stage in prog.stages.items()
            if info.loc[oid, "kind"] == "municipality"}


def _forecast_view(f: p.Forecast) -> dict[str, Any]:
    return {"share_now": f.share_now, "pace_per_year": f.pace_per_year, "share_at_due": f.share_at_due,
            "reached_on": f.reached_on.isoformat() if f.reached_on else None, "on_track": f.on_track}


def progress_view(session: Session, principal: Principal, key: int | str, lang: str = "da",
                  as_of: date | None = None) -> dict[str, Any]:
    """The programme with its progress, as the API answers and the pages show it."""
    programme = get_programme(session, principal, key)
    prog = programme_progress(session, programme, as_of)
    return {"programme": programme_view(session, principal, programme, lang), "as_of": prog.as_of.isoformat(),
            "counts": p.counts(prog.stages.values()), "total": len(prog.stages),
            "targets": [{"stage": t["stage"], "share": t["share"], "due": t["due"].isoformat(),
                         "path": [{"date": d.isoformat(), "share": s} for d, s in t["points"]],
                         "forecast": _forecast_view(t["forecast"])} for t in prog.paths],
            "regions": region_rows(prog, lang), "organisations": organisation_rows(prog, lang),
            "status_by_code": status_by_code(prog),
            "solutions": solution_use(session, principal, prog)}


def shown_solutions(session: Session, principal: Principal, programme: Programme) -> list[Solution]:
    """The programme's solutions the reader may see (one unpublished since is left out, as
    everywhere; its adoption is not counted either: adoption_history)."""
    ids = [s.id for s in programme.solutions]
    visible = set(session.scalars(select(Solution.id).where(Solution.id.in_(ids),
                                                            catalogue.solution_visible(principal))))
    return [s for s in programme.solutions if s.id in visible]


def solution_use(session: Session, principal: Principal, prog: Progress) -> list[dict[str, Any]]:
    """Per chosen solution: its approval today and how many targets have it in operation."""
    solutions = shown_solutions(session, principal, prog.programme)
    ids = [s.id for s in solutions]
    history = adoption_history(session, ids, prog.stages, prog.as_of)
    current = m.status_at(history, prog.as_of)
    using: dict[int, int] = {}
    if len(current):
        counted = m.in_use(current, prog.orgs).groupby("solution_id")["organisation_id"].nunique()
        using = {int(k): int(v) for k, v in zip(counted.index, counted, strict=True)}
    statuses = approvals.public_statuses(session, ids, prog.as_of)
    return [{"id": s.id, "slug": s.slug, "name": s.name, "approval": statuses[s.id]["status"],
             "in_use": int(using.get(s.id, 0))} for s in solutions]


def programme_view(session: Session, principal: Principal, programme: Programme, lang: str = "da") -> dict[str, Any]:
    owner = programme.owner
    return {
        "id": programme.id, "slug": programme.slug, "name": programme.name, "year": programme.year,
        "version": programme.version, "description": programme.description,
        "owner": {"ref": owner.ref, "name": owner.name_en if lang == "en" and owner.name_en else owner.name},
        "treatment_areas": list(programme.treatment_areas), "target_scope": programme.target_scope,
        "target_regions": list(programme.target_regions),
        "organisations": [o.ref for o in programme.listed_organisations],
        "solutions": [s.slug for s in shown_solutions(session, principal, programme)],
        "targets": [{"stage": t.stage, "share": t.share, "due": t.due.isoformat()} for t in programme.targets],
        "milestones": [{"title": ms.title, "due": ms.due.isoformat(),
                        "done_on": ms.done_on.isoformat() if ms.done_on else None} for ms in programme.milestones],
    }


# ---- an organisation's programmes ------------------------------------------------------------


def organisation_programmes(session: Session, principal: Principal, ref: str,
                            as_of: date | None = None) -> tuple[Organisation, list[dict[str, Any]]]:
    """The programmes that target the organisation (kind:code), with its stage in each."""
    require(principal, READ)
    org = benchmark.get_benchmark_organisation(session, ref)
    as_of = as_of or today()
    orgs = loader.load_organisations(session, as_of)
    out = []
    for programme in list_programmes(session, principal):
        if org.id not in target_ids(session, programme, orgs, as_of):
            continue
        history = adoption_history(session, [s.id for s in programme.solutions], [org.id], as_of)
        stage = p.stages_on(history, orgs, [org.id], as_of)[org.id]
        out.append({"programme": programme, "stage": stage, "targets": list(programme.targets)})
    return org, out


# ---- candidate solutions ---------------------------------------------------------------------


def candidates(session: Session, principal: Principal, limit: int = 10) -> list[dict[str, Any]]:
    """The most mature approved solutions to spread (progress.rank_candidates)."""
    require(principal, READ)
    on = today()
    valid = [sid for sid in session.scalars(select(Solution.id).where(catalogue.solution_visible(principal)))]
    statuses = approvals.public_statuses(session, valid, on)
    approved = [sid for sid in valid if statuses[sid]["status"] in lc.VALID_STATUSES]
    if not approved:
        return []
    adoption = benchmark.adoption_of(session, approved, as_of=on)
    bench, _orgs, _relevant = benchmark.compute(session, on)
    capacity = p.capacity_by_solution(bench.current[bench.current["solution_id"].isin(approved).to_numpy()])
    scores = best_scores(session, approved)
    solutions = {s.id: s for s in session.scalars(select(Solution).where(Solution.id.in_(approved)))}
    ranked = p.rank_candidates([p.Candidate(solution_id=sid, name=solutions[sid].name, approval=statuses[sid]["status"],
                                            score=scores.get(sid), in_use=adoption[sid]["in_use"],
                                            capacity_fte=capacity.get(sid, 0.0)) for sid in approved], limit)
    return [{"solution": solutions[c.solution_id], "approval": c.approval, "score": c.score, "in_use": c.in_use,
             "capacity_fte": c.capacity_fte,
             "treatment_areas": [t.code for t in solutions[c.solution_id].treatment_areas]} for c in ranked]


def best_scores(session: Session, solution_ids: list[int]) -> dict[int, float]:
    """Per solution, the best overall score (0-100) of its completed assessments."""
    out: dict[int, float] = {}
    for sid, result in session.execute(select(Assessment.solution_id, Assessment.result).where(
            Assessment.solution_id.in_(solution_ids), Assessment.status == "completed")):
        score = (result or {}).get("score")
        if isinstance(score, int | float):
            out[sid] = max(out.get(sid, float(score)), float(score))
    return out

