"""Reporting adoption without a file (issue 19): the form for one record, the templates to
fill in, and the import reading Danish and English column names and statuses."""

from __future__ import annotations

import io
import random
from datetime import date, timedelta
from typing import Any

from openpyxl import load_workbook
from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.benchmark.importer import fold, status_names
from app.benchmark.models import AdoptionRecord
from app.catalogue.models import Organisation, Solution
from tests.helpers import login

OWN = "municipality:169"  # the demo org_reporter's Høje-Taastrup


def _day() -> date:
    """An effective day no other test reports on (the database is shared)."""
    return date(2001, 1, 1) + timedelta(days=random.randrange(8000))


def _form(client: Any, **fields: str) -> Any:
    data = {"_csrf_token": client.cookies.get("csrftoken", ""), "organisation": OWN, "solution_name": "SelfBack",
            "status": "in_operation"} | fields
    return client.post("/benchmark/report", data=data)


def _records(db: Any, ref: str, day: date) -> list[AdoptionRecord]:
    db.expire_all()
    kind, code = ref.split(":")
    return list(db.scalars(select(AdoptionRecord).join(Organisation, AdoptionRecord.organisation_id == Organisation.id)
                           .where(Organisation.kind == kind, Organisation.code == code,
                                  AdoptionRecord.effective_from == day)))


def _audits(db: Any) -> int:
    db.expire_all()
    return db.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.entity_type == "benchmark_adoption"))


def _error_of(page: str, field: str) -> str:
    start = page.index(f'id="f-{field}-error"')
    return page[start:page.index("</p>", start)]


# ---- the form -----------------------------------------------------------------------


def test_form_saves_a_record_typed_the_danish_way_and_audits_it(client: Any, db: Any) -> None:
    login(client, "org_reporter")
    page = client.get("/benchmark/report")
    assert page.status_code == 200 and f'<option value="{OWN}" selected' in page.text
    assert "municipality:147" not in page.text  # only its own organisation is offered
    day, audits = _day(), _audits(db)
    response = _form(client, effective_from=f"{day.day}.{day.month}.{day.year}", start_date="",
                     active_users="1.234", capacity_fte="2,5")
    assert response.status_code == 200, response.text
    assert "Indberetningen er gemt." in response.text
    (record,) = _records(db, OWN, day)
    selfback = db.scalar(select(Solution).where(Solution.slug == "selfback"))
    assert (record.solution_id, record.status, record.active_users, record.capacity_fte) == (
        selfback.id, "in_operation", 1234, 2.5)
    assert record.source == "import:form" and record.reported_by.startswith("rapportoer@")
    assert _audits(db) == audits + 1
    again = _form(client, effective_from=day.isoformat(), active_users="1234", capacity_fte="2.5")
    assert "Intet er ændret" in again.text and _audits(db) == audits + 1


def test_form_refuses_another_organisation_beside_the_field(client: Any, db: Any) -> None:
    login(client, "org_reporter")
    day = _day()
    response = _form(client, organisation="municipality:147", effective_from=day.isoformat())
    assert response.status_code == 400
    assert "kun indberette for din egen organisation" in _error_of(response.text, "organisation")
    assert 'aria-invalid="true"' in response.text and "Intet blev gemt" in response.text
    assert _records(db, "municipality:147", day) == []


def test_form_names_each_bad_field_beside_it_and_writes_nothing(client: Any, db: Any) -> None:
    login(client, "org_reporter")
    day, audits = _day(), _audits(db)
    response = _form(client, effective_from="31.2.2026", active_users="mange", capacity_fte="1,2,3",
                     status="brugt", solution_name="Findes ikke")
    assert response.status_code == 400
    assert "er ikke en dato i kalenderen" in _error_of(response.text, "effective_from")
    assert "er ikke et tal" in _error_of(response.text, "active_users")
    assert "1,2,3" in _error_of(response.text, "capacity_fte")
    assert "skal være Planlagt, Pilot, I drift eller Ophørt" in _error_of(response.text, "status")
    assert "Findes ikke" in _error_of(response.text, "solution_name")
    # the typed values are kept for correcting them
    assert 'value="31.2.2026"' in response.text and 'value="Findes ikke"' in response.text
    # a rule of the import: the end not before the start, beside the end
    response = _form(client, effective_from=f"{day:%d.%m.%Y}", start_date="1.5.2025", end_date="1.4.2025",
                     active_users="20000000")
    assert response.status_code == 400
    assert "må ikke ligge før startdatoen" in _error_of(response.text, "end_date")
    assert "mellem 0 og 10000000" in _error_of(response.text, "active_users")
    assert _records(db, OWN, day) == [] and _audits(db) == audits


def test_form_in_english_reads_english_dates(client: Any, db: Any) -> None:
    login(client, "org_reporter")
    client.cookies.set("lang", "en")
    day = _day()
    response = _form(client, effective_from=f"{day.day}/{day.month}/{day.year}", status="pilot",
                     capacity_fte="1.5", active_users="1,000")
    assert response.status_code == 200 and "The record was saved." in response.text
    (record,) = _records(db, OWN, day)
    assert (record.status, record.capacity_fte, record.active_users) == ("pilot", 1.5, 1000)


def test_only_reporters_get_the_form(client: Any) -> None:
    assert client.get("/benchmark/report", follow_redirects=False).status_code in (302, 303, 401)
    login(client, "vendor")
    assert client.get("/benchmark/report").status_code == 403
    assert client.get("/benchmark/import/template?kind=adoption&format=csv").status_code == 403


def test_admin_may_report_for_any_organisation(client: Any, db: Any) -> None:
    login(client, "admin")
    assert 'value="municipality:147"' in client.get("/benchmark/report").text
    day = _day()
    response = _form(client, organisation="municipality:147", effective_from=day.isoformat(), status="planned")
    assert response.status_code == 200, response.text
    assert len(_records(db, "municipality:147", day)) == 1


# ---- templates and the import in both languages ------------------------------------


def _import(client: Any, name: str, content: bytes) -> Any:
    return client.post("/benchmark/import", files={"file": (name, content)},
                       data={"_csrf_token": client.cookies.get("csrftoken", ""), "kind": ""})


def test_danish_excel_template_filled_in_imports(client: Any, db: Any) -> None:
    login(client, "org_reporter")
    response = client.get("/benchmark/import/template?kind=adoption&format=xlsx")
    assert response.status_code == 200 and "udbredelse-skabelon.xlsx" in response.headers["content-disposition"]
    book = load_workbook(io.BytesIO(response.content))
    sheet = book.worksheets[0]
    header = [c.value for c in sheet[1]]
    assert header == ["Organisation", "Løsning", "Status", "Gælder fra", "Startdato", "Slutdato", "Aktive brugere",
                      "Frigjort kapacitet (årsværk)"]
    (choose,) = sheet.data_validations.dataValidation
    assert choose.formula1 == '"Planlagt,Pilot,I drift,Ophørt"'
    day = _day()
    sheet.append([OWN, "liva", "I drift", day, None, None, 12, 0.5])
    sheet.append([OWN, "selfback", "ophørt", day, None, None, None, None])
    filled = io.BytesIO()
    book.save(filled)
    imported = _import(client, "udfyldt.xlsx", filled.getvalue())
    assert imported.status_code == 200, imported.text
    assert sorted(r.status for r in _records(db, OWN, day)) == ["discontinued", "in_operation"]


def test_english_csv_template_filled_in_imports(client: Any, db: Any) -> None:
    login(client, "org_reporter")
    client.cookies.set("lang", "en")
    response = client.get("/benchmark/import/template?kind=adoption&format=csv")
    assert response.status_code == 200 and "adoption-template.csv" in response.headers["content-disposition"]
    text = response.content.decode("utf-8-sig")
    assert text.splitlines() == ["organisation,solution,status,effective_from,start_date,end_date,active_users,"
                                 "capacity_fte"]
    day = _day()
    filled = text + f"{OWN},liva,In operation,{day},,,7,\r\n{OWN},selfback,PLANNED,{day},,,,\r\n"
    assert _import(client, "filled.csv", filled.encode()).status_code == 200
    assert sorted(r.status for r in _records(db, OWN, day)) == ["in_operation", "planned"]


def test_danish_csv_template_uses_semicolons_and_the_import_reads_it(client: Any, db: Any) -> None:
    login(client, "org_reporter")
    text = client.get("/benchmark/import/template?kind=adoption&format=csv").content.decode("utf-8-sig")
    assert text.startswith("Organisation;Løsning;Status;Gælder fra;")
    day = _day()
    filled = text + f"{OWN};liva;Pilot;{day};;;3;0,2\r\n"
    assert _import(client, "udfyldt.csv", ("\ufeff" + filled).encode()).status_code == 200
    (record,) = _records(db, OWN, day)
    assert (record.status, record.capacity_fte) == ("pilot", 0.2)


def test_import_names_row_and_column_as_the_file_does(client: Any, db: Any, auth: Any) -> None:
    day = _day()
    content = ("organisation,LØSNING,status,gaelder_fra,Aktive Brugere\n"
               f"{OWN},liva,I drift,{day},10\n"
               f"{OWN},liva,brugt,{day + timedelta(days=1)},mange\n")
    response = client.post("/api/benchmark/import", files={"file": ("blandet.csv", content.encode())},
                           headers=auth("admin"))
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert set(errors) == {"row 3, status", "row 3, aktive brugere"}
    assert errors["row 3, status"].startswith("must be planned, pilot, in_operation or discontinued")
    assert _records(db, OWN, day) == []  # all or nothing
    twice = f"solution,Løsning,organisation,status,effective_from\nliva,liva,{OWN},pilot,{day}\n"
    response = client.post("/api/benchmark/import", files={"file": ("twice.csv", twice.encode())},
                           headers=auth("admin"))
    assert response.json()["errors"] == {"row 1, løsning": "repeats a column given before it"}


def test_template_asks_for_a_known_kind_and_format(client: Any) -> None:
    login(client, "org_reporter")
    assert client.get("/benchmark/import/template?kind=indicators&format=xlsx").status_code == 200
    assert client.get("/benchmark/import/template?kind=other&format=csv").status_code == 400
    assert client.get("/benchmark/import/template?kind=adoption&format=pdf").status_code == 400


def test_status_names_do_not_collide() -> None:
    names = status_names()
    assert {names[fold(label)] for label in ("Planlagt", "Pilot", "I drift", "Ophørt", "ophort")} == {
        "planned", "pilot", "in_operation", "discontinued"}
    assert names[fold("In_Operation")] == "in_operation"
    # the codes read as the English labels; the Danish ones differ but for "Pilot"
    assert len(names) == 7
