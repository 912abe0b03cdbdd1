"""Saved searches: saving, renaming, alerts on/off and deleting one's own (bad input named,
another user's search unknown), and the alert: new published matches only, once."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.accounts.services import create_user, principal_of, user_by_email
from app.catalogue.models import Solution, Vendor
from app.errors import NotFound, Unauthenticated, ValidationFailed
from app.notifications import saved_searches as svc
from app.notifications.models import Notification, SavedSearch
from app.search.backend import Hit, SearchQuery, SearchResult
from tests.helpers import DEMO_USERS, login, unique
from tests.web.language_check import problems, visible_text


def _word() -> str:
    return "Gemmeord" + unique("x").split("-")[1]


def _new_solution(session: Session, name: str, published: bool = True) -> Solution:
    vendor = Vendor(name=unique("Alarmleverandør"), country="DK")
    solution = Solution(slug=unique("alarm"), name=name, vendor=vendor, short_description_da=f"{name} hjælper",
                        description_da="Digital genoptræning", purpose="treatment", target_users="citizen",
                        origin="private", country="DK", regulatory_class="none", integrations=[],
                        published=published)
    session.add(solution)
    return solution


@pytest.fixture()
def owner(app: Litestar) -> Iterator[User]:
    factory = app.state.session_factory
    with factory() as s, s.begin():
        user = create_user(s, email=f"{unique('gem')}@example.org", name="Sara Søger", role="procurement",
                           password="a long enough password 1")
    yield user
    with factory() as s, s.begin():
        s.execute(delete(Notification).where(Notification.user_id == user.id))
        s.execute(delete(SavedSearch).where(SavedSearch.user_id == user.id))
        s.execute(delete(User).where(User.id == user.id))


def _notes(app: Litestar, user: User) -> list[Notification]:
    with app.state.session_factory() as s:
        return list(s.scalars(select(Notification).where(Notification.user_id == user.id,
                                                         Notification.kind == "saved_search_match")
                              .order_by(Notification.id)))


def _alert(app: Litestar) -> None:
    with app.state.session_factory() as s, s.begin():
        svc.alert(s, app.state.search_backend)


# ---- the service ------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "reason"), [
    ("", "give the search a name"), ("   ", "give the search a name"),
    ("x" * 101, "a name has at most {max} characters (this one has {n})"),
])
def test_a_bad_name_is_refused_naming_the_field(app: Litestar, owner: User, name: str, reason: str) -> None:
    with app.state.session_factory() as s:
        with pytest.raises(ValidationFailed) as exc:
            svc.save(s, principal_of(owner), app.state.search_backend, name, {"q": "kol"}, True)
        assert exc.value.errors["name"].msgid == reason
        assert s.scalars(select(SavedSearch).where(SavedSearch.user_id == owner.id)).all() == []


def test_only_the_owner_reaches_a_saved_search(app: Litestar, db: Session, owner: User) -> None:
    backend = app.state.search_backend
    saved = svc.save(db, principal_of(owner), backend, "  KOL   i kommunen ", {"q": "kol", "purpose": ["treatment"],
                                                                             "offset": "20", "bogus": "x"}, True)
    assert saved.name == "KOL i kommunen"
    assert saved.params == {"q": "kol", "purpose": ["treatment"]}
    assert svc.search_path(saved) == "/search?q=kol&purpose=treatment"
    other = principal_of(user_by_email(db, DEMO_USERS["procurement"]))
    for action in (lambda: svc.get_mine(db, other, saved.id), lambda: svc.rename(db, other, saved.id, "Mit"),
                   lambda: svc.set_alerts(db, other, backend, saved.id, False),
                   lambda: svc.delete(db, other, saved.id), lambda: svc.get_mine(db, other, 10**9)):
        with pytest.raises(NotFound):
            action()
    with pytest.raises(Unauthenticated):
        svc.list_mine(db, principal_of(owner).__class__(id=None, email="", name="", role="anonymous"))
    assert svc.rename(db, principal_of(owner), saved.id, "Rygtræning").name == "Rygtræning"
    assert [s.name for s in svc.list_mine(db, principal_of(owner))] == ["Rygtræning"]
    svc.delete(db, principal_of(owner), saved.id)
    assert svc.list_mine(db, principal_of(owner)) == []
    db.rollback()


# ---- the alert ------------------------------------------------------------------------------


def test_the_alert_tells_of_new_published_matches_once(app: Litestar, owner: User) -> None:
    factory, backend = app.state.session_factory, app.state.search_backend
    word = _word()
    with factory() as s, s.begin():
        old = _new_solution(s, f"{word} Før")
    with factory() as s, s.begin():
        saved = svc.save(s, principal_of(owner), backend, "Mit ord", {"q": word}, True)
    with factory() as s:
        assert s.get(SavedSearch, saved.id).seen_solution_ids == [old.id]
    _alert(app)
    assert _notes(app, owner) == []  # nothing new since it was saved
    with factory() as s, s.begin():
        new = _new_solution(s, f"{word} Ny")
        _new_solution(s, f"{word} Hemmelig", published=False)
    _alert(app)
    _alert(app)  # twice the same day: nothing new
    notes = _notes(app, owner)
    assert [n.context for n in notes] == [{
        "search_name": "Mit ord", "count": 1, "path": f"/search?q={word}",
        "solutions": [{"name": new.name, "path": f"/solutions/{new.slug}"}]}]
    with factory() as s, s.begin():
        s.get(SavedSearch, saved.id).alerts = False
        _new_solution(s, f"{word} Slukket")
    _alert(app)
    assert len(_notes(app, owner)) == 1
    with factory() as s, s.begin():
        svc.set_alerts(s, principal_of(owner), backend, saved.id, True)  # from today's matches on
        s.get(User, owner.id).is_active = False
        _new_solution(s, f"{word} Inaktiv")
    _alert(app)
    assert len(_notes(app, owner)) == 1


class FixedEngine:
    """An engine answering every query with the same solutions: what a stale index (or any
    engine keeping to the contract) may say; the database decides what is published."""

    name = "fixed"

    def __init__(self, ids: list[int]) -> None:
        self.ids = ids
        self.queries: list[SearchQuery] = []

    def search(self, _session: Session, query: SearchQuery) -> SearchResult:
        self.queries.append(query)
        page = self.ids[query.offset:query.offset + query.limit]
        return SearchResult(hits=[Hit(type="solution", id=i, slug=str(i), title="", snippet="", url="")
                                  for i in page], total=len(self.ids), facets={})


def test_an_unpublished_solution_an_engine_still_finds_is_never_mailed(app: Litestar, owner: User) -> None:
    factory = app.state.session_factory
    with factory() as s, s.begin():
        hidden = _new_solution(s, unique("Skjult"), published=False)
        shown = _new_solution(s, unique("Synlig"))
    engine = FixedEngine([])
    with factory() as s, s.begin():
        saved = svc.save(s, principal_of(owner), engine, "Alt", {"q": "", "purpose": ["treatment"]}, True)
    engine.ids = [hidden.id, shown.id]
    with factory() as s, s.begin():
        svc.alert(s, engine)
    assert [n.context["solutions"] for n in _notes(app, owner)] == [[{"name": shown.name,
                                                                       "path": f"/solutions/{shown.slug}"}]]
    assert engine.queries[-1].filters == {"purpose": ("treatment",), "type": ("solution",)}
    with factory() as s:
        assert s.get(SavedSearch, saved.id).seen_solution_ids == [shown.id]


def test_matches_are_read_page_by_page_up_to_a_bound(app: Litestar) -> None:
    engine = FixedEngine(list(range(1, 2501)))
    with app.state.session_factory() as s:
        ids = svc.matching_solutions(s, engine, {"q": "x"})
    assert ids == list(range(1, svc.MAX_SCANNED + 1))
    assert {q.sort for q in engine.queries} == {"newest"}


# ---- the pages ------------------------------------------------------------------------------


def _csrf(client: Any) -> str:
    token = client.cookies.get("csrftoken")
    assert token
    return str(token)


def _own(db: Session) -> list[SavedSearch]:
    user = user_by_email(db, DEMO_USERS["procurement"])
    assert user is not None
    db.expire_all()
    return list(db.scalars(select(SavedSearch).where(SavedSearch.user_id == user.id).order_by(SavedSearch.id)))


@pytest.fixture()
def searcher(client: TestClient[Litestar], db: Session) -> Iterator[TestClient[Litestar]]:
    yield login(client, "procurement")
    user = user_by_email(db, DEMO_USERS["procurement"])
    db.rollback()
    db.execute(delete(SavedSearch).where(SavedSearch.user_id == user.id))
    db.commit()


def test_saving_a_search_from_the_search_page(searcher: TestClient[Litestar], db: Session) -> None:
    client = searcher
    page = client.get("/search", params={"q": "kol", "purpose": "treatment"}, headers={"Accept-Language": "da"})
    assert 'href="/account/searches/new?q=kol&amp;purpose=treatment"' in page.text and "Gem søgning" in page.text
    form = client.get("/account/searches/new", params={"q": "kol", "purpose": "treatment"})
    assert form.status_code == 200 and 'value="kol"' in form.text
    for name, reason in (("", "giv søgningen et navn"), ("x" * 101, "højst have 100 tegn (dette har 101)")):
        refused = client.post("/account/searches/new", data={"_csrf_token": _csrf(client), "name": name,
                                                             "q": "kol", "purpose": "treatment", "alerts": "true"})
        assert refused.status_code == 400 and reason in refused.text
        assert 'aria-invalid="true"' in refused.text and 'name="purpose" value="treatment"' in refused.text
    assert _own(db) == []
    saved = client.post("/account/searches/new", data={"_csrf_token": _csrf(client), "name": "KOL-behandling",
                                                       "q": "kol", "purpose": "treatment", "alerts": ["false", "true"]},
                        follow_redirects=False)
    assert saved.status_code == 303 and saved.headers["location"] == "/account/searches?done=saved"
    listing = client.get(saved.headers["location"])
    assert "Søgningen er gemt." in listing.text and "KOL-behandling" in listing.text
    assert 'href="/search?q=kol&amp;purpose=treatment"' in listing.text
    [mine] = _own(db)
    assert (mine.name, mine.params, mine.alerts) == ("KOL-behandling", {"q": "kol", "purpose": ["treatment"]}, True)
    for lang in ("da", "en"):  # the list with a search on it reads right in both languages
        client.cookies.set("lang", lang)
        assert problems(visible_text(client.get("/account/searches").text), lang) == []


def test_renaming_switching_and_deleting_on_the_list(searcher: TestClient[Litestar], db: Session) -> None:
    client = searcher
    client.post("/account/searches/new", data={"_csrf_token": _csrf(client), "name": "Første", "q": "diabetes",
                                               "alerts": "false"})
    [mine] = _own(db)
    assert mine.alerts is False
    bad = client.post(f"/account/searches/{mine.id}/rename", data={"_csrf_token": _csrf(client), "name": " "})
    assert bad.status_code == 400 and "giv søgningen et navn" in bad.text
    assert client.post(f"/account/searches/{mine.id}/rename", data={"_csrf_token": _csrf(client),
                                                                    "name": "Diabetes"}).status_code == 200
    client.post(f"/account/searches/{mine.id}/alerts", data={"_csrf_token": _csrf(client), "alerts": "true"})
    [mine] = _own(db)
    assert (mine.name, mine.alerts) == ("Diabetes", True)
    client.post(f"/account/searches/{mine.id}/delete", data={"_csrf_token": _csrf(client)})
    assert _own(db) == []


def test_another_users_search_is_not_found_and_a_visitor_must_log_in(
        app: Litestar, searcher: TestClient[Litestar], owner: User) -> None:
    with app.state.session_factory() as s, s.begin():
        theirs = svc.save(s, principal_of(owner), app.state.search_backend, "Privat", {"q": "kol"}, True)
    client = searcher
    for action, data in (("rename", {"name": "Mit"}), ("alerts", {"alerts": "false"}), ("delete", {})):
        answer = client.post(f"/account/searches/{theirs.id}/{action}", data={"_csrf_token": _csrf(client), **data})
        assert answer.status_code == 404, action
    assert "Privat" not in client.get("/account/searches").text
    with app.state.session_factory() as s:
        assert s.get(SavedSearch, theirs.id).name == "Privat"
    client.post("/logout", data={"_csrf_token": _csrf(client)})
    for path in ("/account/searches", "/account/searches/new?q=kol"):
        answer = client.get(path, follow_redirects=False)
        assert answer.status_code in (302, 303, 401) and "Gem søgning" not in answer.text
    assert "/account/searches/new" not in client.get("/search", params={"q": "kol"}).text
