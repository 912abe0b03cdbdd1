"""Importing a completed NHS DTAC form (DOCX or ODT): reading, mapping by code and option
text, the API and the pages; bad files change nothing."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.assessment.form_mapping import map_form
from app.assessment.form_reader import MAX_BYTES, FormRefused, read_form
from app.assessment.loader import load_frameworks
from app.assessment.models import Answer, Assessment, AssessmentImport
from tests.assessment.dtac_forms import (
    SAMPLE_NAME,
    dtac_docx,
    encrypted_odt,
    sample_odt,
    zip_bomb,
)
from tests.assessment.helpers import FRAMEWORKS_DIR
from tests.helpers import login

DTAC = load_frameworks(FRAMEWORKS_DIR).get("nhs-dtac", "1.0")
SAMPLE_UNMAPPED = ["A10", "A11", "B4", "C2.3.2", "C3.1", "C3.2", "D1.2"]


def _mapping(content: bytes, filename: str = "form.docx") -> Any:
    return map_form(DTAC, None, read_form(filename, content).rows)


# ---- the real sample ---------------------------------------------------------------------


def test_the_real_sample_is_read_with_its_version_and_every_row() -> None:
    reading = read_form(SAMPLE_NAME, sample_odt())
    assert reading.version == "1.0" and reading.kind == "odt"
    codes = [r.code for r in reading.rows]
    assert len(codes) == 68 and codes[0] == "A1" and codes[-1] == "D1.12.2"
    texts = {r.code: r.text for r in reading.rows}
    assert texts["C3.2"].startswith("Penetration testing is in the process of being conducted.")
    assert texts["D1.2"] == "User journeys to follow"  # the reviewer's comment beside it is left out
    assert not any("2023-02-23T" in text for text in texts.values())


def test_the_real_sample_maps_by_code_and_option_text() -> None:
    mapping = _mapping(sample_odt(), SAMPLE_NAME)
    values = {m.code: m.value for m in mapping.mapped}
    assert len(values) == 48
    assert [u.code for u in mapping.unmapped] == SAMPLE_UNMAPPED
    assert values["C1.1"] == "yes" and values["C1.3"] == "yes" and values["C2.3"] == "no"
    assert values["C1.4.1"] == "not_applicable"  # "Not applicable" on an option list without it printed
    assert values["C2.4"] == "confirmed"  # printed "Confirm."
    assert values["C2.5"] == "uk_only"  # "UK Only"
    assert values["C3.3"] == "internal" and values["C4.2"] == "no_patient_data" and values["C4.3"] == "no_ehr"
    assert values["B1"] == ["diagnostics", "clinical_support"]
    assert values["D1.3"] == "no" and values["D1.4"] == "yes"
    assert values["D1.4.1"] == "https://growth.rcpch.ac.uk/"
    reasons = {u.code: u for u in mapping.unmapped}
    assert reasons["D1.2"].reason == "not one of the options (Yes, Working towards it, No)"
    assert reasons["D1.2"].text == "User journeys to follow"
    assert reasons["A10"].reason.startswith("the form says not applicable")
    by_code = {m.code: m for m in mapping.mapped}
    assert by_code["C1.1.2"].evidence_url == "https://growth.rcpch.ac.uk/safety/csmf/clinical-safety-case-report/"
    assert by_code["C1.3"].comment.startswith("Yes, the RCPCH Digital Growth Charts API is registered")
    assert by_code["C1.1"].comment is None  # the text says nothing beyond the option
    assert "D1.12.2" in mapping.blank and mapping.absent == []


# ---- tolerance ---------------------------------------------------------------------------


@pytest.mark.parametrize(("code", "printed", "value"), [
    ("C1.1", "YES", "yes"),
    ("C1.1", "es.", "yes"),  # first letter lost in copying
    ("C1.1", "  yes !", "yes"),
    ("C1.1.1", "rovided", "provided"),
    ("C1.3", "N/A", "na"),
    ("C1.3.2", "n/a", "not_applicable"),
    ("C1.3.2", "Not applicable", "not_applicable"),
    ("C2.1", "Not provided", "not_available"),
    ("C2.3.1", "Unable to confirm", "cannot_confirm"),
    ("C2.5", "Outside of EU", "outside_eu"),
    ("C3.3", "No because there is no custom code", "no_custom_code"),
    ("C3.3", "No", "no"),
    ("D1.1", "Working towards it", "working_towards"),
    ("D1.1", "orking towards it", "working_towards"),
    ("D1.9", "No because it is not applicable", "not_applicable"),
    ("D1.12.2", "99.84 %", 99.84),
    ("A10", "16/04/2021", "2021-04-16"),
])
def test_option_text_is_matched_with_tolerance(code: str, printed: str, value: Any) -> None:
    mapping = _mapping(dtac_docx({code: printed}))
    assert [(m.code, m.value) for m in mapping.mapped] == [(code, value)], mapping.unmapped


@pytest.mark.parametrize(("code", "printed", "reason"), [
    ("C1.1", "Not applicable", "the form says not applicable"),
    ("C1.1", "Maybe later", "not one of the options (Yes, No)"),
    ("C3.2", "Being conducted", "not one of the options (Provided, No evidence available)"),
    ("B1", "Patients/Astronauts", "'Astronauts' is not one of the options"),
    ("A11", "see our website", "no http(s) link"),
    ("D1.12.2", "about ninety", "is not a number"),
])
def test_an_answer_that_is_not_an_option_is_listed_not_dropped(code: str, printed: str, reason: str) -> None:
    mapping = _mapping(dtac_docx({code: printed, "C4.4": "No"}))
    assert [m.code for m in mapping.mapped] == ["C4.4"]
    assert [(u.code, u.text) for u in mapping.unmapped] == [(code, printed)]
    assert reason in mapping.unmapped[0].reason


def test_unknown_and_repeated_codes_are_listed() -> None:
    document = dtac_docx({"C1.1": "Yes", "Z9.9": "Yes"})
    mapping = _mapping(document)
    assert [(u.code, u.text) for u in mapping.unmapped] == [("Z9.9", "Yes")]
    assert "has no question Z9.9" in mapping.unmapped[0].reason


def test_a_docx_form_keeps_the_text_after_the_option_as_comment_and_link() -> None:
    mapping = _mapping(dtac_docx({"C3.1": "Provided.\nhttps://example.org/ce.pdf", "B1": "Patients, Workforce"}))
    by_code = {m.code: m for m in mapping.mapped}
    assert by_code["C3.1"].value == "provided" and by_code["C3.1"].evidence_url == "https://example.org/ce.pdf"
    assert by_code["C3.1"].comment == "Provided.\nhttps://example.org/ce.pdf"
    assert by_code["B1"].value == ["patients", "workforce"]


# ---- bad files -----------------------------------------------------------------------------


def _docx_without_tables() -> bytes:
    import io

    import docx

    document = docx.Document()
    document.add_paragraph("Minutes of the meeting")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


BAD_FILES = {
    "not a DTAC form": ("minutes.docx", _docx_without_tables, "is not a completed DTAC form"),
    "no version": ("form.docx", lambda: dtac_docx({"C1.1": "Yes"}, version=None), "version was not found"),
    "encrypted office file": ("form.docx", lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600,
                              "encrypted"),
    "encrypted odt": ("form.odt", encrypted_odt, "encrypted"),
    "too large": ("form.docx", lambda: b"PK" + b"\0" * MAX_BYTES, "larger than 20 MB"),
    "zip bomb": ("form.docx", zip_bomb, "is compressed 1"),
    "huge zip member": ("form.docx", lambda: zip_bomb(size=200 * 1024 * 1024), "would unpack to 209715200 bytes"),
    "docx renamed .odt": ("form.odt", lambda: dtac_docx({"C1.1": "Yes"}), "is a Word document (DOCX) named .odt"),
    "not a zip": ("form.docx", lambda: b"%PDF-1.7 not a document", "not a readable zip file"),
    "pdf": ("form.pdf", lambda: b"%PDF-1.7", "must be a .docx or .odt file"),
    "empty": ("form.odt", lambda: b"", "the file is empty"),
}


@pytest.mark.parametrize("case", BAD_FILES)
def test_a_bad_file_is_refused_naming_the_file_and_why(case: str) -> None:
    filename, make, reason = BAD_FILES[case]
    with pytest.raises(FormRefused) as refused:
        read_form(filename, make())
    message = refused.value.errors["file"]
    assert message.startswith(f"{filename}: ") and reason in message, message


# ---- the API -------------------------------------------------------------------------------


def _counts(db: Session) -> tuple[int, int, int]:
    db.expire_all()
    return (db.scalar(select(func.count()).select_from(Assessment)) or 0,
            db.scalar(select(func.count()).select_from(Answer)) or 0,
            db.scalar(select(func.count()).select_from(AssessmentImport)) or 0)


def _upload(client: Any, path: str, filename: str, content: bytes, headers: dict[str, str]) -> Any:
    return client.post(path, files={"file": (filename, content, "application/octet-stream")}, headers=headers)


def test_api_starts_a_dtac_assessment_from_the_real_form(client: Any, auth: Any) -> None:
    r = _upload(client, "/api/solutions/selfback/assessments/import", SAMPLE_NAME, sample_odt(), auth("assessor"))
    assert r.status_code == 201, r.text
    report = r.json()
    assert report["form_version"] == "1.0" and report["imported"] == 48 and report["filename"] == SAMPLE_NAME
    assert [u["code"] for u in report["unmapped"]] == SAMPLE_UNMAPPED
    assert all(u["text"] and u["reason"] for u in report["unmapped"])
    assessment = client.get(f"/api/assessments/{report['assessment_id']}", headers=auth("assessor")).json()
    assert (assessment["framework"]["id"], assessment["framework"]["version"]) == ("nhs-dtac", "1.0")
    answers = {a["criterion_code"]: a for a in assessment["answers"]}
    assert len(answers) == 48
    assert {(a["source"], a["verification"], a["provenance"]) for a in answers.values()} == {
        ("vendor", "pending", f"Importeret fra {SAMPLE_NAME}")}
    assert answers["C2.3"]["value"] == "no"
    listed = client.get(f"/api/assessments/{report['assessment_id']}/imports", headers=auth("assessor")).json()
    assert [i["id"] for i in listed] == [report["id"]] and listed[0]["unmapped"] == report["unmapped"]


def test_importing_into_an_assessment_keeps_the_assessors_answers(client: Any, auth: Any) -> None:
    a = client.post("/api/assessments", json={"solution_id": "selfback", "framework_id": "nhs-dtac",
                                              "framework_version": "1.0"}, headers=auth("assessor")).json()
    saved = client.put(f"/api/assessments/{a['id']}/answers/C1.1", json={"value": "no"}, headers=auth("assessor"))
    assert saved.status_code == 200, saved.text
    form = dtac_docx({"C1.1": "Yes", "C1.4": "No", "D1.2": "User journeys to follow"})
    r = _upload(client, f"/api/assessments/{a['id']}/import", "vendor.docx", form, auth("assessor"))
    assert r.status_code == 200, r.text
    assert r.json()["kept"] == ["C1.1"] and r.json()["imported_codes"] == ["C1.4"]
    assert [u["code"] for u in r.json()["unmapped"]] == ["D1.2"]
    answers = {x["criterion_code"]: x for x in client.get(f"/api/assessments/{a['id']}",
                                                            headers=auth("assessor")).json()["answers"]}
    assert answers["C1.1"]["value"] == "no" and answers["C1.1"]["source"] == "assessor"
    assert answers["C1.4"]["provenance"] == "Importeret fra vendor.docx"
    again = _upload(client, f"/api/assessments/{a['id']}/import", "vendor-2.docx",
                    dtac_docx({"C1.4": "Yes"}), auth("assessor"))
    assert again.status_code == 200, again.text  # the vendor's earlier answer is replaced
    answers = {x["criterion_code"]: x for x in client.get(f"/api/assessments/{a['id']}",
                                                            headers=auth("assessor")).json()["answers"]}
    assert answers["C1.4"]["value"] == "yes" and answers["C1.4"]["provenance"] == "Importeret fra vendor-2.docx"


def test_the_vendor_imports_into_its_own_solutions_assessment(client: Any, auth: Any) -> None:
    own = client.post("/api/assessments", json={"solution_id": "selfback", "framework_id": "nhs-dtac",
                                                "framework_version": "1.0"}, headers=auth("assessor")).json()
    other = client.post("/api/assessments", json={"solution_id": "liva", "framework_id": "nhs-dtac",
                                                  "framework_version": "1.0"}, headers=auth("assessor")).json()
    form = dtac_docx({"C1.1": "Yes"})
    r = _upload(client, f"/api/assessments/{own['id']}/import", "ours.docx", form, auth("vendor"))
    assert r.status_code == 200 and r.json()["imported"] == 1, r.text
    refused = _upload(client, f"/api/assessments/{other['id']}/import", "ours.docx", form, auth("vendor"))
    assert refused.status_code in (403, 404)
    assert _upload(client, "/api/solutions/selfback/assessments/import", "ours.docx", form,
                   auth("vendor")).status_code == 403


@pytest.mark.parametrize("case", ["not a DTAC form", "encrypted odt", "zip bomb", "docx renamed .odt"])
def test_a_bad_file_changes_nothing(client: Any, auth: Any, db: Session, case: str) -> None:
    filename, make, reason = BAD_FILES[case]
    before = _counts(db)
    r = _upload(client, "/api/solutions/selfback/assessments/import", filename, make(), auth("assessor"))
    assert r.status_code == 400 and reason in r.json()["errors"]["file"], r.text
    assert r.json()["errors"]["file"].startswith(f"{filename}: ")
    assert _counts(db) == before


def test_another_version_and_the_wrong_assessment_are_refused(client: Any, auth: Any, db: Session) -> None:
    before = _counts(db)
    r = _upload(client, "/api/solutions/selfback/assessments/import", "v3.docx",
                dtac_docx({"C1.1": "Yes"}, version="3.0"), auth("assessor"))
    assert r.status_code == 400
    assert r.json()["errors"]["file"].startswith("v3.docx: the form is DTAC version 3.0, which Blåstempel does "
                                                 "not have (versions: ")
    assert _counts(db) == before
    other = client.post("/api/assessments", json={"solution_id": "selfback", "framework_id": "blaastempel-dk",
                                                  "framework_version": "1.0"}, headers=auth("assessor")).json()
    before = _counts(db)
    r = _upload(client, f"/api/assessments/{other['id']}/import", "form.docx", dtac_docx({"C1.1": "Yes"}),
                auth("assessor"))
    assert r.status_code == 400 and f"but assessment #{other['id']} is blaastempel-dk 1.0" in r.text
    assert _counts(db) == before


def test_a_request_over_the_limit_is_refused_before_it_is_read(client: Any, auth: Any, db: Session) -> None:
    before = _counts(db)
    r = _upload(client, "/api/solutions/selfback/assessments/import", "huge.docx", b"\0" * (50 * 1_000_000),
                auth("assessor"))
    assert r.status_code == 413 and r.json()["errors"]["file"] == "the file is larger than 20 MB"
    assert _counts(db) == before


# ---- the pages -------------------------------------------------------------------------------


def _csrf(client: Any) -> dict[str, str]:
    return {"_csrf_token": client.cookies.get("csrftoken", "")}


def test_the_page_imports_and_shows_what_could_not_be_mapped_in_danish(client: Any) -> None:
    login(client, "assessor")
    page = client.get("/solutions/selfback/assessments")
    assert "Importér en udfyldt DTAC-formular" in page.text
    r = client.post("/solutions/selfback/assessments/import", data=_csrf(client),
                    files={"file": (SAMPLE_NAME, sample_odt(), "application/vnd.oasis.opendocument.text")},
                    follow_redirects=False)
    assert r.status_code in (302, 303), r.text
    assert re.fullmatch(r"/assessments/\d+/imports/\d+", r.headers["location"])
    result = client.get(r.headers["location"])
    html = result.text
    assert result.status_code == 200
    assert "48 svar blev importeret som leverandørens svar" in html
    assert "Svar, der ikke kunne overføres (7)" in html
    for code in SAMPLE_UNMAPPED:
        assert f">{code}</a>" in html
    assert "User journeys to follow" in html and "ikke en af svarmulighederne (Ja, Arbejder hen imod det, Nej)" in html
    assert "is not one of the options" not in html and "the form says" not in html
    form = client.get(r.headers["location"].split("/imports/")[0])
    assert "Importeret formular: " + SAMPLE_NAME in form.text and "7 svar ikke overført" in form.text


def test_a_bad_file_on_the_page_says_why_in_danish_and_changes_nothing(client: Any, db: Session) -> None:
    login(client, "assessor")
    client.get("/solutions/selfback/assessments")
    before = _counts(db)
    r = client.post("/solutions/selfback/assessments/import", data=_csrf(client),
                    files={"file": ("form.odt", dtac_docx({"C1.1": "Yes"}), "application/octet-stream")})
    assert r.status_code == 400 and r.headers["content-type"].startswith("text/html")
    assert "form.odt: er et Word-dokument (DOCX) med endelsen .odt" in r.text
    assert _counts(db) == before


def test_a_page_upload_over_the_limit_says_why(client: Any, db: Session) -> None:
    login(client, "assessor")
    client.get("/solutions/selfback/assessments")
    before = _counts(db)
    r = client.post("/solutions/selfback/assessments/import", data=_csrf(client),
                    files={"file": ("huge.docx", b"\0" * (50 * 1_000_000), "application/octet-stream")})
    assert r.status_code == 413 and r.headers["content-type"].startswith("text/html")
    assert "filen er større end 20 MB" in r.text
    assert 'href="/solutions/selfback/assessments"' in r.text
    assert _counts(db) == before
