"""One page of a list: the request (limit, offset), the query and the JSON envelope."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import BaseModel
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from app.errors import ValidationFailed
from app.messages import Message

T = TypeVar("T")
DEFAULT_PAGE_SIZE = 25
MAX_PAGE_SIZE = 200


@dataclass(frozen=True)
class PageRequest:
    limit: int = DEFAULT_PAGE_SIZE
    offset: int = 0

    def __post_init__(self) -> None:
        errors: dict[str, Message] = {}
        if not 1 <= self.limit <= MAX_PAGE_SIZE:
            errors["limit"] = Message("must be between 1 and {max}", max=MAX_PAGE_SIZE)
        if self.offset < 0:
            errors["offset"] = Message("must be 0 or more")
        if errors:
            raise ValidationFailed(errors)


class Page(BaseModel, Generic[T]):
    """The API's list envelope."""

    items: list[T]
    total: int
    limit: int
    offset: int


def paginate(session: Session, stmt: Select[Any], page: PageRequest,
             single_pass: bool = False) -> tuple[list[Any], int]:
    """Find the page's ids with a narrow query, then load just those rows: sorting ids
    rather than whole rows keeps long filtered lists fast.

    single_pass counts with a window function in the same query. That is faster when the
    filter already forces the database to visit every match (a treatment area, a name
    search), and much slower on an unfiltered table, where count(*) reads an index."""
    model = stmt.column_descriptions[0]["entity"]
    count = stmt.with_only_columns(func.count(), maintain_column_froms=True).order_by(None)
    if not single_pass:
        return page_rows(session, stmt, page), session.scalar(count) or 0
    narrow = stmt.with_only_columns(model.id, func.count().over(), maintain_column_froms=True)
    rows = session.execute(narrow.limit(page.limit).offset(page.offset)).all()
    total = rows[0][1] if rows else (session.scalar(count) or 0 if page.offset else 0)
    return _load(session, model, [row[0] for row in rows]), total


def page_rows(session: Session, stmt: Select[Any], page: PageRequest) -> list[Any]:
    """The page's rows without counting (the caller knows the total): its ids by a narrow
    query, then those rows."""
    model = stmt.column_descriptions[0]["entity"]
    narrow = stmt.with_only_columns(model.id, maintain_column_froms=True)
    return _load(session, model, list(session.scalars(narrow.limit(page.limit).offset(page.offset))))


def _load(session: Session, model: Any, ids: list[int]) -> list[Any]:
    by_id = {obj.id: obj for obj in session.scalars(select(model).where(model.id.in_(ids))).unique()}
    return [by_id[i] for i in ids]
