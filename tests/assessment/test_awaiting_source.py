"""NICE ESF standards 5-21 have no sourced wording: one function gives their text, and the
form, the API and the PDF report all show it."""

from __future__ import annotations

import re
from typing import Any

import pytest

from app.assessment.loader import FrameworkError
from app.assessment.schema import awaiting_source_text
from app.cli import CLI_PRINCIPAL
from app.reporting import services as reports
from tests.helpers import login

from .helpers import build, crit, section

ESF_SCOPE = {"S1": "yes", "S2": "yes", "S3": "yes", "S4": "yes", "S5": "no", "S6": "no", "S7": "no",
             "P1": "intervention", "P2": "yes"}


def test_one_function_decides_the_text():
    assert awaiting_source_text("Standard 5", "da") == "Standard 5 – titel afventer kilde"
    assert awaiting_source_text("Standard 5", "en") == "Standard 5 – title awaiting source"
    pending = {"code": "X", "answer_type": "yes_no", "awaiting_source": "Standard 9"}
    fw = build([section("S", [pending])])
    assert fw.criterion("X").question_da == "Standard 9 – titel afventer kilde"


def test_a_criterion_awaiting_its_source_takes_no_text_of_our_own():
    with pytest.raises(FrameworkError) as info:
        build([section("S", [crit("X", awaiting_source="Standard 9")])])
    assert info.value.location == "sections[0].criteria[0].awaiting_source"


def test_esf_standards_5_to_21_await_their_source_and_1_to_4_keep_theirs(app: Any):
    fw = app.state.frameworks.get("nice-esf", "2022")
    for n in range(1, 22):
        crit_ = fw.criterion(f"ESF{n}")
        pending = crit_.question_en == f"Standard {n} – title awaiting source"
        assert pending == (n >= 5), crit_.code
        assert "unconfirmed" not in crit_.question_en and "ikke bekræftet" not in crit_.question_da


def test_form_api_and_pdf_show_the_same_text(client: Any, app: Any, auth: Any) -> None:
    api = client.get("/api/frameworks/nice-esf/2022").json()
    texts = {c["code"]: (c["question_da"], c["question_en"])
             for s in api["sections"] for c in s["criteria"]}
    assert texts["ESF14"] == ("Standard 14 – titel afventer kilde", "Standard 14 – title awaiting source")

    login(client, "assessor")
    client.get("/solutions/selfback/assessments")
    csrf = client.cookies.get("csrftoken", "")
    started = client.post("/solutions/selfback/assessments", data={"framework": "nice-esf@2022",
                                                                   "_csrf_token": csrf},
                          follow_redirects=False)
    aid = int(started.headers["location"].rsplit("/", 1)[1])
    client.post(f"/assessments/{aid}/scope", data={**ESF_SCOPE, "_csrf_token": csrf})
    form = client.get(f"/assessments/{aid}").text
    assert re.search(r"ESF14</span> Standard 14 – titel afventer kilde", form)

    with app.state.session_factory() as session:
        ctx = reports.assessment(session, reports.ReportRequest(kind="assessment", lang="en",
                                                                solution="selfback"),
                                 CLI_PRINCIPAL, app.state.frameworks, assessment_id=aid)
    rows = {c["code"]: c["question"] for s in ctx["sections"] for c in s["criteria"]}
    assert rows["ESF14"] == "Standard 14 – title awaiting source"
    assert rows["ESF1"] == fw_question(app, "ESF1")


def fw_question(app: Any, code: str) -> str:
    return app.state.frameworks.get("nice-esf", "2022").criterion(code).question_en
