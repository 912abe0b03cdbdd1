"""Comparing 2-4 solutions: the page, the JSON, the limits, and unpublished solutions."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session

from app.audit.hook import set_actor
from app.buyer import services as svc
from app.errors import ValidationFailed
from tests.approvals.helpers import make_solution
from tests.helpers import login


def test_requested_keys_accept_repeated_and_comma_separated_values() -> None:
    assert svc.requested_keys(["selfback,liva", " liva ", "", "ada"]) == ["selfback", "liva", "ada"]


def test_compare_page_shows_the_solutions_side_by_side(client: Any) -> None:
    response = client.get("/compare?solutions=selfback&solutions=liva")
    assert response.status_code == 200
    body = response.text
    assert body.index(">SelfBack<") < body.index(">Liva")
    for row in ("Leverandør", "Vurderinger", "Status i dag", "Evidensplan", "I brug pr. region", "Overskredet"):
        assert row in body
    assert "I brug = i drift i dag" in body
    for row in ("Pris", "Platforme", "Hvem betaler", "Dataplacering", "Indikationer (ICD-10)"):
        assert f">{row}<" in body
    assert "4.500,00 kr." in body and "M54.5 Lændesmerter" in body  # Liva's price, SelfBack's diagnosis
    assert '/compare?solutions=selfback%2Cliva' in body  # the link that gives this comparison again
    again = client.get("/compare?solutions=selfback,liva").text
    assert again.count('data-row="') == body.count('data-row="')


def test_one_or_more_than_four_get_a_clear_danish_message(client: Any) -> None:
    one = client.get("/compare?solutions=selfback")
    assert one.status_code == 400 and "vælg mindst 2 løsninger at sammenligne (du har valgt 1)" in one.text
    five = client.get("/compare?solutions=selfback,liva,ada,sindro,omaolo")
    assert five.status_code == 400 and "vælg højst 4 løsninger at sammenligne (du har valgt 5)" in five.text
    assert client.get("/compare").status_code == 200  # no choice yet: how to choose
    english = client.get("/compare?solutions=selfback&lang=en").text
    assert "choose at least 2 solutions to compare (1 chosen)" in english


def test_api_compare_answers_the_same_as_json(client: Any) -> None:
    response = client.get("/api/compare", params={"solutions": "selfback,liva"})
    assert response.status_code == 200, response.text
    data = response.json()
    assert [i["slug"] for i in data["items"]] == ["selfback", "liva"]
    selfback = data["items"][0]
    assert {f["key"] for f in selfback["facts"]} >= {"vendor", "purpose", "treatment_areas"}
    assert selfback["approval"]["status"] == "temporarily_approved"
    assert selfback["adoption"]["in_use"] == client.get("/api/solutions/selfback/adoption").json()["in_use"] >= 1
    assert data["in_use_definition"].startswith("I brug = ")
    assert client.get("/api/compare", params={"solutions": "selfback", "lang": "en"}).json()["errors"] == {
        "solutions": "choose at least 2 solutions to compare (1 chosen)"}


def test_unpublished_solutions_are_never_compared_for_those_who_may_not_see_them(client: Any, db: Session) -> None:
    hidden = make_solution(db, "Skjultsammenligning")
    set_actor(db, None, "tests")
    hidden.published = False
    db.commit()
    url = f"/compare?solutions=selfback,{hidden.slug}"
    anonymous = client.get(url)
    assert anonymous.status_code == 400 and "Skjultsammenligning" not in anonymous.text
    api = client.get("/api/compare", params={"solutions": f"selfback,{hidden.id}"})
    assert api.status_code == 400 and "Skjultsammenligning" not in api.text
    login(client, "procurement")  # staff may see unpublished solutions
    assert "Skjultsammenligning" in client.get(url).text


def test_comparison_service_refuses_too_many_before_reading(db: Session, app: Any) -> None:
    from app.core.principal import ANONYMOUS_PRINCIPAL

    with pytest.raises(ValidationFailed) as refused:
        svc.comparison(db, ANONYMOUS_PRINCIPAL, app.state.frameworks, ["a", "b", "c", "d", "e"], "da")
    assert refused.value.errors["solutions"].params == {"max": 4, "count": 5}


def test_search_results_and_solution_list_offer_the_comparison(client: Any) -> None:
    search = client.get("/search?q=selfback").text
    assert 'form="compare-form"' in search and 'id="compare-form"' in search
    assert search.index("</form>") < search.index('id="compare-form"')  # never a form inside a form
    listing = client.get("/solutions").text
    assert 'class="compare-pick" form="compare-form" name="solutions"' in listing and 'action="/compare"' in listing
