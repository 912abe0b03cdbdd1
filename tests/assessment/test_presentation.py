"""A draft never shows a final result; codes are shown in the page's language; answers in
criterion order; completing asks for confirmation first."""

from __future__ import annotations

from typing import Any

from tests.assessment.test_assessment_pages import _csrf, _start
from tests.helpers import login


def _answer(client: Any, aid: int, code: str, value: str, lang: str = "da") -> None:
    r = client.post(f"/assessments/{aid}/answers/{code}?lang={lang}", data={"value": value, "version": ""},
                    headers={"HX-Request": "true", "x-csrftoken": _csrf(client)})
    assert r.status_code == 200 and "field-error" not in r.text, r.text


def test_a_draft_shows_only_a_provisional_outcome_in_danish(client: Any) -> None:
    login(client, "assessor")
    aid = _start(client, "naevnet-sundhedsapps@2024")
    client.post(f"/assessments/{aid}/scope", data={"Q1": "no", "_csrf_token": _csrf(client)})
    form = client.get(f"/assessments/{aid}").text
    assert 'data-testid="tier">Øvrige<' in form
    listing = client.get("/solutions/selfback/assessments").text
    row = listing.split(f'href="/assessments/{aid}"')[1].split("</tr>")[0]
    assert "<td>Øvrige</td>" in row and "Kladde" in row
    assert "Foreløbigt" in row or "<td>–</td>" in row
    english = client.get("/solutions/selfback/assessments?lang=en").text
    assert "<td>Other</td>" in english.split(f'href="/assessments/{aid}"')[1].split("</tr>")[0]


def test_numbers_in_the_result_are_written_the_danish_way_and_listed_in_criterion_order(
        client: Any, auth: Any) -> None:
    login(client, "assessor")
    aid = _start(client)
    _answer(client, aid, "BT2.2", "0,5")
    _answer(client, aid, "BT1.3", "yes")
    page = client.get(f"/assessments/{aid}/result").text
    answers = page.split("Svar og dokumentation")[1].split("</table>")[0]
    assert "<td>0,5</td>" in answers and "0.5" not in answers
    assert answers.index("BT1.3") < answers.index("BT2.2")
    english = client.get(f"/assessments/{aid}/result?lang=en").text
    assert "<td>0.5</td>" in english
    api = client.get(f"/api/assessments/{aid}", headers=auth("assessor")).json()
    assert [x["criterion_code"] for x in api["answers"]] == ["BT1.3", "BT2.2"]


def test_completing_without_confirmation_goes_to_the_confirmation_page(client: Any) -> None:
    login(client, "assessor")
    aid = _start(client)
    r = client.post(f"/assessments/{aid}/complete", data={"_csrf_token": _csrf(client)},
                    follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/assessments/{aid}/completion"
    page = client.get(f"/assessments/{aid}/completion").text
    assert "Du kan ikke afslutte denne vurdering nu." in page  # the author is not the reviewer
