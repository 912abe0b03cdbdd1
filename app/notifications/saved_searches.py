"""Saved searches: a user keeps a search of the search page (its words, sort and facets)
under a name, and may ask to be told by mail when new solutions match it.

Matches are asked of the search engine through the one search contract, so alerts work
alike on every engine; the index holds only what the public may read, and a match is
mailed only when the database says the solution is published. `alert` is run daily
(`blaastempel notify remind`); each saved search remembers the solutions it has seen,
so a second run the same day writes nothing."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.catalogue.models import Solution
from app.core.principal import Principal
from app.errors import NotFound, Unauthenticated, ValidationFailed
from app.messages import Message
from app.notifications.models import SavedSearch
from app.notifications.outbox import enqueue
from app.search.backend import MAX_LIMIT, SearchBackend, SearchQuery
from app.search.services import query_from_params
from app.web.pager import query_url

NAME_MAX = 100
#: the newest matches an alert looks at (a search matching more is too broad to alert on)
MAX_SCANNED = 1000
#: solutions named in one alert mail (the mail says how many there are in all)
MAX_LISTED = 10


def clean_params(raw: dict[str, Any]) -> dict[str, Any]:
    """The search page's parameters worth keeping, normalised as the search reads them."""
    query = query_from_params(raw)
    params: dict[str, Any] = {"q": query.q.strip()} if query.q.strip() else {}
    if query.sort != "relevance":
        params["sort"] = query.sort
    return params | {facet: list(values) for facet, values in query.filters.items()}


def search_path(saved: SavedSearch) -> str:
    return query_url("/search", saved.params)


def _name(raw: str | None) -> str:
    name = " ".join((raw or "").split())
    if not name:
        raise ValidationFailed({"name": Message("give the search a name")})
    if len(name) > NAME_MAX:
        raise ValidationFailed({"name": Message("a name has at most {max} characters (this one has {n})",
                                                max=NAME_MAX, n=len(name))})
    return name


def _owner(principal: Principal) -> int:
    if principal.id is None:
        raise Unauthenticated("log in to save searches")
    return principal.id


def matching_solutions(session: Session, backend: SearchBackend, params: dict[str, Any]) -> list[int]:
    """The ids of the solutions the search finds, newest first (at most MAX_SCANNED). An answer
    widened to records matching only some of the words (SearchResult.relaxed) finds none."""
    base = query_from_params(params)
    filters = {**base.filters, "type": ("solution",)}
    ids: list[int] = []
    for offset in range(0, MAX_SCANNED, MAX_LIMIT):
        result = backend.search(session, SearchQuery.make(q=base.q, filters=filters, sort="newest",
                                                          limit=MAX_LIMIT, offset=offset, with_facets=False))
        if result.relaxed:
            return []
        ids += [hit.id for hit in result.hits if hit.type == "solution"]
        if offset + MAX_LIMIT >= result.total or not result.hits:
            break
    return ids


def published(session: Session, ids: list[int]) -> list[Solution]:
    if not ids:
        return []
    found = {s.id: s for s in session.scalars(select(Solution).where(Solution.id.in_(ids),
                                                                     Solution.published.is_(True)))}
    return [found[i] for i in ids if i in found]


def _look(session: Session, backend: SearchBackend, saved: SavedSearch) -> list[Solution]:
    """The published solutions the search finds that it has not seen; all of them are seen now."""
    found = published(session, matching_solutions(session, backend, saved.params))
    seen = set(saved.seen_solution_ids or [])
    new = [s for s in found if s.id not in seen]
    saved.seen_solution_ids = sorted(seen | {s.id for s in found})
    saved.scanned_at = datetime.now(UTC)
    return new


# ---- the user's saved searches ------------------------------------------------------------


def list_mine(session: Session, principal: Principal) -> list[SavedSearch]:
    owner = _owner(principal)
    return list(session.scalars(select(SavedSearch).where(SavedSearch.user_id == owner)
                                .order_by(SavedSearch.name, SavedSearch.id)))


def get_mine(session: Session, principal: Principal, search_id: int) -> SavedSearch:
    """One of the user's saved searches; another user's is as unknown as a missing one."""
    saved = session.get(SavedSearch, search_id)
    if saved is None or saved.user_id != _owner(principal):
        raise NotFound(Message("saved search {id} does not exist", id=search_id))
    return saved


def save(session: Session, principal: Principal, backend: SearchBackend, name: str | None,
         raw_params: dict[str, Any], alerts: bool) -> SavedSearch:
    """Save a search; what it finds today is its starting point (an alert tells of later ones)."""
    saved = SavedSearch(user_id=_owner(principal), name=_name(name), params=clean_params(raw_params),
                        alerts=alerts, seen_solution_ids=[])
    _look(session, backend, saved)
    session.add(saved)
    session.flush()
    return saved


def rename(session: Session, principal: Principal, search_id: int, name: str | None) -> SavedSearch:
    saved = get_mine(session, principal, search_id)
    saved.name = _name(name)
    session.flush()
    return saved


def set_alerts(session: Session, principal: Principal, backend: SearchBackend, search_id: int,
               alerts: bool) -> SavedSearch:
    """Switch alerts on or off; switched on, they start from what the search finds today."""
    saved = get_mine(session, principal, search_id)
    if alerts and not saved.alerts:
        _look(session, backend, saved)
    saved.alerts = alerts
    session.flush()
    return saved


def delete(session: Session, principal: Principal, search_id: int) -> None:
    session.delete(get_mine(session, principal, search_id))
    session.flush()


# ---- the daily alert ----------------------------------------------------------------------


def alert(session: Session, backend: SearchBackend) -> int:
    """Tell each owner (active, alerts on) of the new published solutions their searches find;
    how many mails were written."""
    written = 0
    for saved, owner in session.execute(
            select(SavedSearch, User).join(User, User.id == SavedSearch.user_id)
            .where(SavedSearch.alerts.is_(True), User.is_active.is_(True)).order_by(SavedSearch.id)):
        new = _look(session, backend, saved)
        if not new:
            continue
        key = hashlib.sha256(",".join(str(s.id) for s in sorted(new, key=lambda s: s.id)).encode()).hexdigest()
        context = {"search_name": saved.name, "count": len(new), "path": search_path(saved),
                   "solutions": [{"name": s.name, "path": f"/solutions/{s.slug}"} for s in new[:MAX_LISTED]]}
        if enqueue(session, owner, "saved_search_match", context, dedup_key=f"search-{saved.id}:{key[:32]}"):
            written += 1
    return written
