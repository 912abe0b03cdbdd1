"""Assessment pages through the test client: the generated form and HTMX saving."""

from __future__ import annotations

import re
from typing import Any

from tests.helpers import login


def _csrf(client: Any) -> str:
    return client.cookies.get("csrftoken", "")


def _start(client: Any, framework: str = "blaastempel-dk@1.0") -> int:
    client.get("/solutions/selfback/assessments")
    r = client.post("/solutions/selfback/assessments",
                    data={"framework": framework, "_csrf_token": _csrf(client)}, follow_redirects=False)
    assert r.status_code in (302, 303), r.text
    return int(r.headers["location"].rsplit("/", 1)[1])


def test_framework_pages(client: Any) -> None:
    page = client.get("/frameworks")
    assert page.status_code == 200 and "/frameworks/nhs-dtac/1.0" in page.text
    detail = client.get("/frameworks/blaastempel-dk/1.0")
    assert detail.status_code == 200 and "BT1.1" in detail.text
    assert client.get("/frameworks/nope/1").status_code == 404


def test_form_is_generated_and_htmx_save_returns_fragment_and_score(client: Any) -> None:
    login(client, "assessor")
    aid = _start(client)
    form = client.get(f"/assessments/{aid}")
    assert form.status_code == 200
    html = form.text
    assert 'id="score-panel"' in html and "<legend>" in html.replace("<legend><span", "<legend>")
    assert f'hx-post="/assessments/{aid}/answers/BT1.3"' in html and "x-csrftoken" in html
    assert 'type="radio"' in html and 'type="checkbox"' in html and "(f.eks. 3.12.2026)" in html
    headers = {"HX-Request": "true", "x-csrftoken": _csrf(client)}
    saved = client.post(f"/assessments/{aid}/answers/BT1.3", data={"value": "yes", "version": ""},
                        headers=headers)
    assert saved.status_code == 200
    assert saved.text.lstrip().startswith("<form") and 'hx-swap-oob="true"' in saved.text
    score = re.search(r'data-testid="overall-score">([^<]+)<', saved.text)
    assert score and score.group(1).strip() not in ("0 %", "–")
    bad = client.post(f"/assessments/{aid}/answers/BT1.4", data={"value": "maybe"}, headers=headers)
    assert bad.status_code == 200 and "field-error" in bad.text
    stale = client.post(f"/assessments/{aid}/answers/BT1.3", data={"value": "no", "version": "7"},
                        headers=headers)
    assert "field-error" in stale.text
    submit = client.post(f"/assessments/{aid}/submit", data={"_csrf_token": _csrf(client)})
    assert submit.status_code == 400 and "workflow-error" in submit.text


def test_post_without_csrf_is_refused(client: Any) -> None:
    login(client, "assessor")
    aid = _start(client)
    r = client.post(f"/assessments/{aid}/answers/BT1.3", data={"value": "yes"})
    assert r.status_code == 403


def test_solution_assessment_list_and_result(client: Any) -> None:
    login(client, "assessor")
    aid = _start(client, "mast@2010")
    listing = client.get("/solutions/selfback/assessments")
    assert f"/assessments/{aid}" in listing.text
    assert "MAST - Model for vurdering af telemedicin" in listing.text and "mast 2010" not in listing.text
    mine = client.get("/assessments/mine?lang=en").text
    assert "MAST - Model for ASsessment of Telemedicine applications" in mine and "mast 2010" not in mine
    result = client.get(f"/assessments/{aid}/result")
    assert result.status_code == 200 and "MAST" in result.text


def _problems(html: str) -> str:
    found = re.search(r'<ul class="problems">(.*?)</ul>', html, re.S)
    assert found, "the workflow box lists no problems"
    return found.group(1)


def test_workflow_problems_are_translated_with_their_values(client: Any) -> None:
    login(client, "assessor")
    aid = _start(client)
    danish = _problems(client.get(f"/assessments/{aid}").text)
    assert "ubesvarede" in danish and "unanswered" not in danish
    codes = re.search(r"ubesvarede (?:påkrævede kriterier|afgrænsningsspørgsmål): ([^<]+)<", danish)
    assert codes and re.search(r"[A-Z]+\d", codes.group(1)), danish
    english = _problems(client.get(f"/assessments/{aid}?lang=en").text)
    assert f"{codes.group(1)}<" in english and "unanswered " in english and "ubesvarede" not in english
    # the same messages, refused by submit, come back translated in the workflow error box
    submit = client.post(f"/assessments/{aid}/submit", data={"_csrf_token": _csrf(client)})
    assert submit.status_code == 400 and "ubesvarede" in submit.text.split('id="workflow-error"')[1][:2000]


def test_a_conflict_with_values_is_translated(client: Any) -> None:
    login(client, "assessor")
    aid = _start(client)
    r = client.post(f"/assessments/{aid}/review", data={"_csrf_token": _csrf(client)})
    assert r.status_code in (403, 409)
    assert f"kun en indsendt vurdering kan tages til kontrol; #{aid} er kladde" in r.text, r.text
    r = client.post(f"/assessments/{aid}/review?lang=en", data={"_csrf_token": _csrf(client)})
    assert f"only a submitted assessment can be taken into review; #{aid} is draft" in r.text


def test_refused_answers_and_labels_follow_the_page_language(client: Any) -> None:
    login(client, "assessor")
    aid = _start(client)
    headers = {"HX-Request": "true", "x-csrftoken": _csrf(client)}
    client.post(f"/assessments/{aid}/answers/BT1.3", data={"value": "yes", "version": ""}, headers=headers)
    bad = client.post(f"/assessments/{aid}/answers/BT1.5", data={"value": "maybe"}, headers=headers)
    assert "&#39;maybe&#39; er ikke et gyldigt svar; svaret skal være ja eller nej" in bad.text
    bad = client.post(f"/assessments/{aid}/answers/BT1.5?lang=en", data={"value": "maybe"}, headers=headers)
    assert "answer must be yes or no, got &#39;maybe&#39;" in bad.text
    empty = client.post(f"/assessments/{aid}/answers/BT1.5", data={"value": ""}, headers=headers)
    assert "Vælg et svar – kommentar og link gemmes sammen med svaret." in empty.text
    danish = client.get(f"/assessments/{aid}/result").text
    assert '<span class="st st-draft" data-testid="status">Kladde</span>' in danish
    assert "<td>Ja</td>" in danish and "<td>Bedømmer" in danish
    english = client.get(f"/assessments/{aid}/result?lang=en").text
    assert '<span class="st st-draft" data-testid="status">draft</span>' in english
    assert "<td>Yes</td>" in english and "<td>assessor" in english


def _criterion_form(html: str, dom: str) -> str:
    found = re.search(rf'<form id="{dom}".*?</form>', html, re.S)
    assert found, f"no criterion {dom}"
    return found.group(0)


def test_a_follow_up_is_greyed_until_its_parent_says_yes_and_htmx_rerenders_it(client: Any) -> None:
    login(client, "assessor")
    aid = _start(client, "nhs-dtac@1.0")
    form = client.get(f"/assessments/{aid}").text
    follow_up = _criterion_form(form, "c-C2_3_2")
    assert "not-applicable" in follow_up and "<fieldset disabled" in follow_up
    assert "gælder kun når C2.3 = Ja" in follow_up and "Gælder ikke" in follow_up
    headers = {"HX-Request": "true", "x-csrftoken": _csrf(client)}
    yes = client.post(f"/assessments/{aid}/answers/C2.3", data={"value": "yes", "version": ""},
                      headers=headers).text
    # The parent's answer re-renders its follow-ups out of band, now enabled.
    for dom in ("c-C2_3_1", "c-C2_3_2"):
        part = _criterion_form(yes, dom)
        assert 'hx-swap-oob="true"' in part and "not-applicable" not in part
        assert "<fieldset disabled" not in part
    version = re.search(r'name="version" value="(\d+)"', _criterion_form(yes, "c-C2_3")).group(1)
    no = client.post(f"/assessments/{aid}/answers/C2.3", data={"value": "no", "version": version},
                     headers=headers).text
    assert "not-applicable" in _criterion_form(no, "c-C2_3_2")


def test_english_pages_describe_the_condition_in_english(client: Any) -> None:
    login(client, "assessor")
    aid = _start(client, "nhs-dtac@1.0")
    html = client.get(f"/assessments/{aid}?lang=en").text
    follow_up = _criterion_form(html, "c-D1_1_1")
    assert "applies only when D1.1 = Yes or Working towards it" in follow_up


def test_a_superseded_version_can_be_started_with_a_warning_in_danish(client: Any) -> None:
    login(client, "assessor")
    listing = client.get("/solutions/selfback/assessments").text
    assert 'value="nhs-dtac@1.0"' in listing and 'value="nhs-dtac@2.0"' in listing
    assert "(DTAC) 1.0 – erstattet" in listing and "1.0 (1.0)" not in listing  # the version once
    aid = _start(client, "nhs-dtac@1.0")
    warning = re.search(r'<p class="alert alert-warning"[^>]*id="superseded-warning">(.*?)</p>',
                        client.get(f"/assessments/{aid}").text, re.S)
    assert warning and "Denne version af rammen er erstattet." in warning.group(1)
    assert "Erstattet af DTAC 2.0" in warning.group(1) and "Superseded" not in warning.group(1)
    current = _start(client, "nhs-dtac@2.0")
    assert 'id="superseded-warning"' not in client.get(f"/assessments/{current}").text
