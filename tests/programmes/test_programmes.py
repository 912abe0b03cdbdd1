"""Spread programmes through the service, the JSON API, the pages and the PDF report: the
demo programmes' progress agrees with the benchmark's "in use", who may create and change
one, refused input names its field and writes nothing."""

from __future__ import annotations

import subprocess
from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select

from app.benchmark import services as benchmark
from app.catalogue.models import Organisation
from app.catalogue.regions import regions_on
from app.errors import ValidationFailed
from app.programmes import services as svc
from app.programmes.models import Programme
from app.reporting import render
from app.reporting import services as reports
from tests.helpers import unique


def body(**changes: Any) -> dict[str, Any]:
    data = {"name": f"Program {unique()}", "year": 2026, "owner": "national_body:sst",
            "treatment_areas": ["diabetes"], "solutions": ["liva"], "target_scope": "list",
            "organisations": ["municipality:169", "municipality:101"],
            "targets": [{"stage": "in_operation", "share": 0.5, "due": "2027-12-31"}],
            "milestones": [{"title": "Aftale indgået", "due": "2027-03-31"}]}
    return data | changes


def count(db: Any) -> int:
    return int(db.scalar(select(func.count()).select_from(Programme)))


# ---- the demo programmes -------------------------------------------------------------------------


def test_demo_programmes_are_listed(client: Any) -> None:
    r = client.get("/api/programmes")
    assert r.status_code == 200
    slugs = {p["slug"] for p in r.json()["items"]}
    assert {"kol-hjemmemonitorering", "ryg-og-diabetes", "digirehab-hjemmetraening",
            "kol-hospitaler-nord-midt"} <= slugs


def test_progress_of_all_municipalities_counts_the_benchmarks_in_use(client: Any, db: Any) -> None:
    view = client.get("/api/programmes/kol-hjemmemonitorering").json()
    assert view["total"] == 98 and sum(view["counts"].values()) == 98
    assert len(view["status_by_code"]) == 98 and view["status_by_code"]["169"] in view["counts"]
    regions = regions_on(db, date.fromisoformat(view["as_of"])).regions  # five in 2026, four from 2027
    assert sum(r["total"] for r in view["regions"]) == 98 and len(view["regions"]) == len(regions)
    solution_id = db.scalar(select(Programme).where(Programme.slug == "kol-hjemmemonitorering")).solutions[0].id
    using = benchmark.adoption_of(db, [solution_id])[solution_id]["organisations"]
    municipalities_in_use = {o["id"] for o in using if o["in_use"] and o["kind"] == "municipality"}
    assert view["counts"]["in_operation"] == len(municipalities_in_use)
    assert {o["id"] for o in view["organisations"] if o["stage"] == "in_operation"} == municipalities_in_use
    target = next(t for t in view["targets"] if t["stage"] == "in_operation")
    assert target["share"] == 0.8 and target["path"][-1]["share"] == pytest.approx(len(municipalities_in_use) / 98)
    assert target["forecast"]["share_now"] == target["path"][-1]["share"]


def test_hospitals_of_chosen_regions(client: Any, db: Any) -> None:
    regions = db.scalars(select(Organisation.id).where(Organisation.kind == "region",
                                                       Organisation.code.in_(["1081", "1082"]))).all()
    hospitals = db.scalar(select(func.count()).select_from(Organisation).where(
        Organisation.kind == "hospital", Organisation.region_id.in_(regions)))
    view = client.get("/api/programmes/kol-hospitaler-nord-midt").json()
    assert view["total"] == hospitals > 0
    assert {o["kind"] for o in view["organisations"]} == {"hospital"}
    assert view["status_by_code"] == {}  # no municipalities: nothing for the map


def test_candidates_are_approved_and_the_approved_first(client: Any) -> None:
    items = client.get("/api/programmes/candidates").json()
    assert items and len(items) <= 10
    approvals = [i["approval"] for i in items]
    assert set(approvals) <= {"approved", "temporarily_approved"}
    assert approvals == sorted(approvals, key=lambda a: a != "approved")
    # every candidate is a published solution of the register (other tests approve their own too)
    assert all(client.get(f"/api/solutions/{i['solution']}").status_code == 200 for i in items)


# ---- creating and changing ---------------------------------------------------------------------


def test_admin_creates_and_changes_a_programme(client: Any, auth: Any) -> None:
    data = body()
    r = client.post("/api/programmes", json=data, headers=auth("admin"))
    assert r.status_code == 201, r.text
    created = r.json()
    assert set(created["organisations"]) == {"municipality:101", "municipality:169"}
    view = client.get(f"/api/programmes/{created['slug']}").json()
    assert view["total"] == 2 and view["programme"]["milestones"][0]["title"] == "Aftale indgået"
    changed = data | {"name": data["name"] + " (ændret)", "version": created["version"],
                      "target_scope": "all_municipalities", "organisations": []}
    r = client.put(f"/api/programmes/{created['slug']}", json=changed, headers=auth("admin"))
    assert r.status_code == 200, r.text
    assert client.get(f"/api/programmes/{created['slug']}").json()["total"] == 98
    stale = client.put(f"/api/programmes/{created['slug']}", json=changed, headers=auth("admin"))
    assert stale.status_code == 409
    unversioned = client.put(f"/api/programmes/{created['slug']}", json=changed | {"version": None},
                             headers=auth("admin"))
    assert unversioned.status_code == 400 and "version" in unversioned.json()["errors"]


@pytest.mark.parametrize("role", ["procurement", "approver", "org_reporter", "vendor", "assessor"])
def test_only_admin_may_create(client: Any, auth: Any, db: Any, role: str) -> None:
    before = count(db)
    r = client.post("/api/programmes", json=body(), headers=auth(role))
    assert r.status_code == 403
    r = client.put("/api/programmes/kol-hjemmemonitorering", json=body(version=1), headers=auth(role))
    assert r.status_code == 403
    assert count(db) == before


def test_anonymous_may_read_but_not_write(client: Any, db: Any) -> None:
    before = count(db)
    assert client.post("/api/programmes", json=body()).status_code == 401
    assert client.get("/api/programmes/kol-hjemmemonitorering").status_code == 200
    assert count(db) == before


@pytest.mark.parametrize(("changes", "field", "words"), [
    ({"solutions": ["omaolo"]}, "solutions", "Omaolo"),  # rejected
    ({"solutions": ["gravitryg"]}, "solutions", "only approved or temporarily approved"),  # applied only
    ({"solutions": ["hjerterehab-hjemme", "liva"]}, "solutions", "not approved today"),  # never applied
    ({"solutions": ["no-such-solution"]}, "solutions", "unknown solution"),
    ({"treatment_areas": ["nope"]}, "treatment_areas", "nope"),
    ({"owner": "municipality:169"}, "owner", "national body or a region"),
    ({"owner": "national_body:nope"}, "owner", "national body or a region"),
    ({"target_scope": "region_hospitals", "organisations": []}, "target_regions", "regions"),
    ({"target_scope": "region_hospitals", "organisations": [], "target_regions": ["9999"]}, "target_regions",
     "9999"),
    ({"target_scope": "list", "organisations": ["municipality:0000"]}, "organisations", "municipality:0000"),
    ({"target_scope": "all_municipalities"}, "organisations", "only the scope list"),
    ({"targets": [{"stage": "in_operation", "share": 0.5, "due": "2025-12-31"}]}, "targets", "2026"),
])
def test_bad_input_names_the_field_and_writes_nothing(client: Any, auth: Any, db: Any, changes: dict[str, Any],
                                                      field: str, words: str) -> None:
    before = count(db)
    r = client.post("/api/programmes", json=body(**changes), headers=auth("admin"))
    assert r.status_code == 400, r.text
    assert words in r.json()["errors"][field]
    assert count(db) == before


@pytest.mark.parametrize("changes", [
    {"targets": [{"stage": "in_operation", "share": 1.5, "due": "2027-12-31"}]},
    {"targets": [{"stage": "not_started", "share": 0.5, "due": "2027-12-31"}]},
    {"targets": []}, {"solutions": []}, {"year": 1999}, {"target_scope": "everyone"},
    {"targets": [{"stage": "in_operation", "share": 0.5, "due": "31.12.2027"}]},
    {"solutions": [f"s{i}" for i in range(11)]}, {"unknown": 1},
])
def test_malformed_bodies_are_400(client: Any, auth: Any, db: Any, changes: dict[str, Any]) -> None:
    before = count(db)
    r = client.post("/api/programmes", json=body(**changes), headers=auth("admin"))
    assert r.status_code == 400, r.text
    assert count(db) == before


def test_unknown_programme_is_404(client: Any) -> None:
    assert client.get("/api/programmes/no-such-programme").status_code == 404
    assert client.get("/programmes/no-such-programme").status_code == 404
    assert client.get("/programmes/organisations/municipality:0000").status_code == 404


def test_service_refuses_without_permission(db: Any) -> None:
    from app.core.principal import ANONYMOUS_PRINCIPAL
    from app.errors import Unauthenticated
    from app.programmes.schemas import ProgrammeIn

    with pytest.raises(Unauthenticated):
        svc.save(db, ANONYMOUS_PRINCIPAL, ProgrammeIn.model_validate(body()))


# ---- pages ---------------------------------------------------------------------------------------


def test_list_page(client: Any) -> None:
    r = client.get("/programmes")
    assert r.status_code == 200
    assert "KOL-hjemmemonitorering i alle kommuner" in r.text and "Kandidater til udbredelse" in r.text


def test_programme_page(client: Any) -> None:
    r = client.get("/programmes/kol-hjemmemonitorering?as_of=31.12.2026")
    assert r.status_code == 200
    text = r.text
    assert "80 % i drift senest 31. dec. 2027" in text and "<svg" in text and "Prognose i dagens tempo" in text
    assert "Region Hovedstaden" in text and "Længst bagud" in text
    assert 'name="programme" value="kol-hjemmemonitorering"' in text  # the report form


def test_leaders_are_only_those_that_started(client: Any) -> None:
    r = client.get("/programmes/kol-hospitaler-nord-midt")  # the demo has no hospital using it
    assert r.status_code == 200 and "Ingen i målgruppen er gået i gang endnu." in r.text


def test_organisation_pages(client: Any) -> None:
    r = client.get("/programmes/organisations/municipality:169")
    assert r.status_code == 200 and "KOL-hjemmemonitorering i alle kommuner" in r.text
    panel = client.get("/programmes/organisations/municipality:169/panel")
    assert panel.status_code == 200 and "/programmes/kol-hjemmemonitorering" in panel.text
    assert "<html" not in panel.text
    hospital = client.get("/programmes/organisations/region:1084/panel")
    assert hospital.status_code == 200 and "ikke i målgruppen" in hospital.text
    bench = client.get("/benchmark/organisations/municipality:169")
    assert 'hx-get="/programmes/organisations/municipality:169/panel"' in bench.text


def test_english_page(client: Any) -> None:
    r = client.get("/programmes/kol-hjemmemonitorering?lang=en")
    assert r.status_code == 200 and "80 % in operation by 31 Dec 2027" in r.text


# ---- the PDF report --------------------------------------------------------------------------------


def _pdf_text(pdf: bytes) -> str:
    done = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True)
    return done.stdout.decode()


def test_programme_report_pdf(db: Any) -> None:
    from app.core.principal import ANONYMOUS_PRINCIPAL

    req = reports.ReportRequest("programme", programme="kol-hjemmemonitorering")
    context = reports.build(db, req, principal=ANONYMOUS_PRINCIPAL)
    text = _pdf_text(render.html_to_pdf(render.render_html(context)))
    for words in ("Udbredelsesprogram", "KOL-hjemmemonitorering i alle kommuner", "Regionerne", "Længst bagud",
                  "Længst fremme", "80 % i drift senest 31. dec. 2027", "Region Syddanmark", "Metode og datakilder",
                  "Sundhedsstyrelsen"):
        assert words in text, words
    assert "in_operation" not in text and "not_started" not in text


def test_programme_report_request_is_checked(db: Any) -> None:
    with pytest.raises(ValidationFailed) as refused:
        reports.ReportRequest("programme").validate()
    assert "programme" in refused.value.errors
    with pytest.raises(ValidationFailed) as refused:
        reports.ReportRequest("programme", programme="kol-hjemmemonitorering", region="1084").validate()
    assert "region" in refused.value.errors


def test_report_started_from_the_api(client: Any, auth: Any) -> None:
    r = client.post("/api/reports", json={"kind": "programme", "programme": "no-such-programme"},
                    headers=auth("admin"))
    assert r.status_code == 400 and "programme" in r.json()["errors"]
    page = client.get("/reports")
    assert 'id="programme-programme"' in page.text


# ---- the regions of the day asked for, and the map ----------------------------------------------


def _region_totals(view: dict[str, Any]) -> dict[str, int]:
    return {r["code"]: r["total"] for r in view["regions"]}


def test_regions_are_those_of_the_day_asked(client: Any) -> None:
    """Hand-checked: Nordjylland 11, Midtjylland 19, Syddanmark 22, Hovedstaden 29 and Sjælland
    17 municipalities; from 1.1.2027 Østdanmark has the 29 + 17 = 46."""
    before = client.get("/api/programmes/kol-hjemmemonitorering?as_of=2026-12-31").json()
    after = client.get("/api/programmes/kol-hjemmemonitorering?as_of=2027-01-01").json()
    assert _region_totals(before) == {"1081": 11, "1082": 19, "1083": 22, "1084": 29, "1085": 17}
    assert _region_totals(after) == {"1081": 11, "1082": 19, "1083": 22, "oest-intern": 46}
    assert before["total"] == after["total"] == 98
    by_name = {r["name"] for r in after["regions"]}
    assert "Region Østdanmark" in by_name and "Region Hovedstaden" not in by_name
    hvidovre = next(o for o in after["organisations"] if o["ref"] == "municipality:167")
    assert hvidovre["region"] == "Region Østdanmark"


def test_region_rows_follow_the_regions_of_the_day(db: Any) -> None:
    programme = db.scalar(select(Programme).where(Programme.slug == "kol-hjemmemonitorering"))
    for day, regions in ((date(2026, 12, 31), 5), (date(2027, 1, 1), 4)):
        prog = svc.programme_progress(db, programme, day)
        rows = svc.region_rows(prog, "da")
        assert len(rows) == regions and sum(r["total"] for r in rows) == 98
        assert sum(sum(r["counts"].values()) for r in rows) == 98


def test_hospitals_of_an_ended_region_stay_the_same(client: Any, auth: Any, db: Any) -> None:
    r = client.post("/api/programmes", json=body(target_scope="region_hospitals", target_regions=["1084"],
                                                 organisations=[]), headers=auth("admin"))
    assert r.status_code == 201, r.text
    slug = r.json()["slug"]
    before = client.get(f"/api/programmes/{slug}?as_of=2026-12-31").json()
    after = client.get(f"/api/programmes/{slug}?as_of=2027-01-01").json()
    assert before["total"] == after["total"] > 0
    assert {o["ref"] for o in before["organisations"]} == {o["ref"] for o in after["organisations"]}
    assert _region_totals(before) == {"1084": before["total"]}
    assert _region_totals(after) == {"oest-intern": after["total"]}


def test_bad_day_names_the_field(client: Any) -> None:
    r = client.get("/api/programmes/kol-hjemmemonitorering?as_of=31.13.2026")
    assert r.status_code == 400 and "as_of" in r.json()["errors"]
    page = client.get("/programmes/kol-hjemmemonitorering?as_of=igår")
    assert page.status_code == 400


def test_programme_page_shows_the_map_and_the_regions_day(client: Any) -> None:
    r = client.get("/programmes/kol-hjemmemonitorering?as_of=1.1.2027")
    assert r.status_code == 200
    text = r.text
    assert 'id="map-stages"' in text and 'id="map-stages-table"' in text
    assert "Kommunerne i målgruppen efter status" in text and "Kommunegrænser: Geodatastyrelsen" in text
    assert text.count('data-code="') == 98 and "Region Østdanmark" in text
    assert "Regionerne, som de gælder den 1. jan. 2027" in text
    for stage in ("Ikke startet", "Planlagt", "Implementerer", "I drift"):
        assert stage in text, stage
    english = client.get("/programmes/kol-hjemmemonitorering?lang=en")
    assert "The target municipalities by stage" in english.text


def test_no_map_without_target_municipalities(client: Any) -> None:
    r = client.get("/programmes/kol-hospitaler-nord-midt")
    assert r.status_code == 200 and 'id="map-stages"' not in r.text


def test_stage_map_colours_every_target_municipality(db: Any) -> None:
    from app.programmes import maps

    programme = db.scalar(select(Programme).where(Programme.slug == "kol-hjemmemonitorering"))
    stages = svc.status_by_code(svc.programme_progress(db, programme))
    figure = maps.stage_map(stages, "da")
    assert figure is not None and len(figure.rows) == 98
    assert all(r.css_class != "map-none" for r in figure.rows)
    in_operation = [r for r in figure.rows if r.text == "I drift"]
    assert len(in_operation) == sum(1 for s in stages.values() if s == "in_operation")
    assert maps.stage_map({}, "da") is None
    partial = maps.stage_map({"101": "planned"}, "da")
    assert partial is not None and sum(r.text == "Ikke i målgruppen" for r in partial.rows) == 97


def test_programme_report_has_the_map_only_with_municipalities(db: Any) -> None:
    from app.core.principal import ANONYMOUS_PRINCIPAL

    def text(slug: str) -> str:
        context = reports.build(db, reports.ReportRequest("programme", programme=slug), principal=ANONYMOUS_PRINCIPAL)
        return _pdf_text(render.html_to_pdf(render.render_html(context)))

    municipalities = text("kol-hjemmemonitorering")
    for words in ("Kommunerne på kortet", "Geodatastyrelsen", "Ikke i målgruppen",
                  "Regionerne, som de gælder den"):
        assert words in municipalities, words
    assert "Kommunerne på kortet" not in text("kol-hospitaler-nord-midt")
