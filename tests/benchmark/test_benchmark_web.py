"""The benchmark API, pages, CSV downloads and import (CSV and Excel), on the demo data."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.benchmark.models import AdoptionRecord, IndicatorValue
from app.catalogue.models import Organisation, Solution
from tests.helpers import login


def _csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def _upload(client: Any, headers: dict[str, str], name: str, content: bytes, kind: str | None = None) -> Any:
    data = {"kind": kind} if kind else {}
    return client.post("/api/benchmark/import", files={"file": (name, content)}, data=data, headers=headers)


def _count(db: Any, model: Any) -> int:
    db.expire_all()
    return db.scalar(select(func.count()).select_from(model))


# ---- read ---------------------------------------------------------------------------


def test_national_api_and_page_agree(client: Any) -> None:
    data = client.get("/api/benchmark/national").json()
    assert data["national"]["municipal_adoption_rate"] is not None
    assert len(data["regions"]) == 5
    assert {r["code"] for r in data["regions"]} == {"1081", "1082", "1083", "1084", "1085"}
    kol = next(s for s in data["spread"] if s["slug"] == "kol-telemedicin")
    assert kol["prioritised"] and kol["regions"] == 5
    page = client.get("/benchmark")
    assert page.status_code == 200
    assert "<svg" in page.text and 'role="img"' in page.text and '<script>' not in page.text
    assert 'scope="col"' in page.text and 'scope="row"' in page.text
    rows = _csv(client.get("/benchmark?format=csv&table=regions").text)
    by_code = {r["region"]: r for r in rows}
    for region in data["regions"]:
        shown = by_code[region["name"]]["adoption_rate"]
        assert float(shown or "nan") == pytest.approx(region["adoption_rate"], nan_ok=True)
    heat = _csv(client.get("/benchmark?format=csv&table=heat").text)
    assert heat and set(heat[0]) == {"solution", "1081", "1082", "1083", "1084", "1085"}


def test_organisation_api_page_and_csv(client: Any) -> None:
    data = client.get("/api/benchmark/organisations/municipality:169").json()
    me = data["organisation"]
    assert me["name"] == "Høje-Taastrup" and me["peer_group"] == "municipality 50–100k"
    assert any(p["self"] for p in data["peers"])
    assert all(p["peer_group"] == me["peer_group"] for p in data["peers"])
    assert {s["slug"] for s in data["solutions"]} >= {"selfback", "kol-telemedicin"}
    kol = [i for i in data["indicators"] if i["indicator"] == "kol-hjemmemonitorering" and i["period"] == 2025]
    # 27 against a target of 25: gap +2, met
    assert kol[0]["value"] == 27 and kol[0]["target"] == 25 and kol[0]["gap"] == 2 and kol[0]["met"] is True
    page = client.get("/benchmark/organisations/municipality:169")
    assert page.status_code == 200 and page.text.count("<svg") == 3
    peers_csv = _csv(client.get("/benchmark/organisations/municipality:169?format=csv&table=peers").text)
    assert len(peers_csv) == len(data["peers"])
    assert {r["organisation"] for r in peers_csv} == {p["name"] for p in data["peers"]}
    trend_csv = _csv(client.get("/benchmark/organisations/municipality:169?format=csv&table=trend").text)
    assert [int(r["period"]) for r in trend_csv] == [t["period"] for t in data["trend"]]
    hospital = client.get("/benchmark/organisations/hospital:rigshospitalet")
    assert hospital.status_code == 200


def test_region_api_and_page(client: Any) -> None:
    data = client.get("/api/benchmark/regions/1084").json()
    assert data["region"]["name"] == "Region Hovedstaden"
    kinds = {m["kind"] for m in data["members"]}
    assert kinds == {"region", "municipality", "hospital"}
    page = client.get("/benchmark/regions/1084")
    assert page.status_code == 200 and "<svg" in page.text
    members = _csv(client.get("/benchmark/regions/1084?format=csv&table=members").text)
    assert len(members) == len(data["members"])


def test_solution_spread_api(client: Any) -> None:
    items = client.get("/api/benchmark/solutions").json()["items"]
    pro = next(i for i in items if i["slug"] == "kommunal-pro")
    assert pro["municipalities"] == 97  # facts.md: spread to 97 municipalities
    selfback = next(i for i in items if i["slug"] == "selfback")
    assert selfback["municipalities"] == 1  # only Høje-Taastrup


@pytest.mark.parametrize("url", ["/api/benchmark/organisations/municipality:0000",
                                 "/api/benchmark/organisations/nonsense", "/api/benchmark/regions/9999",
                                 "/benchmark/organisations/gp_clinic:nope", "/benchmark/regions/x"])
def test_unknown_is_404_not_500(client: Any, url: str) -> None:
    assert client.get(url).status_code == 404


def test_unknown_csv_table_is_400(client: Any) -> None:
    response = client.get("/benchmark?format=csv&table=nope", headers={"accept": "application/json"})
    assert response.status_code == 400 and "table" in response.json()["errors"]


# ---- report and import ----------------------------------------------------------------


ADOPTION_HEADER = "organisation,solution,status,effective_from,start_date,end_date,active_users,capacity_fte\n"


def test_import_is_all_or_nothing_and_idempotent(client: Any, db: Any, auth: Any) -> None:
    good = (ADOPTION_HEADER
            + "municipality:147,selfback,pilot,2025-02-01,2025-02-01,,40,0.1\n"
            + "municipality:147,selfback,in_operation,2025-08-01,2025-02-01,,120,0.4\n")
    before, audits = _count(db, AdoptionRecord), _count(db, AuditEvent)
    first = _upload(client, auth("admin"), "frb.csv", good.encode())
    assert first.status_code == 200, first.text
    assert (first.json()["created"], first.json()["updated"], first.json()["unchanged"]) == (2, 0, 0)
    assert _count(db, AdoptionRecord) == before + 2
    assert _count(db, AuditEvent) == audits + 2  # each new record audited by the hook
    again = _upload(client, auth("admin"), "frb.csv", good.encode())
    assert (again.json()["created"], again.json()["updated"], again.json()["unchanged"]) == (0, 0, 2)
    assert _count(db, AdoptionRecord) == before + 2
    assert _count(db, AuditEvent) == audits + 2  # the re-import changed and audited nothing
    changed = good.replace(",120,0.4", ",130,0.4")
    third = _upload(client, auth("admin"), "frb.csv", changed.encode())
    assert (third.json()["created"], third.json()["updated"]) == (0, 1)


def test_validation_report_lists_every_bad_row(client: Any, db: Any, auth: Any) -> None:
    bad = (ADOPTION_HEADER
           + "municipality:147,liva,pilot,2025-01-01,,,10,0.1\n"          # row 2: fine
           + "municipality:9999,liva,pilot,2025-01-01,,,10,0.1\n"         # row 3: unknown organisation
           + "municipality:147,no-such-solution,pilot,2025-01-01,,,,\n"   # row 4: unknown solution
           + "municipality:147,liva,running,31-01-2025,,,-3,abc\n"        # row 5: status, date, users, fte
           + "municipality:147,liva,pilot,2025-01-01,2025-05-01,2025-01-01,,\n")  # row 6: duplicate + end<start
    before = _count(db, AdoptionRecord)
    response = _upload(client, auth("admin"), "bad.csv", bad.encode())
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert "row 3, organisation" in errors and "unknown organisation" in errors["row 3, organisation"]
    assert "row 4, solution" in errors
    for column in ("status", "effective_from", "active_users", "capacity_fte"):
        assert f"row 5, {column}" in errors, column
    assert "row 6, end_date" in errors and "duplicate of row 2" in errors["row 6, effective_from"]
    assert not any(k.startswith("row 2,") for k in errors)
    assert _count(db, AdoptionRecord) == before  # nothing written, not even row 2


def test_missing_and_unknown_columns(client: Any, auth: Any) -> None:
    response = _upload(client, auth("admin"), "cols.csv", b"organisation,solution,colour\nx,y,z\n", "adoption")
    errors = response.json()["errors"]
    assert response.status_code == 400
    assert errors["row 1, status"] == "required column is missing"
    assert "unknown column" in errors["row 1, colour"]


@pytest.mark.parametrize(("name", "content", "field"), [
    ("empty.csv", b"", "file"), ("x.pdf", b"%PDF", "file"), ("broken.xlsx", b"not a workbook", "file"),
    ("latin1.csv", "organisation\nK\xf8ge\n".encode("latin-1"), "file")])
def test_unreadable_files_are_400(client: Any, auth: Any, name: str, content: bytes, field: str) -> None:
    response = _upload(client, auth("admin"), name, content)
    assert response.status_code == 400 and field in response.json()["errors"]


def test_excel_import(client: Any, db: Any, auth: Any) -> None:
    wb = Workbook()
    ws = wb.active
    ws.append(["indicator", "organisation", "period", "value"])
    ws.append(["videokonsultationer", "hospital:herlev-hospital", 2024, 7.5])
    ws.append(["videokonsultationer", "hospital:herlev-hospital", 2023, 5])
    buffer = io.BytesIO()
    wb.save(buffer)
    before = _count(db, IndicatorValue)
    response = _upload(client, auth("admin"), "values.xlsx", buffer.getvalue())
    assert response.status_code == 200, response.text
    assert response.json()["kind"] == "indicators" and response.json()["created"] == 2
    assert _count(db, IndicatorValue) == before + 2
    again = _upload(client, auth("admin"), "values.xlsx", buffer.getvalue())
    assert again.json()["unchanged"] == 2


def test_excel_dates_are_understood(client: Any, auth: Any) -> None:
    from datetime import datetime

    wb = Workbook()
    ws = wb.active
    ws.append(["organisation", "solution", "status", "effective_from"])
    ws.append(["municipality:151", "liva", "planned", datetime(2025, 3, 1)])
    buffer = io.BytesIO()
    wb.save(buffer)
    response = _upload(client, auth("admin"), "dates.xlsx", buffer.getvalue())
    assert response.status_code == 200, response.text


def test_org_reporter_reports_only_for_own_organisation(client: Any, db: Any, auth: Any) -> None:
    own = {"organisation": "municipality:169", "solution": "liva", "status": "planned",
           "effective_from": "2026-01-15"}
    response = client.post("/api/benchmark/adoption", json=own, headers=auth("org_reporter"))
    assert response.status_code == 201, response.text
    record = db.scalar(select(AdoptionRecord).join(Organisation).join(Solution).where(
        Organisation.code == "169", Solution.slug == "liva"))
    assert record.reported_by.startswith("rapportoer@")
    other = own | {"organisation": "municipality:101"}
    response = client.post("/api/benchmark/adoption", json=other, headers=auth("org_reporter"))
    assert response.status_code == 400
    assert "own organisation" in response.json()["errors"]["organisation"]
    csv_other = ADOPTION_HEADER + "municipality:101,liva,planned,2026-01-15,,,,\n"
    response = _upload(client, auth("org_reporter"), "other.csv", csv_other.encode())
    assert response.status_code == 400 and "own organisation" in response.json()["errors"]["row 2, organisation"]


@pytest.mark.parametrize("role", ["vendor", "assessor", "procurement"])
def test_other_roles_may_not_report(client: Any, auth: Any, role: str) -> None:
    body = {"organisation": "municipality:169", "solution": "liva", "status": "planned",
            "effective_from": "2026-01-15"}
    assert client.post("/api/benchmark/adoption", json=body, headers=auth(role)).status_code == 403


def test_anonymous_may_not_report(client: Any) -> None:
    body = {"organisation": "municipality:169", "solution": "liva", "status": "planned",
            "effective_from": "2026-01-15"}
    assert client.post("/api/benchmark/adoption", json=body).status_code == 401


def test_single_report_names_field_and_reason(client: Any, auth: Any) -> None:
    body = {"organisation": "municipality:169", "solution": "liva", "status": "live",
            "effective_from": "tomorrow"}
    response = client.post("/api/benchmark/adoption", json=body, headers=auth("admin"))
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert errors["status"].startswith("must be planned, pilot") and "YYYY-MM-DD" in errors["effective_from"]
    response = client.post("/api/benchmark/indicator-values", headers=auth("admin"), json={
        "indicator": "videokonsultationer", "organisation": "municipality:169", "period": 2025, "value": 3})
    assert response.status_code == 400 and "applies to" in response.json()["errors"]["indicator"]


def test_upload_page_imports_and_reports(client: Any, db: Any) -> None:
    login(client, "org_reporter")
    page = client.get("/benchmark/import")
    assert page.status_code == 200 and 'name="_csrf_token"' in page.text and '<label for="import-file"' in page.text
    token = client.cookies.get("csrftoken", "")
    bad = ADOPTION_HEADER + "municipality:169,selfback,bogus,2026-02-01,,,,\n"
    response = client.post("/benchmark/import", files={"file": ("bad.csv", bad.encode())},
                           data={"_csrf_token": token, "kind": ""})
    assert response.status_code == 400
    assert "Intet blev importeret" in response.text
    assert "bogus" in response.text
    # the row's reason, with its values, in Danish (the page's default language)
    assert "skal være Planlagt, Pilot, I drift eller Ophørt" in response.text and "must be" not in response.text
    good = ADOPTION_HEADER + "municipality:169,selfback,in_operation,2026-02-01,,,500,1.0\n"
    response = client.post("/benchmark/import", files={"file": ("good.csv", good.encode())},
                           data={"_csrf_token": token, "kind": "adoption"})
    assert response.status_code == 200, response.text
    assert 'role="status"' in response.text


def test_upload_page_needs_a_reporter(client: Any) -> None:
    login(client, "vendor")
    assert client.get("/benchmark/import").status_code == 403
