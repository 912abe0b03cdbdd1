"""What already exists: the solutions and projects a need or a project resembles, found
by search (the need and project pages' panels, the needs report)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.catalogue.models import Need, Project
from app.search.backend import Hit, SearchBackend
from app.search.services import similar

Found = dict[str, list[Hit]]  # "solutions", "projects" -> hits
TEXT_CHARS = 600  # of a record's text, OR'd word by word into the query
APPROVED_TODAY = ("approved", "temporarily_approved")  # approval_status facet values


def _passes(doc_type: str, area: str | None) -> list[dict[str, tuple[str, ...]]]:
    """Solutions approved today (permanently or temporarily) first; within them, and then
    among the rest, the same treatment area first."""
    base: dict[str, tuple[str, ...]] = {"type": (doc_type,)}
    passes: list[dict[str, tuple[str, ...]]] = []
    if doc_type == "solution":
        if area:
            passes.append(base | {"approval_status": APPROVED_TODAY, "treatment_area": (area,)})
        passes.append(base | {"approval_status": APPROVED_TODAY})
    if area:
        passes.append(base | {"treatment_area": (area,)})
    passes.append(base)
    return passes


def prior_art_for_need(session: Session, backend: SearchBackend, need: Need, limit: int = 5) -> Found:
    """Solutions that match a need (approved today first) and projects on the same problem."""
    text = f"{need.title} {need.description or ''}"[:TEXT_CHARS]
    area = need.treatment_area.code if need.treatment_area else None
    return {"solutions": similar(session, backend, text, _passes("solution", area), limit),
            "projects": similar(session, backend, text, _passes("project", area), limit)}


def prior_art_for_project(session: Session, backend: SearchBackend, project: Project, limit: int = 5) -> Found:
    """Similar existing solutions and other projects (never the project itself)."""
    text = f"{project.name} {project.description or ''}"[:TEXT_CHARS]
    return {"solutions": similar(session, backend, text, _passes("solution", None), limit),
            "projects": similar(session, backend, text, _passes("project", None), limit,
                                exclude=(f"project:{project.id}",))}


def for_need_id(session: Session, backend: SearchBackend, need_id: int) -> Found | None:
    need = session.get(Need, need_id)
    return None if need is None else prior_art_for_need(session, backend, need)


def for_project_id(session: Session, backend: SearchBackend, project_id: int) -> Found | None:
    project = session.get(Project, project_id)
    return None if project is None else prior_art_for_project(session, backend, project)
