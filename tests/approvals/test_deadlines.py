"""Case-handling deadlines (issue 20, model 1.2): an application's basis (an approval abroad
or none), its due date, the dashboard's case figures and the basis in the register."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

import pytest
from sqlalchemy.orm import Session

from app.accounts.services import principal_of
from app.approvals import lifecycle as lc
from app.approvals import services as svc
from app.approvals.schemas import EventIn
from app.core import clock
from app.settings import DEFAULT_YEARLY_MINIMUM
from tests.approvals.helpers import completed_assessment, make_solution, user
from tests.helpers import login

# ---- pure rules ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("received", "basis", "months", "due"), [
    (date(2026, 11, 30), lc.DIGA, 6, date(2027, 2, 28)),   # no 30 February: the month's last day
    (date(2027, 11, 30), lc.NICE, 6, date(2028, 2, 29)),   # a leap year
    (date(2026, 5, 31), lc.DTAC, 6, date(2026, 8, 31)),
    (date(2026, 8, 31), lc.BASIS_NONE, 6, date(2027, 2, 28)),
    (date(2026, 12, 4), lc.BASIS_NONE, 4, date(2027, 4, 4)),  # the configured period
    (date(2026, 1, 15), lc.DIGA, 12, date(2026, 4, 15)),      # abroad: 3 months whatever is configured
])
def test_decision_due(received: date, basis: str, months: int, due: date) -> None:
    assert lc.decision_due(received, basis, months) == due


def test_due_state_counts_fourteen_days_and_today() -> None:
    today = date(2026, 12, 4)
    assert lc.due_state(date(2026, 12, 3), today) == lc.PAST_DUE
    assert lc.due_state(today, today) == lc.APPROACHING
    assert lc.due_state(date(2026, 12, 18), today) == lc.APPROACHING
    assert lc.due_state(date(2026, 12, 19), today) is None
    assert lc.due_state(None, today) is None


def test_percentile_is_the_nearest_rank() -> None:
    assert lc.percentile(range(1, 11), 0.9) == 9
    assert lc.percentile(range(1, 12), 0.9) == 10
    assert lc.percentile([7], 0.9) == 7
    assert lc.percentile([], 0.9) is None


def test_case_time_counts_the_year_of_the_decision() -> None:
    pairs = [(date(2025, 1, 10), date(2025, 2, 9)), (date(2025, 3, 1), date(2025, 5, 30)),
             (date(2025, 6, 1), date(2025, 6, 11)), (date(2024, 12, 1), date(2025, 1, 1)),
             (date(2024, 1, 1), date(2024, 12, 31))]
    assert lc.case_time(pairs, 2025) == (30.5, 90.0)  # 10, 30, 31, 90 days
    assert lc.case_time(pairs, 2023) == (None, None)


def _apply(**given: Any) -> lc.ApprovalState:
    event = lc.Event(kind=lc.APPLY, on=date(2026, 11, 30), **given)
    return lc.apply_event(lc.ApprovalState(), event, date(2026, 12, 4), decision_months=5)


def test_an_application_records_its_basis_and_due_date() -> None:
    abroad = _apply(basis="diga", basis_reference=" https://diga.example/123 ")
    assert (abroad.basis, abroad.basis_reference, abroad.decision_due) == (
        "diga", "https://diga.example/123", date(2027, 2, 28))
    plain = _apply()
    assert (plain.basis, plain.basis_reference, plain.decision_due) == ("none", None, date(2027, 4, 30))


@pytest.mark.parametrize(("given", "rule", "field"), [
    ({"basis": "fda"}, "D5", "basis"),
    ({"basis": "diga"}, "D6", "basis_reference"),
    ({"basis": "nice", "basis_reference": "  "}, "D6", "basis_reference"),
    ({"basis": "none", "basis_reference": "https://x.example"}, "D6", "basis_reference"),
])
def test_a_bad_basis_is_refused_naming_the_rule(given: dict[str, str], rule: str, field: str) -> None:
    with pytest.raises(lc.RuleViolation) as refused:
        _apply(**given)
    assert (refused.value.rule, refused.value.field, refused.value.is_input_error) == (rule, field, True)


def test_only_an_application_has_a_basis() -> None:
    state = _apply()
    event = lc.Event(kind=lc.REJECT, on=date(2026, 12, 1), reason="nej", basis="diga")
    with pytest.raises(lc.RuleViolation) as refused:
        lc.apply_event(state, event, date(2026, 12, 4))
    assert refused.value.rule == "D5"


# ---- the dashboard's figures ------------------------------------------------------------------


def _case(db: Session, events: list[dict[str, Any]], months: int = 6) -> int:
    solution = make_solution(db)
    aid = completed_assessment(db, solution, days_ago=2000)
    approver = principal_of(user(db, "approver"))
    case = None
    for body in events:
        on = date.fromisoformat(body["on"])
        if body["event"] == "reject":
            body = body | {"reason": "ikke dokumenteret", "assessment_ids": [aid]}
        case = svc.record_event(db, approver, solution.id, EventIn(**body), on_day=on, decision_months=months)
    db.commit()
    assert case is not None
    return case.id


def _applied_and_rejected(db: Session, applied: str, decided: str) -> int:
    return _case(db, [{"event": "apply", "on": applied}, {"event": "reject", "on": decided}])


def test_dashboard_figures_by_hand(db: Session) -> None:
    ids = {
        _applied_and_rejected(db, "2025-01-10", "2025-02-09"),   # 30 days
        _applied_and_rejected(db, "2025-03-01", "2025-05-30"),   # 90 days
        _applied_and_rejected(db, "2025-06-01", "2025-06-11"),   # 10 days
        _applied_and_rejected(db, "2024-11-01", "2024-12-01"),   # decided the year before
    }
    diga = _case(db, [{"event": "apply", "on": "2025-10-10", "basis": "diga",
                       "basis_reference": "https://diga.example/1"}])          # due 10 Jan 2026
    nice = _case(db, [{"event": "apply", "on": "2025-09-15", "basis": "nice",
                       "basis_reference": "NICE HTE12"}])                       # due 15 Dec 2025
    short = _case(db, [{"event": "apply", "on": "2025-08-20"}], months=4)      # due 20 Dec 2025
    _case(db, [{"event": "apply", "on": "2025-11-30"}])                         # due 30 May 2026: not shown
    approver = principal_of(user(db, "approver"))
    d = svc.dashboard(db, approver, now=date(2025, 12, 31), case_ids=ids | {diga, nice, short} | {0},
                      yearly_minimum=25)
    assert (d["year"], d["case_days_median"], d["case_days_p90"]) == (2025, 30.0, 90.0)
    assert (d["decided_this_year"], d["yearly_minimum"]) == (3, 25)
    shown = [(x["case"].id, x["due"], x["days"], x["state"]) for x in d["decision_deadlines"]]
    assert shown == [(nice, date(2025, 12, 15), -16, "past_due"), (short, date(2025, 12, 20), -11, "past_due"),
                     (diga, date(2026, 1, 10), 10, "approaching")]
    as_json = svc.dashboard_json(d)
    assert as_json["case_handling"] == {"year": 2025, "case_days_median": 30.0, "case_days_p90": 90.0,
                                        "decided_this_year": 3, "yearly_minimum": 25}
    assert [x["basis"] for x in as_json["decision_deadlines"]] == ["nice", "none", "diga"]


def test_demo_dashboard_shows_cases_near_and_past_due(client: Any, auth: Any) -> None:
    data = client.get("/api/approvals/dashboard", headers=auth("approver")).json()
    states = {x["solution"]["slug"]: (x["basis"], x["state"]) for x in data["decision_deadlines"]}
    assert states["sukkerspor"] == ("diga", "approaching") and states["hjertehjem"] == ("nice", "past_due")
    assert data["case_handling"]["yearly_minimum"] == DEFAULT_YEARLY_MINIMUM
    login(client, "approver")
    page = client.get("/approvals").text
    assert "Sagsbehandling i" in page and "Optaget på DiGA-listen (Tyskland)" in page and "dage over fristen" in page


# ---- through the API and the pages: bad input and the register --------------------------------


def _post(client: Any, auth: Any, slug: str, body: dict[str, Any]) -> Any:
    return client.post(f"/api/approvals/{slug}/events", json=body, headers=auth("approver"))


def test_bad_basis_is_refused_and_nothing_is_written(client: Any, auth: Any, db: Session) -> None:
    solution = make_solution(db)
    on = clock.today().isoformat()
    unknown = _post(client, auth, solution.slug, {"event": "apply", "on": on, "basis": "fda"})
    assert unknown.status_code == 400
    assert unknown.json()["errors"]["rule"] == "D5" and "fda" in unknown.json()["errors"]["basis"]
    missing = _post(client, auth, solution.slug, {"event": "apply", "on": on, "basis": "dtac"})
    assert missing.status_code == 400 and missing.json()["errors"]["rule"] == "D6"
    assert "basis_reference" in missing.json()["errors"]
    db.expire_all()
    assert svc.case_for(db, solution) is None
    login(client, "approver")
    page = client.post(f"/approvals/solutions/{solution.slug}", data={
        "_csrf_token": client.cookies.get("csrftoken", ""), "event": "apply", "on": "1.12.2026", "basis": "nice"})
    assert page.status_code == 400 and 'id="apply-basis_reference-error"' in page.text
    assert "angiver dens reference" in page.text
    db.expire_all()
    assert svc.case_for(db, solution) is None


def test_register_shows_the_basis_in_danish(client: Any, auth: Any, db: Session) -> None:
    solution = make_solution(db)
    aid = completed_assessment(db, solution, days_ago=40)
    today = clock.today()
    applied = _post(client, auth, solution.slug, {"event": "apply", "on": today.isoformat(), "basis": "dtac",
                                                  "basis_reference": "https://dtac.example/42"})
    assert applied.status_code == 201, applied.text
    assert applied.json()["decision_due"] == lc.add_months(today, 3).isoformat()
    approved = _post(client, auth, solution.slug, {"event": "approve", "on": today.isoformat(), "reason": "ok",
                                                   "treatment_areas": ["kol"], "assessment_ids": [aid]})
    assert approved.status_code == 201, approved.text
    number = approved.json()["register_number"]
    assert approved.json()["basis"]["code"] == "dtac" and approved.json()["decision_due"] is None
    entry = next(e for e in client.get(f"/api/register?q={number}").json()["items"])
    assert entry["basis"] == {"code": "dtac", "name_da": "Bestået DTAC (England)", "name_en": "Passed DTAC (England)",
                              "reference": "https://dtac.example/42"}
    rows = list(csv.DictReader(io.StringIO(client.get(f"/api/register?format=csv&q={number}").text)))
    assert (rows[0]["basis"], rows[0]["basis_reference"]) == ("Bestået DTAC (England)", "https://dtac.example/42")
    assert "Grundlag: Bestået DTAC (England)" in " ".join(client.get(f"/register?q={number}").text.split())
    detail = client.get(f"/register/{number}").text
    assert 'href="https://dtac.example/42"' in detail and "Bestået DTAC (England)" in detail
    demo = {e["solution"]["slug"]: e["basis"]["name_da"] for e in client.get("/api/register?limit=100").json()["items"]}
    assert demo["selfback"] == "Bestået DTAC (England)" and demo["liva"] == "Intet grundlag i udlandet"
