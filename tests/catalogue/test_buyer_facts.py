"""A solution's facts for buyers (issue 18): structured studies, ICD-10 coded indications,
platforms, languages, price and business model, contact and data location, through the
service, the API, the form, the page and the register archive."""

from __future__ import annotations

import json
import re
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml
from babel.messages.pofile import read_po
from sqlalchemy import func, select

from app.archive import export_archive
from app.catalogue import enums
from app.catalogue import services as svc
from app.catalogue.codes import icd10, icd10_code, valid_cvr
from app.catalogue.models import Solution, SolutionStudy, Vendor
from app.catalogue.schemas import SolutionIn
from app.core.principal import Principal
from app.core.roles import Role
from app.errors import ValidationFailed
from app.settings import PROJECT_ROOT
from tests.helpers import login, unique

RCT = {"design": "rct", "participants": 461, "population": "Voksne med lænderygsmerter",
       "outcome_measures": "RMDQ", "main_result": "Mindre funktionsnedsættelse", "country": "dk",
       "year": 2021, "doi": "https://doi.org/10.1000/xyz123", "registry_id": "nct01234567"}


def _vendor_id(db: Any, name: str = "SelfBack") -> int:
    vendor_id = db.scalar(select(Vendor.id).where(Vendor.name == name))
    assert vendor_id is not None
    return vendor_id


def _body(db: Any, **overrides: Any) -> dict[str, Any]:
    body = {"name": unique("Indkøbsfakta"), "vendor_id": _vendor_id(db),
            "short_description_da": "Træning mod lænderygsmerter", "purpose": "treatment",
            "treatment_areas": ["laenderygsmerter"], "target_users": "citizen", "origin": "private",
            "country": "DK", "studies": [RCT], "indications": ["DM545", "e11"],
            "contraindications": ["M54.1"], "platforms": ["ios", "web"], "languages": ["da", "EN"],
            "licence_model": "per_citizen", "price_dkk": "1250.50", "price_unit": "per_citizen_per_year",
            "payer": "municipality", "free_for_municipalities": False, "contact_name": "Salg (test)",
            "contact_email": "salg@example.dk", "contact_phone": "+45 12 34 56 78", "data_location": "eu_eea"}
    return body | overrides


def _count(db: Any, model: Any) -> int:
    db.expire_all()
    return db.scalar(select(func.count()).select_from(model)) or 0


def _csrf(client: Any) -> str:
    if not client.cookies.get("csrftoken"):
        client.get("/")
    return client.cookies.get("csrftoken")


def _main(html: str) -> str:
    match = re.search(r"<main.*?</main>", html, re.S)
    assert match, html[:500]
    return match.group(0)


# ---- reference codes ----------------------------------------------------------------


def test_icd10_reference_list_names_its_source_and_reads_sks_codes() -> None:
    sources = (PROJECT_ROOT / "data/reference/SOURCES.md").read_text(encoding="utf-8")
    assert "## `icd10.csv`" in sources and "sundhedsdatastyrelsen.dk" in sources
    assert icd10()["M54.5"].title_da == "Lændesmerter"
    assert icd10_code("DM545") == icd10_code("m54.5") == "M54.5"
    assert icd10_code("DE11") == "E11" and icd10_code("Q99.9") is None and icd10_code("E1") is None


@pytest.mark.parametrize(("cvr", "valid"), [("10150817", True), ("12345678", False), ("1015081", False),
                                            ("01234567", False), ("1015081x", False)])
def test_cvr_modulus_11(cvr: str, valid: bool) -> None:
    assert valid_cvr(cvr) is valid


def test_demo_buyer_facts_are_valid_input() -> None:
    """Seeding bypasses the API, so the demo file is held to the API's rules here."""
    rows = yaml.safe_load((PROJECT_ROOT / "data/demo/solutions.yaml").read_text(encoding="utf-8"))
    filled = [r for r in rows if r.get("platforms")]
    assert {"selfback", "liva", "digirehab", "kommunal-pro"} <= {r["slug"] for r in filled}
    for row in filled:
        SolutionIn.model_validate({k: v for k, v in row.items() if k in SolutionIn.model_fields}
                                  | {"vendor_id": 1, "treatment_areas": []})
        assert all(icd10_code(c) == c for c in row["indications"] + row["contraindications"]), row["slug"]
    assert all(s.get("doi") in (None, "10.3390/nu14163424") for r in filled for s in r["studies"])


# ---- service: each bad field is named and nothing is written ------------------------


ADMIN = Principal(id=1, email="admin@test", name="Admin", role=Role.ADMIN)


@pytest.mark.parametrize(("field", "value"), [
    ("studies", [RCT | {"doi": "doi-but-not-really"}]),
    ("studies", [RCT | {"year": 1900}]),
    ("studies", [RCT | {"participants": 0}]),
    ("studies", [RCT | {"registry_id": "trial 7"}]),
    ("studies", [RCT | {"design": "anecdote"}]),
    ("indications", ["X99.9"]),
    ("contraindications", ["not-a-code"]),
    ("languages", ["xx"]),
    ("platforms", ["amiga"]),
    ("licence_model", "per_click"),
    ("price_dkk", "-1"),
    ("price_dkk", "12.345"),
    ("price_unit", "per_week"),
    ("payer", "nobody"),
    ("contact_email", "salg.example.dk"),
    ("contact_phone", "ring til os"),
    ("data_location", "moon"),
])
def test_bad_field_is_400_naming_it_and_nothing_is_written(client: Any, auth: Any, db: Any, field: str,
                                                           value: Any) -> None:
    before = (_count(db, Solution), _count(db, SolutionStudy))
    body = _body(db, **{field: value})
    response = client.post("/api/solutions", json=body, headers=auth("admin"))
    assert response.status_code == 400, response.text
    assert any(key.split(".")[0] == field for key in response.json()["errors"]), response.json()
    assert (_count(db, Solution), _count(db, SolutionStudy)) == before


def test_service_names_every_bad_coded_field_at_once(db: Any) -> None:
    data = SolutionIn.model_validate(_body(db, indications=["X99"], contraindications=["Y98"], languages=["zz"]))
    with pytest.raises(ValidationFailed) as refused:
        svc.create_solution(db, ADMIN, data)
    assert set(refused.value.errors) == {"indications", "contraindications", "languages"}
    assert "X99" in refused.value.errors["indications"]
    db.rollback()


def test_vendor_cvr_must_pass_modulus_11(client: Any, auth: Any) -> None:
    bad = client.post("/api/vendors", json={"name": unique("Lev"), "country": "DK", "cvr": "12345678"},
                      headers=auth("admin"))
    assert bad.status_code == 400 and "cvr" in bad.json()["errors"]
    good = client.post("/api/vendors", json={"name": unique("Lev"), "country": "DK", "cvr": "10150817"},
                       headers=auth("admin"))
    assert good.status_code == 201, good.text


# ---- API ----------------------------------------------------------------------------


def test_api_creates_reads_and_updates_buyer_facts(client: Any, auth: Any, db: Any) -> None:
    created = client.post("/api/solutions", json=_body(db), headers=auth("procurement"))
    assert created.status_code == 201, created.text
    out = created.json()
    assert out["indications"] == ["M54.5", "E11"] and out["languages"] == ["da", "en"]
    assert Decimal(str(out["price_dkk"])) == Decimal("1250.50")
    study = out["studies"][0]
    assert (study["doi"], study["registry_id"], study["country"]) == ("10.1000/xyz123", "NCT01234567", "DK")
    assert out["vendor"]["cvr"] is None and out["free_for_municipalities"] is False

    body = _body(db, name=out["name"], version=out["version"], studies=[RCT, RCT | {"design": "cohort"}])
    updated = client.put(f"/api/solutions/{out['id']}", json=body, headers=auth("procurement"))
    assert updated.status_code == 200, updated.text
    assert [s["design"] for s in updated.json()["studies"]] == ["rct", "cohort"]
    ids = db.scalars(select(SolutionStudy.id).where(SolutionStudy.solution_id == out["id"])
                     .order_by(SolutionStudy.position)).all()
    assert len(ids) == 2


def test_unchanged_studies_are_not_rewritten(client: Any, auth: Any, db: Any) -> None:
    out = client.post("/api/solutions", json=_body(db), headers=auth("admin")).json()
    first = db.scalars(select(SolutionStudy.id).where(SolutionStudy.solution_id == out["id"])).all()
    body = _body(db, name=out["name"], version=out["version"], trl=5)
    assert client.put(f"/api/solutions/{out['id']}", json=body, headers=auth("admin")).status_code == 200
    db.expire_all()
    assert db.scalars(select(SolutionStudy.id).where(SolutionStudy.solution_id == out["id"])).all() == first


def test_unpublished_solution_facts_are_hidden_from_the_public(client: Any, auth: Any, db: Any) -> None:
    out = client.post("/api/solutions", json=_body(db, published=False), headers=auth("admin")).json()
    assert client.get(f"/api/solutions/{out['id']}").status_code == 404
    assert client.get(f"/solutions/{out['slug']}").status_code == 404
    staff = client.get(f"/api/solutions/{out['id']}", headers=auth("assessor")).json()
    assert staff["contact_email"] == "salg@example.dk"


# ---- the page -----------------------------------------------------------------------


def test_page_shows_buyer_facts_in_danish(client: Any) -> None:
    client.get("/lang/da")
    main = _main(client.get("/solutions/liva").text)
    section = main[main.index('data-testid="buyer-facts"'):]
    for text in ("Fakta for indkøbere", "E11</span> Type 2-diabetes", "E66</span> Fedme",
                 "E10</span> Type 1-diabetes", "iOS (iPhone og iPad)", "Webbrowser", "dansk", "engelsk",
                 "EU/EØS", "Pr. borger", "4.500,00 kr.", "pr. borger", "Kommunen", "Gratis for kommuner",
                 "Nej", "kommuner@liva.example", "Randomiseret kontrolleret forsøg (RCT)", "170 deltagere",
                 "Danmark, 2022", 'href="https://doi.org/10.3390/nu14163424"', "Diabetes", "Overvægt"):
        assert text in section, text
    for raw in ("per_citizen", "eu_eea", "municipality", ">rct<", "False", "None", "4500.00"):
        assert raw not in section, raw


def test_page_shows_buyer_facts_in_english(client: Any) -> None:
    client.get("/lang/en")
    section = _main(client.get("/solutions/selfback").text)
    section = section[section.index('data-testid="buyer-facts"'):]
    for text in ("Facts for buyers", "M54.5</span> Low back pain", "Radiculopathy", "Android", "Norwegian",
                 "EU/EEA", "Free", "Others", "Yes", "Randomised controlled trial (RCT)", "461 participants",
                 "Denmark, 2021", "jamanetwork.com"):
        assert text in section, text
    client.get("/lang/da")


def test_page_says_not_stated_where_nothing_is_recorded(client: Any) -> None:
    client.get("/lang/da")
    main = _main(client.get("/solutions/omaolo").text)
    section = main[main.index('data-testid="buyer-facts"'):]
    assert "Ikke oplyst" in section and "Der er ikke registreret studier af løsningen." in section


def test_form_saves_danish_decimals_and_studies_and_names_bad_study_fields(client: Any, db: Any) -> None:
    login(client, "procurement")
    client.get("/lang/da")
    name = unique("Formfakta")
    form = {"_csrf_token": _csrf(client), "name": name, "slug": "", "vendor_id": str(_vendor_id(db)),
            "short_description_da": "Træning", "purpose": "treatment", "target_users": "citizen",
            "origin": "private", "country": "DK", "regulatory_class": "none", "published": "true",
            "indications": "M54.5, DE11", "contraindications": "", "platforms": ["ios", "android"],
            "languages": ["da", "ar"], "licence_model": "per_citizen", "price_dkk": "1.250,50",
            "price_unit": "per_citizen_per_year", "payer": "municipality", "free_for_municipalities": "true",
            "contact_email": "salg@example.dk", "data_location": "dk",
            "studies-0-design": "rct", "studies-0-participants": "1.200", "studies-0-year": "2099",
            "studies-0-doi": "nope", "studies-1-design": "", "studies-1-participants": ""}
    bad = client.post("/solutions/new", data=form)
    assert bad.status_code == 400
    assert "Studie 1: År" in bad.text and "Studie 1: DOI" in bad.text
    assert 'id="f-studies-0-doi-error"' in bad.text and 'value="1.250,50"' in bad.text
    assert db.scalar(select(Solution).where(Solution.name == name)) is None

    saved = client.post("/solutions/new", data=form | {"studies-0-year": "2020", "studies-0-doi": ""},
                        follow_redirects=False)
    assert saved.status_code == 303, saved.text
    db.expire_all()
    solution = db.scalar(select(Solution).where(Solution.name == name))
    assert solution is not None and solution.price_dkk == Decimal("1250.50")
    assert solution.indications == ["M54.5", "E11"] and solution.free_for_municipalities is True
    assert [(s.design, s.participants, s.year) for s in solution.studies] == [("rct", 1200, 2020)]
    edit = client.get(f"/solutions/{solution.slug}/edit").text
    assert 'value="1.250,50"' in edit and 'value="1.200"' in edit and 'value="M54.5, E11"' in edit
    page = _main(client.get(f"/solutions/{solution.slug}").text)
    assert "1.250,50 kr." in page and "pr. borger pr. år" in page and "arabisk" in page


# ---- the register archive (export and import of every table) -------------------------


def test_archive_exports_buyer_facts_and_studies(app: Any, tmp_path: Path) -> None:
    """The whole archive round trip (every table, these included) is tests/db/test_archive.py."""
    path = tmp_path / "register.zip"
    with app.state.engine.connect() as conn:
        export_archive(conn, path)
    with zipfile.ZipFile(path) as archive:
        solutions = [json.loads(line) for line in archive.read("tables/solution.jsonl").splitlines()]
        studies = [json.loads(line) for line in archive.read("tables/solution_study.jsonl").splitlines()]
    liva = next(s for s in solutions if s["slug"] == "liva")
    assert liva["price_dkk"] == "4500.00" and liva["indications"] == ["E11", "E66"]
    assert any(s["doi"] == "10.3390/nu14163424" and s["solution_id"] == liva["id"] for s in studies)


def test_every_buyer_fact_code_has_a_danish_and_an_english_label() -> None:
    kinds = {"study_design": enums.StudyDesign, "platform": enums.Platform, "licence_model": enums.LicenceModel,
             "price_unit": enums.PriceUnit, "payer": enums.Payer, "data_location": enums.DataLocation}
    for language in ("da", "en"):
        with (PROJECT_ROOT / "app/web/locale" / f"{language}.po").open("rb") as fh:
            labels = {m.id: m.string for m in read_po(fh, locale=language) if isinstance(m.id, str)}
        missing = [f"{kind}:{e.value}" for kind, enum in kinds.items() for e in enum
                   if not labels.get(f"{kind}:{e.value}")]
        assert not missing, f"{language}.po lacks {missing}"
