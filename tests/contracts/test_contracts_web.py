"""Contract KPIs through the API, the form and the file import, on the demo contracts:
SELFBACK-HTK-2025 (SelfBack with Høje-Taastrup, 2025-2026: the demo vendor's and the demo
org_reporter's), KOL-FAELLESUDBUD-2024 (general) and KOL-RH-2024 (Region Hovedstaden)."""

from __future__ import annotations

import io
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from app.contracts.models import Contract, KpiDefinition, KpiValue
from app.contracts.seed import seed_kpi_definitions
from app.settings import PROJECT_ROOT
from tests.helpers import login

CODES = ["active_users", "retention", "national_spread", "errors", "uptime", "satisfaction", "capacity_freed"]


def _count(db: Any) -> int:
    db.expire_all()
    return db.scalar(select(func.count()).select_from(KpiValue))


def _value(db: Any, reference: str, code: str, day: str) -> float | None:
    db.expire_all()
    return db.scalar(select(KpiValue.value).join(Contract).join(KpiDefinition)
                     .where(Contract.reference == reference, KpiDefinition.code == code,
                            KpiValue.measured_on == date.fromisoformat(day)))


def _upload(client: Any, headers: dict[str, str], name: str, content: bytes) -> Any:
    return client.post("/api/kpi-values/import", files={"file": (name, content)}, headers=headers)


# ---- definitions ----------------------------------------------------------------------


def test_definitions_are_loaded_from_data(client: Any, db: Any) -> None:
    assert [k.code for k in db.scalars(select(KpiDefinition).order_by(KpiDefinition.position))] == CODES
    rows = {r["code"]: r for r in client.get("/api/contract-kpis").json()}
    assert rows["uptime"]["direction"] == "higher" and rows["uptime"]["default_target"] == 99.5
    assert rows["errors"]["direction"] == "lower" and rows["uptime"]["unit"] == "percent"
    assert rows["capacity_freed"]["name"] == "Frigjort kapacitet"
    assert client.get("/api/contract-kpis?lang=en").json()[0]["name"] == "Active users"


def test_a_wrong_definition_stops_the_seed_naming_it(tmp_path: Path, db: Any) -> None:
    (tmp_path / "reference").mkdir()
    text = (PROJECT_ROOT / "data" / "reference" / "contract_kpis.yaml").read_text(encoding="utf-8")
    (tmp_path / "reference" / "contract_kpis.yaml").write_text(text.replace("direction: lower", "direction: down"),
                                                              encoding="utf-8")
    with pytest.raises(ValueError, match=r"kpis\[3\] \(errors\): direction must be one of higher, lower"):
        seed_kpi_definitions(db, tmp_path)
    db.rollback()
    shutil.rmtree(tmp_path / "reference")


# ---- reading and the claims -----------------------------------------------------------


def test_solution_kpis_against_targets_and_the_assessment_claim(client: Any) -> None:
    data = client.get("/api/solutions/selfback/kpis").json()
    [contract] = data["contracts"]
    assert contract["reference"] == "SELFBACK-HTK-2025" and contract["organisation"]["ref"] == "municipality:169"
    rows = {r["code"]: r for r in contract["kpis"]}
    assert rows["retention"]["target"] == 60  # the contract's own target over the default 70
    assert rows["uptime"]["target"] == 99.5  # the default
    assert rows["capacity_freed"]["met"] is False and rows["active_users"]["met"] is True
    assert rows["active_users"]["trend"] == "better" and len(rows["active_users"]["history"]) >= 12
    capacity = contract["capacity"]  # the claim of SelfBack's latest completed assessment (others' tests add some)
    assert capacity["claim"]["criterion"] == "BT2.2"
    assert capacity["realised"] == pytest.approx(capacity["capacity_fte"] / capacity["users"] * 1000)
    claimed = capacity["claimed"]
    assert capacity["share"] == (pytest.approx(capacity["realised"] / claimed) if claimed else None)
    kol = client.get("/api/solutions/kol-telemedicin/kpis").json()
    assert [c["reference"] for c in kol["contracts"]] == ["KOL-FAELLESUDBUD-2024", "KOL-RH-2024"]
    assert kol["contracts"][0]["organisation"] is None


def test_the_solution_page_shows_kpis_in_danish(client: Any) -> None:
    page = client.get("/solutions/kol-telemedicin/overview")
    assert page.status_code == 200
    text = page.text
    assert "Resultatmål i kontrakter" in text and "Generel kontrakt" in text
    assert "Kontrakt med Region Hovedstaden" in text
    assert "Oppetid" in text and "≥ 99,8 %" in text  # KOL-RH-2024's own uptime target
    assert "Nået" in text and "Ikke nået" in text
    assert "Lovet i vurderingen" in text and "1,5 årsværk om året pr. 1.000 brugere" in text
    assert "Indberet en KPI-værdi" not in text  # anonymous


# ---- permissions ----------------------------------------------------------------------


def test_who_may_report(client: Any, auth: Any) -> None:
    value = {"kpi": "uptime", "measured_on": "2026-06-15", "value": 99.7}
    assert client.post("/api/solutions/selfback/kpi-values", json=value).status_code == 401
    refused = client.post("/api/solutions/kol-telemedicin/kpi-values", json=value, headers=auth("vendor"))
    assert refused.status_code == 403, refused.text  # the vendor of another solution
    assert client.post("/api/solutions/kol-telemedicin/kpi-values", json=value,
                       headers=auth("org_reporter")).status_code == 403  # no contract of Høje-Taastrup
    assert client.post("/api/solutions/selfback/kpi-values", json=value,
                       headers=auth("procurement")).status_code == 403
    own = client.post("/api/solutions/selfback/kpi-values", json=value, headers=auth("vendor"))
    assert own.status_code == 201, own.text
    assert own.json()["created"] == 1
    again = client.post("/api/solutions/selfback/kpi-values", json=value | {"value": 99.8},
                        headers=auth("org_reporter"))
    assert again.status_code == 201 and again.json()["updated"] == 1
    assert client.post("/api/solutions/kol-telemedicin/kpi-values", json=value | {"contract": "KOL-RH-2024"},
                       headers=auth("admin")).status_code == 201


def test_the_form_is_refused_to_others(client: Any) -> None:
    response = client.get("/solutions/selfback/kpis/report", follow_redirects=False)
    assert response.status_code in (302, 303, 401)
    login(client, "vendor")
    assert client.get("/solutions/kol-telemedicin/kpis/report").status_code == 403
    assert client.get("/solutions/selfback/kpis/report").status_code == 200


# ---- bad input beside the field -------------------------------------------------------


@pytest.mark.parametrize(("change", "field", "reason"), [
    ({"kpi": "happiness"}, "kpi", "unknown KPI 'happiness'"),
    ({"measured_on": "2024-06-30"}, "measured_on", "is outside the contract SELFBACK-HTK-2025"),
    ({"value": 150}, "value", "must be between 0 and 100 for uptime"),
    ({"contract": "NO-SUCH"}, "contract", "selfback has no contract 'NO-SUCH'"),
    ({"organisation": "municipality:101"}, "organisation", "selfback has no contract with København"),
])
def test_api_names_the_field(client: Any, db: Any, auth: Any, change: dict[str, Any], field: str,
                             reason: str) -> None:
    before = _count(db)
    value = {"kpi": "uptime", "measured_on": "2026-06-16", "value": 99.7} | change
    response = client.post("/api/solutions/selfback/kpi-values", json=value, headers=auth("vendor"))
    assert response.status_code == 400, response.text
    assert reason in response.json()["errors"][field]
    assert _count(db) == before


def test_the_form_reads_danish_numbers_and_shows_errors_beside_the_field(client: Any, db: Any) -> None:
    login(client, "org_reporter")
    token = client.cookies.get("csrftoken", "")
    form = {"_csrf_token": token, "contract": "SELFBACK-HTK-2025", "kpi": "satisfaction",
            "measured_on": "17.6.2026", "value": "98,5"}
    saved = client.post("/solutions/selfback/kpis/report", data=form)
    assert saved.status_code == 200 and "Værdien er gemt" in saved.text
    assert _value(db, "SELFBACK-HTK-2025", "satisfaction", "2026-06-17") == 98.5
    users = client.post("/solutions/selfback/kpis/report", data=form | {"kpi": "active_users", "value": "1.250"})
    assert users.status_code == 200
    assert _value(db, "SELFBACK-HTK-2025", "active_users", "2026-06-17") == 1250
    before = _count(db)
    bad = client.post("/solutions/selfback/kpis/report",
                      data=form | {"value": "mange", "measured_on": "1.1.2024", "kpi": ""})
    assert bad.status_code == 400
    html = bad.text
    assert 'id="f-value-error"' in html and "er ikke et tal" in html
    assert 'id="f-measured_on-error"' in html and "ligger uden for kontrakten" in html
    assert 'id="f-kpi-error"' in html and 'aria-invalid="true"' in html
    assert 'value="mange"' in html  # what was typed is kept
    assert _count(db) == before


# ---- import ---------------------------------------------------------------------------

HEADER = "solution;organisation;kpi;measured_on;value\n"


def test_import_is_all_or_nothing_and_idempotent(client: Any, db: Any, auth: Any) -> None:
    good = (HEADER + "selfback;municipality:169;uptime;30.10.2026;99,95\n"
            + "selfback;municipality:169;active_users;2026-10-20;1.300\n")
    bad = (good + "selfback;municipality:169;nps;2026-10-20;7\n"          # row 4: unknown KPI
           + "selfback;municipality:169;retention;2026-10-20;mange\n"    # row 5: not a number
           + "selfback;municipality:169;retention;2027-02-01;50\n"       # row 6: after the contract
           + "kol-telemedicin;;uptime;2026-10-20;99\n")                   # row 7: not the vendor's
    before = _count(db)
    rejected = _upload(client, auth("vendor"), "kpis.csv", bad.encode())
    assert rejected.status_code == 400, rejected.text
    assert _count(db) == before
    errors = rejected.json()["errors"]
    assert {key.split(",")[0] for key in errors} == {"row 4", "row 5", "row 6", "row 7"}
    assert "unknown KPI 'nps'" in errors["row 4, kpi"]
    assert "is outside the contract SELFBACK-HTK-2025" in errors["row 6, measured_on"]
    assert "you may only report on your own contracts" in errors["row 7, solution"]
    first = _upload(client, auth("vendor"), "kpis.csv", good.encode())
    assert first.status_code == 200, first.text
    assert (first.json()["created"], first.json()["unchanged"]) == (2, 0)
    assert _value(db, "SELFBACK-HTK-2025", "active_users", "2026-10-20") == 1300
    again = _upload(client, auth("vendor"), "kpis.csv", good.encode())
    assert (again.json()["created"], again.json()["unchanged"]) == (0, 2)


def test_excel_import_and_the_upload_page(client: Any, db: Any) -> None:
    from datetime import datetime

    wb = Workbook()
    ws = wb.active
    ws.append(["solution", "contract", "kpi", "measured_on", "value"])
    ws.append(["kol-telemedicin", "KOL-RH-2024", "errors", datetime(2026, 10, 31), 3])
    buffer = io.BytesIO()
    wb.save(buffer)
    login(client, "admin")
    page = client.get("/kpis/import")
    assert page.status_code == 200 and '<label for="import-file"' in page.text
    token = client.cookies.get("csrftoken", "")
    done = client.post("/kpis/import", files={"file": ("kpis.xlsx", buffer.getvalue())},
                       data={"_csrf_token": token})
    assert done.status_code == 200 and "Filen blev importeret" in done.text, done.text
    assert _value(db, "KOL-RH-2024", "errors", "2026-10-31") == 3
    bad = client.post("/kpis/import", files={"file": ("kpis.csv", (HEADER + "selfback;;uptime;x;1\n").encode())},
                      data={"_csrf_token": token})
    assert bad.status_code == 400 and 'id="import-errors"' in bad.text and "Intet blev importeret" in bad.text


# ---- contracts ------------------------------------------------------------------------


def test_procurement_adds_a_contract_with_its_own_targets(client: Any, db: Any, auth: Any) -> None:
    body = {"reference": "LIVA-AARHUS-2026", "organisation": "municipality:751", "start_date": "2026-01-01",
            "end_date": "2027-12-31", "targets": {"active_users": 400, "retention": 65}}
    assert client.post("/api/solutions/liva/contracts", json=body, headers=auth("vendor")).status_code == 403
    made = client.post("/api/solutions/liva/contracts", json=body, headers=auth("procurement"))
    assert made.status_code == 201, made.text
    assert made.json()["organisation"]["ref"] == "municipality:751"
    targets = {r["code"]: r["target"] for r in made.json()["kpis"]}
    assert targets["active_users"] == 400 and targets["retention"] == 65 and targets["uptime"] == 99.5
    again = client.post("/api/solutions/liva/contracts", headers=auth("admin"), json=body | {
        "organisation": "municipality:0", "end_date": "2025-12-31", "targets": {"nps": 1, "uptime": 120}})
    assert again.status_code == 400
    errors = again.json()["errors"]
    assert set(errors) == {"reference", "organisation", "end_date", "targets.nps", "targets.uptime"}
    db.expire_all()
    assert db.scalar(select(func.count()).select_from(Contract).where(Contract.reference == body["reference"])) == 1
