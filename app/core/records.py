"""Helpers the services share for one record: find it or answer 404, check the version
the caller read, give it a free slug, and flush so that a clash is a clear error."""

from __future__ import annotations

from typing import Any, TypeVar

from slugify import slugify
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from app.db.base import Base
from app.errors import Conflict, NotFound, ValidationFailed
from app.messages import Message, Term

M = TypeVar("M", bound=Base)
RESERVED_SLUGS = frozenset({"new", "edit", "assessments"})
CHANGED_MEANWHILE = "this record was changed by someone else; reload it and try again"


def not_found(label: str, key: int | str) -> NotFound:
    return NotFound(Message("{kind} {key} does not exist", kind=Term("missing", label), key=key))


def is_id(key: int | str) -> bool:
    return isinstance(key, int) or (isinstance(key, str) and key.isascii() and key.isdigit())


def get_record(session: Session, model: type[M], key: int | str, label: str) -> M:
    """The record of this id or slug, or NotFound naming it as `label`."""
    obj = (session.get(model, int(key)) if is_id(key)
           else session.scalar(select(model).filter_by(slug=key)))
    if obj is None:
        raise not_found(label, key)
    return obj


def check_version(obj: Any, version: int) -> None:
    if obj.version != version:
        raise Conflict(Message(
            "this record was changed by someone else (you edited version {version}, it is now version "
            "{current}); reload it and make your change again", version=version, current=obj.version))


def assign(obj: Any, values: dict[str, Any]) -> None:
    """Set the values that differ, so an unchanged field is neither written nor audited."""
    for key, value in values.items():
        if getattr(obj, key) != value:
            setattr(obj, key, value)


def flush(session: Session, conflict: str = CHANGED_MEANWHILE) -> None:
    """Flush so database rules fail here, as domain errors, not at commit. A stale version
    and a uniqueness clash mean the same: someone else saved first (409, `conflict`).
    Duplicates a service can see coming are refused before, as invalid fields (400)."""
    try:
        session.flush()
    except (StaleDataError, IntegrityError) as exc:
        session.rollback()
        raise Conflict(conflict) from exc


def unique_slug(session: Session, model: Any, wanted: str | None, name: str,
                own_id: int | None = None) -> str:
    slug = wanted or slugify(name, max_length=100, word_boundary=True) or "x"
    if slug in RESERVED_SLUGS:
        if wanted:
            raise ValidationFailed({"slug": Message("'{slug}' is reserved for the site's own pages",
                                                    slug=slug)})
        slug = f"{slug}-1"
    clash = session.scalar(select(model.id).where(model.slug == slug, model.id != (own_id or -1)))
    if clash is None:
        return slug
    if wanted:
        raise ValidationFailed({"slug": Message("'{slug}' is already used", slug=slug)})
    n = 2
    while session.scalar(select(model.id).where(model.slug == f"{slug}-{n}")) is not None:
        n += 1
    return f"{slug}-{n}"
