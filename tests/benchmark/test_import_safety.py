"""Hostile and absurd import files: numbers beyond sane ranges are refused per row, Excel
formulas without saved values are refused naming the cell, an .xlsx zip bomb is refused
before it is unpacked, and the upload limit the page states is the one the server enforces."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from app.benchmark import importer
from app.benchmark.models import AdoptionRecord, IndicatorValue
from tests.helpers import login

ADOPTION_HEADER = "organisation,solution,status,effective_from,start_date,end_date,active_users,capacity_fte\n"


def _upload(client: Any, headers: dict[str, str], name: str, content: bytes) -> Any:
    return client.post("/api/benchmark/import", files={"file": (name, content)}, headers=headers)


def _count(db: Any, model: Any) -> int:
    db.expire_all()
    return db.scalar(select(func.count()).select_from(model))


def _xlsx(rows: list[list[Any]]) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)  # openpyxl saves formulas without a computed value
    return buffer.getvalue()


# ---- numbers beyond sane ranges --------------------------------------------------------


def test_absurd_adoption_numbers_are_refused_per_row(client: Any, db: Any, auth: Any) -> None:
    rows = ["municipality:147,liva,pilot,2024-01-01,,,1e27,1",          # row 2
            "municipality:147,liva,pilot,2024-02-01,,,10,1e27",          # row 3
            "municipality:147,liva,pilot,2024-03-01,,,inf,nan",          # row 4
            "municipality:147,liva,pilot,2024-04-01,,,10000001,100001",  # row 5: just past the ranges
            "municipality:147,liva,pilot,2024-05-01,,,-1,-0.5",          # row 6
            "municipality:147,liva,pilot,2024-06-01,,,10000000,100000"]  # row 7: the largest allowed
    before = _count(db, AdoptionRecord)
    response = _upload(client, auth("admin"), "absurd.csv", (ADOPTION_HEADER + "\n".join(rows) + "\n").encode())
    assert response.status_code == 400, response.text
    errors = response.json()["errors"]
    assert set(errors) == {"row 2, active_users", "row 3, capacity_fte", "row 4, active_users",
                           "row 4, capacity_fte", "row 5, active_users", "row 5, capacity_fte",
                           "row 6, active_users", "row 6, capacity_fte"}
    assert errors["row 2, active_users"] == "must be between 0 and 10000000 (got '1e27')"
    assert errors["row 3, capacity_fte"] == "must be between 0 and 100000 (got '1e27')"
    assert "must be a number" in errors["row 4, active_users"] and "'nan'" in errors["row 4, capacity_fte"]
    assert _count(db, AdoptionRecord) == before


def test_absurd_indicator_values_are_refused_per_row(client: Any, db: Any, auth: Any) -> None:
    text = ("indicator,organisation,period,value\n"
            "kol-hjemmemonitorering,municipality:147,2021,1e27\n"
            "kol-hjemmemonitorering,municipality:147,2022,-1e27\n"
            "kol-hjemmemonitorering,municipality:147,2023,-inf\n"
            "kol-hjemmemonitorering,municipality:147,1e27,5\n")
    before = _count(db, IndicatorValue)
    response = _upload(client, auth("admin"), "values.csv", text.encode())
    errors = response.json()["errors"]
    assert response.status_code == 400
    assert set(errors) == {"row 2, value", "row 3, value", "row 4, value", "row 5, period"}
    assert errors["row 2, value"] == "must be between -1000000000 and 1000000000 (got '1e27')"
    assert _count(db, IndicatorValue) == before


def test_the_json_api_applies_the_same_ranges(client: Any, auth: Any) -> None:
    body = {"organisation": "municipality:147", "solution": "liva", "status": "pilot",
            "effective_from": "2024-07-01", "active_users": 10**27, "capacity_fte": 1e27}
    response = client.post("/api/benchmark/adoption", json=body, headers=auth("admin"))
    assert response.status_code == 400, response.text
    assert set(response.json()["errors"]) == {"active_users", "capacity_fte"}


# ---- Excel formulas --------------------------------------------------------------------


def test_excel_formula_without_a_saved_value_is_refused_naming_the_cell(client: Any, db: Any, auth: Any) -> None:
    content = _xlsx([["organisation", "solution", "status", "effective_from", "active_users"],
                     ["municipality:147", "liva", "pilot", "2024-08-01", 12],
                     ["municipality:147", "liva", "pilot", "2024-09-01", "=E2*2"]])
    before = _count(db, AdoptionRecord)
    response = _upload(client, auth("admin"), "formulas.xlsx", content)
    assert response.status_code == 400, response.text
    errors = response.json()["errors"]
    assert list(errors) == ["row 3, active_users"]
    assert errors["row 3, active_users"].startswith("cell E3 is a formula without a saved value")
    assert _count(db, AdoptionRecord) == before


def test_the_upload_page_names_the_formula_cell_in_danish(client: Any) -> None:
    login(client, "org_reporter")
    content = _xlsx([["indicator", "organisation", "period", "value"],
                     ["kol-hjemmemonitorering", "municipality:169", 2024, "=1+1"]])
    response = client.post("/benchmark/import", files={"file": ("f.xlsx", content)},
                           data={"_csrf_token": client.cookies.get("csrftoken", "")})
    assert response.status_code == 400
    assert "celle <code>D2</code> er en formel uden gemt værdi" in response.text


def test_an_xlsx_zip_bomb_is_refused_before_it_is_unpacked(client: Any, auth: Any) -> None:
    content = _xlsx([["indicator", "organisation", "period", "value"],
                     ["kol-hjemmemonitorering", "municipality:147", 2020, 5]])
    buffer = io.BytesIO(content)
    with zipfile.ZipFile(buffer, "a", compression=zipfile.ZIP_DEFLATED) as book:
        book.writestr("xl/media/zeros.bin", bytes(64 * 1024 * 1024))  # deflates about 1000:1
    bomb = buffer.getvalue()
    assert len(bomb) < 200_000
    response = _upload(client, auth("admin"), "bomb.xlsx", bomb)
    assert response.status_code == 400, response.text
    assert response.json()["errors"]["file"].startswith("xl/media/zeros.bin is compressed 1")
    assert "at most 100:1 is allowed" in response.json()["errors"]["file"]


# ---- the upload limit ------------------------------------------------------------------


def test_the_page_states_the_limit_the_server_enforces(client: Any) -> None:
    login(client, "org_reporter")
    page = client.get("/benchmark/import")
    assert f"Højst {importer.MAX_MB} MB." in page.text
    assert importer.MAX_BYTES == importer.MAX_MB * 1_000_000


def test_a_file_of_exactly_the_limit_is_read(client: Any, auth: Any) -> None:
    content = b"indicator," + b"x" * (importer.MAX_BYTES - 10)  # a header with one huge column name
    assert len(content) == importer.MAX_BYTES
    response = _upload(client, auth("admin"), "limit.csv", content)
    assert response.status_code == 400, response.text[:300]
    errors = response.json()["errors"]  # read, then refused for its columns
    assert "file" not in errors and errors["row 1, organisation"] == "required column is missing"


def test_one_byte_more_is_refused_naming_the_limit(client: Any, auth: Any) -> None:
    response = _upload(client, auth("admin"), "big.csv", b"x" * (importer.MAX_BYTES + 1))
    assert response.status_code == 400
    assert response.json()["errors"] == {"file": f"the file is larger than {importer.MAX_MB} MB"}


@pytest.mark.parametrize("extra", [100 * 1024, 5_000_000])
def test_a_far_larger_request_is_refused_before_it_is_read(client: Any, auth: Any, extra: int) -> None:
    response = _upload(client, auth("admin"), "huge.csv", b"x" * (importer.MAX_BYTES + extra))
    assert response.status_code == 413
    assert response.json()["errors"] == {"file": f"the file is larger than {importer.MAX_MB} MB"}


def test_the_page_explains_a_refused_request_and_offers_a_fresh_form(client: Any) -> None:
    login(client, "org_reporter")
    client.get("/benchmark/import")
    response = client.post("/benchmark/import", files={"file": ("huge.csv", b"x" * (importer.MAX_BYTES + 200_000))},
                           data={"_csrf_token": client.cookies.get("csrftoken", "")})
    assert response.status_code == 413
    assert f"filen er større end {importer.MAX_MB} MB" in response.text
    assert 'href="/benchmark/import"' in response.text and 'enctype="multipart/form-data"' not in response.text


def test_a_refused_request_shows_no_import_page_to_other_roles(client: Any) -> None:
    login(client, "vendor")
    response = client.post("/benchmark/import", files={"file": ("huge.csv", b"x" * (importer.MAX_BYTES + 200_000))},
                           data={"_csrf_token": client.cookies.get("csrftoken", "")})
    assert response.status_code == 403
