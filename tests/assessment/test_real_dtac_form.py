"""The real-form check: a completed NHS DTAC 1.0 form (RCPCH Digital Growth Charts, Feb 2023)
typed in answer by answer, exactly as printed, through the service as an assessor would.

The published verdict: C1, C2 and C4 are met; C3 fails because the external penetration
test (C3.2) is still "being conducted" with no evidence; D1 is scored from the printed
weights. The form answers C2.3 "No" (no personal data), so its follow-ups C2.3.1/C2.3.2
do not apply: the honest "not provided" DPIA typed under that "No" must not fail C2.

The sample is read from ../shared/samples (or $SAMPLES_DIR; never copied into the project). The mapping
from printed answer to option is in ANSWERS below, one line per answer, with the printed
words it comes from; free-text answers are typed from the form's cell as printed.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.services import principal_of, user_by_email
from app.assessment import services as svc
from app.assessment.form_reader import read_form
from app.assessment.schemas import AnswerIn, AssessmentIn
from app.audit.hook import set_actor
from app.catalogue.models import Solution
from tests.assessment.dtac_forms import SAMPLE_NAME, SAMPLES
from tests.helpers import DEMO_USERS

SAMPLE = SAMPLES / SAMPLE_NAME
pytestmark = pytest.mark.skipif(not SAMPLE.exists(), reason=f"the real DTAC sample is not at {SAMPLE} "
                                "(set SAMPLES_DIR to the shared samples folder)")

CELL = object()  # "type the printed answer cell as it is"


def printed_answers(path: Path) -> dict[str, str]:
    """Question code -> the text of the row's answer cell, as printed (comments left out)."""
    return {row.code: row.text for row in read_form(path.name, path.read_bytes()).rows}


@dataclass(frozen=True)
class Typed:
    code: str
    value: Any  # an option value as the assessor picks it, or CELL (free text typed as printed)
    printed: str = ""  # words of the printed answer the choice rests on
    cell: str | None = None  # the code of the printed cell when the answer sits in another row's cell


# Read from the form (row code, printed answer -> what the assessor enters). Rows A10 (a date
# field: printed "Not applicable"), A11 ("N/A", no link), D1.2 ("User journeys to follow",
# not one of the options) and D1.12.2 ("Last 90 days 99.839 % uptime", not a 12-month
# figure) cannot be typed as printed and are left for the assessor to settle.
ANSWERS: tuple[Typed, ...] = (
    *(Typed(code, CELL) for code in ("A1", "A2", "A3", "A4", "A5", "A6", "A7", "A8", "A9")),
    Typed("B1", ["diagnostics", "clinical_support"], "Diagnostics/Clinical Support"),
    Typed("B2", CELL), Typed("B3", CELL),
    Typed("B4", "provided", "User journeys are provided on our documentation website"),
    Typed("C1.1", "yes", "Yes"),
    Typed("C1.1.1", "provided", "Provided."),
    Typed("C1.1.2", "provided", "Provided."),
    Typed("C1.2", CELL),
    Typed("C1.3", "yes", "Yes, the RCPCH Digital Growth Charts API is registered as a Class I Medical Device"),
    Typed("C1.3.1", CELL),
    Typed("C1.3.2", "provided", "Provided."),
    Typed("C1.4", "no", "No"),
    Typed("C1.4.1", "not_applicable", "Not applicable"),  # under C1.4 "No"
    Typed("C2.1", "provided", "Provided."),
    Typed("C2.2", "yes", "Yes."),
    Typed("C2.2.1", CELL),
    Typed("C2.3", "no", "No"),
    Typed("C2.3.1", "confirmed", "Confirmed."),  # under C2.3 "No", answered anyway
    Typed("C2.3.2", "not_available", "a DPIA was NOT required"),  # "not provided" under a "No"
    Typed("C2.4", "confirmed", "Confirm."),
    Typed("C2.5", "uk_only", "UK Only"),
    Typed("C2.5.1", CELL),  # "Not applicable. All data is processed in the UK."
    Typed("C3.1", "provided", "Our Cyber Essentials certificate is published here"),
    Typed("C3.2", "not_available", "Penetration testing is in the process of being conducted."),
    Typed("C3.3", "internal", "Yes - Internal code review"),
    Typed("C3.4", "yes", "Yes."), Typed("C3.5", "yes", "Yes."), Typed("C3.6", "yes", "Yes."),
    Typed("C4.1", "yes", "Yes."),
    Typed("C4.1.1", CELL, cell="C4.1"),  # the detail is printed in C4.1's cell; C4.1.1's is empty
    Typed("C4.2", "no_patient_data", "No because product does not identify patient record data"),
    Typed("C4.3", "no_ehr", "No because the product does not read/ write into EHRs"),
    Typed("C4.4", "no", "No"),
    Typed("D1.1", "yes", "Yes."),
    Typed("D1.1.1", CELL, cell="D1.1"),  # the methods are printed in D1.1's cell
    Typed("D1.3", "no", "No."),
    Typed("D1.4", "yes", "Yes."),
    Typed("D1.4.1", "https://growth.rcpch.ac.uk/", "https://growth.rcpch.ac.uk/"),
    Typed("D1.5", "yes", "Yes."), Typed("D1.6", "yes", "Yes."), Typed("D1.7", "yes", "Yes."),
    Typed("D1.8", "yes", "Yes."),
    # D1.9's cell prints "Yes." twice: D1.9 and D1.9.1 share it (merged rows).
    Typed("D1.9", "yes", "Yes."), Typed("D1.9.1", "yes", "Yes.\n\nYes.", cell="D1.9"),
    Typed("D1.10", "yes", "Yes."),
    Typed("D1.10.1", CELL, cell="D1.10"),
    # D1.11's cell holds D1.11-D1.12.2 (merged rows): "Yes.", "Yes.", ... "Provided (SLA)".
    Typed("D1.11", "yes", "Yes."),
    Typed("D1.12", "yes", "Yes.\n\nYes.", cell="D1.11"),
    Typed("D1.12.1", "provided", "Provided (SLA)", cell="D1.11"),
)


@pytest.fixture()
def session(app: Any) -> Iterator[Session]:
    with app.state.session_factory() as s:
        set_actor(s, None, "tests")
        yield s
        s.rollback()


def test_every_typed_answer_rests_on_the_printed_form() -> None:
    printed = printed_answers(SAMPLE)
    for typed in ANSWERS:
        cell = printed[typed.cell or typed.code]
        assert cell, f"{typed.code}: the printed cell is empty"
        assert typed.printed in cell, f"{typed.code}: {typed.printed!r} is not in {cell!r}"
    assert printed["D1.2"] == "User journeys to follow"  # not an option: left to the assessor


def test_the_real_form_typed_in_reaches_the_published_verdict(app: Any, session: Session) -> None:
    registry = app.state.frameworks
    printed = printed_answers(SAMPLE)
    assessor = principal_of(user_by_email(session, DEMO_USERS["assessor"]))
    solution = session.scalar(select(Solution.id).where(Solution.slug == "selfback"))
    a = svc.start_assessment(session, assessor, registry, AssessmentIn(
        solution_id=solution, framework_id="nhs-dtac", framework_version="1.0"))
    for typed in ANSWERS:
        cell = printed[typed.cell or typed.code]
        value = cell if typed.value is CELL else typed.value
        svc.save_answer(session, assessor, registry, a.id, typed.code, AnswerIn(
            value=value, comment=None if typed.value is CELL else cell))
    score = svc.compute_score(svc.framework_of(registry, a), a)
    assert score is not None
    status = {s.code: s.status for s in score.sections}
    assert status == {"A": "not_assessed", "B": "not_assessed", "C1": "passed", "C2": "passed",
                      "C3": "failed", "C4": "passed", "D1": "pending"}
    assert score.failed_gates == ("C3.2",)  # the missing penetration test, nothing else
    assert score.outcome is not None and score.outcome.code == "not_passed"
    c2 = score.section("C2")
    assert set(c2.not_applicable) == {"C2.3.1", "C2.3.2", "C2.5.1"}  # answers kept, ignored
    assert a.answer("C2.3.2") is not None and a.answer("C2.3.2").value == "not_available"
    # D1 from the printed weights (frameworks-sources.md 2.1), D1.2 not yet settled (0):
    # 10 (D1.1) + 20 (D1.4) + 10 (D1.4.1) + 2.5 + 2.5 + 5 + 10 + 5 + 5 + 10 (D1.5-D1.11)
    # = 80 of 100; D1.3 "No" earns 0.
    d1 = score.section("D1")
    assert d1.possible == pytest.approx(100) and d1.score == pytest.approx(80)
    assert d1.missing == ("D1.2",)
    assert score.missing == ("D1.2",)
    # The assessor settles "User journeys to follow" as "Working towards it": 85 %.
    svc.save_answer(session, assessor, registry, a.id, "D1.2", AnswerIn(
        value="working_towards", comment=printed["D1.2"]))
    settled = svc.compute_score(svc.framework_of(registry, a), a)
    assert settled is not None and settled.complete
    assert settled.section("D1").score == pytest.approx(85)
    assert settled.outcome is not None and settled.outcome.code == "not_passed"
