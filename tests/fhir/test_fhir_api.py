"""The FHIR directory: every resource it answers with validated (fhir.resources), searches,
paging, errors as OperationOutcome, and a client syncing the register while it changes.
Writes go to a scratch database of the module's own."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any
from urllib.parse import quote

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import select

from app.approvals.models import ApprovalCase
from app.audit.hook import set_actor
from app.catalogue.models import Solution, TreatmentArea, Vendor
from app.fhir import canonical as c
from tests.fhir.helpers import SyncClient, walk
from tests.fhir.r4 import fhir_json
from tests.scratch import scratch_app


@pytest.fixture(scope="module")
def fhir_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Litestar]:
    with scratch_app(tmp_path_factory.mktemp("fhir"), "fhir") as app:
        yield app


@pytest.fixture()
def fc(fhir_app: Litestar) -> Iterator[TestClient[Litestar]]:
    with TestClient(fhir_app) as client:
        yield client


def published_ids(app: Litestar) -> set[str]:
    with app.state.session_factory() as s:
        return {str(i) for i in s.scalars(select(Solution.id).where(Solution.published.is_(True)))}


def edit(app: Litestar, change: Any) -> Any:
    with app.state.session_factory() as s, s.begin():
        set_actor(s, None, "tests:fhir")
        return change(s)


def by_slug(s: Any, slug: str) -> Solution:
    solution = s.scalar(select(Solution).where(Solution.slug == slug))
    assert solution is not None
    return solution


def ids_of(bundle: dict[str, Any]) -> list[str]:
    return [e["resource"]["id"] for e in bundle.get("entry", []) if e["search"]["mode"] == "match"]


# ---- every demo record, validated -------------------------------------------------------------


def test_every_resource_of_the_demo_register_is_valid_fhir(fhir_app: Litestar, fc: Any) -> None:
    for resource in ("DeviceDefinition", "Organization", "CatalogEntry"):
        found = walk(fc, f"/fhir/{resource}?_count=5").matches
        assert found, resource
        for item in found:  # a read answers what the search did
            assert fhir_json(fc.get(f"/fhir/{resource}/{item['id']}")) == item
    solutions = walk(fc, "/fhir/DeviceDefinition?_count=200").matches
    assert {r["id"] for r in solutions} == published_ids(fhir_app)
    assert all(r["meta"]["profile"] == [c.SOLUTION_PROFILE] for r in solutions)
    with fhir_app.state.session_factory() as s:
        held = {str(x.id): (x.indications, x.contraindications) for x in s.scalars(select(Solution))}
    for r in solutions:  # the profile's ICD-10 extensions carry what the register holds
        coded = {url: [e["valueCoding"]["code"] for e in r["extension"] if e["url"] == url]
                 for url in (c.INDICATION_EXTENSION, c.CONTRAINDICATION_EXTENSION)}
        assert (coded[c.INDICATION_EXTENSION], coded[c.CONTRAINDICATION_EXTENSION]) == held[r["id"]]
    assert any(codes for _, codes in held.values())


def test_a_device_definition_carries_the_register_facts(fhir_app: Litestar, fc: Any) -> None:
    with fhir_app.state.session_factory() as s:
        case = s.scalar(select(ApprovalCase).where(ApprovalCase.register_number.is_not(None))
                        .order_by(ApprovalCase.id))
        solution = s.get(Solution, case.solution_id)
        number, slug = case.register_number, solution.slug
        updated = max(solution.updated_at, case.updated_at)
    bundle = fhir_json(fc.get("/fhir/DeviceDefinition", params={"identifier": number}))
    assert bundle["total"] == 1
    resource = bundle["entry"][0]["resource"]
    assert {"system": c.REGISTER_NUMBER_SYSTEM, "value": number} in resource["identifier"]
    assert {"system": c.SOLUTION_SLUG_SYSTEM, "value": slug} in resource["identifier"]
    assert datetime.fromisoformat(resource["meta"]["lastUpdated"]) == updated
    liva = fhir_json(fc.get("/fhir/DeviceDefinition", params={"identifier": "liva"}))["entry"][0]["resource"]
    urls = Counter(e["url"] for e in liva["extension"])
    assert urls[c.INDICATION_EXTENSION] and urls[c.TREATMENT_AREA_EXTENSION] and urls[c.PRICE_EXTENSION] == 1
    indications = [e["valueCoding"] for e in liva["extension"] if e["url"] == c.INDICATION_EXTENSION]
    assert all(i["system"] == c.ICD10_SYSTEM for i in indications)
    price = next(e for e in liva["extension"] if e["url"] == c.PRICE_EXTENSION)
    assert price["extension"][0]["valueMoney"]["currency"] == "DKK"
    assert liva["manufacturerReference"]["reference"].startswith("Organization/")


def test_include_adds_each_manufacturer_once(fc: Any) -> None:
    bundle = fhir_json(fc.get("/fhir/DeviceDefinition", params={
        "_count": 50, "_include": "DeviceDefinition:manufacturer"}))
    matches = [e["resource"] for e in bundle["entry"] if e["search"]["mode"] == "match"]
    included = [e["resource"] for e in bundle["entry"] if e["search"]["mode"] == "include"]
    assert {f"Organization/{o['id']}" for o in included} == {m["manufacturerReference"]["reference"] for m in matches}
    assert len(included) == len({o["id"] for o in included})
    assert all(o["resourceType"] == "Organization" for o in included)
    plain = fhir_json(fc.get("/fhir/DeviceDefinition", params={"_count": 50}))
    assert all(e["search"]["mode"] == "match" for e in plain["entry"])


def test_catalog_entries_are_the_public_register(fc: Any) -> None:
    register = fc.get("/api/register", params={"limit": 200}).json()["items"]
    entries = walk(fc, "/fhir/CatalogEntry?_count=3").matches
    assert sorted(e["identifier"][0]["value"] for e in entries) == sorted(r["register_number"] for r in register)
    statuses = {r["register_number"]: r["status"] for r in register}
    for entry in entries:
        status = entry["additionalCharacteristic"][0]["coding"][0]
        assert status["system"] == c.APPROVAL_STATUS_SYSTEM
        assert status["code"] == statuses[entry["identifier"][0]["value"]]
        assert entry["status"] == ("active" if status["code"] in ("approved", "temporarily_approved") else "retired")
        (link,) = entry["extension"]
        assert link["url"] == c.REGISTER_ENTRY_SOLUTION_EXTENSION
        solution = fhir_json(fc.get(f"/fhir/{link['valueReference']['reference']}"))
        assert entry["referencedItem"] == {"identifier": solution["identifier"][0],
                                           "display": solution["deviceName"][0]["name"]}
    approved = fhir_json(fc.get("/fhir/CatalogEntry", params={"status": "approved"}))
    assert approved["total"] == sum(1 for s in statuses.values() if s == "approved")


def test_a_register_entry_applying_again_is_valid_fhir(fhir_app: Litestar, fc: Any) -> None:
    """A solution keeps its register number when it applies again after a rejection,
    revocation or expiry: its entry then reads "applied", a code of the bound value set."""
    def reapply(s: Any) -> tuple[int, str]:
        case = s.scalars(select(ApprovalCase).where(ApprovalCase.register_number.is_not(None))
                         .order_by(ApprovalCase.id)).first()
        before = case.status
        case.status = "applied"
        return case.id, before

    case_id, before = edit(fhir_app, reapply)
    try:
        entry = fhir_json(fc.get(f"/fhir/CatalogEntry/{case_id}"))
        assert entry["additionalCharacteristic"][0]["coding"][0]["code"] == "applied"
        assert entry["status"] == "retired"
    finally:
        edit(fhir_app, lambda s: setattr(s.get(ApprovalCase, case_id), "status", before))


@pytest.mark.parametrize(("params", "slugs"), [
    ({"identifier": "selfback"}, {"selfback"}),
    ({"identifier": f"{c.SOLUTION_SLUG_SYSTEM}|selfback,liva"}, {"selfback", "liva"}),
    ({"identifier": "https://example.org/other|selfback"}, set()),
    ({"name": "FÆLLES"}, {"faelles-medicinkort"}),
    ({"name": "medicinkort"}, {"medicinkortet-app"}),
    ({"name:contains": "medicinkort"}, {"faelles-medicinkort", "medicinkortet-app"}),
    ({"name:exact": "Liva"}, {"liva"}),
    ({"name:exact": "liva"}, set()),
    ({"name": "100%"}, set()),
])
def test_search_parameters_find_what_they_say(fhir_app: Litestar, fc: Any, params: dict[str, str],
                                              slugs: set[str]) -> None:
    found = walk(fc, "/fhir/DeviceDefinition?" + "&".join(f"{k}={v}" for k, v in params.items())).matches
    assert {i["value"] for r in found for i in r["identifier"] if i["system"] == c.SOLUTION_SLUG_SYSTEM} == slugs


def test_treatment_area_and_status_filter(fhir_app: Litestar, fc: Any) -> None:
    with fhir_app.state.session_factory() as s:
        diabetes = {str(x.id) for x in s.scalars(select(Solution).where(Solution.published.is_(True)))
                    if any(a.code == "diabetes" for a in x.treatment_areas)}
        approved = {str(x.solution_id) for x in s.scalars(select(ApprovalCase).where(
            ApprovalCase.register_number.is_not(None), ApprovalCase.status == "approved"))}
    assert diabetes and approved
    area = walk(fc, f"/fhir/DeviceDefinition?treatment-area={c.TREATMENT_AREA_SYSTEM}|diabetes").matches
    assert {r["id"] for r in area} == diabetes
    status = walk(fc, "/fhir/DeviceDefinition?status=approved").matches
    assert {r["id"] for r in status} == approved & published_ids(fhir_app)


def test_last_updated_ranges_at_every_precision(fhir_app: Litestar, fc: Any) -> None:
    everything = walk(fc, "/fhir/DeviceDefinition?_count=200").matches
    times = sorted(datetime.fromisoformat(r["meta"]["lastUpdated"]) for r in everything)
    year = times[0].year
    assert len(walk(fc, f"/fhir/DeviceDefinition?_count=200&_lastUpdated={year}").matches) == sum(
        1 for t in times if t.year == year)
    assert walk(fc, f"/fhir/DeviceDefinition?_lastUpdated=lt{year}").matches == []
    middle = times[len(times) // 2]
    stamp = middle.isoformat().replace("+00:00", "Z")
    newer = walk(fc, f"/fhir/DeviceDefinition?_count=200&_lastUpdated=gt{stamp}").matches
    assert len(newer) == sum(1 for t in times if t > middle)
    at_or_before = walk(fc, f"/fhir/DeviceDefinition?_count=200&_lastUpdated=le{stamp}").matches
    assert len(at_or_before) + len(newer) == len(times)
    second = middle.replace(microsecond=0).astimezone(timezone(timedelta(hours=1)))
    minute = second.replace(second=0)
    for query, expected in ((f"ge{second.isoformat()}", lambda t: t >= second),
                            (f"gt{second.isoformat()}", lambda t: t >= second + timedelta(seconds=1)),
                            (f"gt{minute:%Y-%m-%dT%H:%M}+01:00", lambda t: t >= minute + timedelta(minutes=1)),
                            (f"eq{minute:%Y-%m-%dT%H:%M}+01:00",
                             lambda t: minute <= t < minute + timedelta(minutes=1))):
        found = walk(fc, f"/fhir/DeviceDefinition?_count=200&_lastUpdated={quote(query)}").matches
        assert len(found) == sum(1 for t in times if expected(t)), query
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).date().isoformat()
    assert walk(fc, f"/fhir/DeviceDefinition?_lastUpdated=ge{tomorrow}").matches == []


def test_count_and_paging(fc: Any) -> None:
    whole = fhir_json(fc.get("/fhir/DeviceDefinition", params={"_count": 200}))
    pages = walk(fc, "/fhir/DeviceDefinition?_count=4")
    assert [r["id"] for r in pages.matches] == ids_of(whole)
    assert all(b["total"] == whole["total"] for b in pages.bundles)
    assert len(pages.bundles) == -(-whole["total"] // 4)
    assert "next" not in {link["relation"] for link in pages.bundles[-1]["link"]}
    only_total = fhir_json(fc.get("/fhir/DeviceDefinition", params={"_count": 0}))
    assert (only_total["total"] == whole["total"] and "entry" not in only_total) or not only_total["entry"]
    assert len(ids_of(fhir_json(fc.get("/fhir/DeviceDefinition")))) == min(20, whole["total"])
    link = fhir_json(fc.get("/fhir/DeviceDefinition?_count=2", headers={"Host": "evil.example"}))["link"]
    assert all(x["url"].startswith("http://127.0.0.1:8000/fhir/") for x in link)


@pytest.mark.parametrize(("query", "status", "names"), [
    ("/fhir/DeviceDefinition?foo=1", 400, "foo"),
    ("/fhir/DeviceDefinition?_sort=name", 400, "_sort"),
    ("/fhir/DeviceDefinition?name:below=x", 400, "name:below"),
    ("/fhir/DeviceDefinition?status=godkendt", 400, "status"),
    ("/fhir/DeviceDefinition?_lastUpdated=yesterday", 400, "_lastUpdated"),
    ("/fhir/DeviceDefinition?_lastUpdated=2026-12-04T10:00", 400, "_lastUpdated"),
    ("/fhir/DeviceDefinition?_lastUpdated=2026-02-30", 400, "_lastUpdated"),
    ("/fhir/DeviceDefinition?_lastUpdated=ap2026", 400, "_lastUpdated"),
    ("/fhir/DeviceDefinition?_count=201", 400, "_count"),
    ("/fhir/DeviceDefinition?_count=-1", 400, "_count"),
    ("/fhir/DeviceDefinition?_cursor=abc", 400, "_cursor"),
    ("/fhir/DeviceDefinition?_cursor=999999999999999999-1", 400, "_cursor"),
    ("/fhir/DeviceDefinition?_include=DeviceDefinition:parent", 400, "_include"),
    ("/fhir/Organization?_include=DeviceDefinition:manufacturer", 400, "_include"),
    ("/fhir/Organization?status=approved", 400, "status"),
    ("/fhir/DeviceDefinition?name=", 400, "name"),
    ("/fhir/DeviceDefinition?_format=bogus", 400, "_format"),
    ("/fhir/DeviceDefinition?_format=xml", 406, "_format"),
    ("/fhir/DeviceDefinition/1?_format=application/fhir%2Bxml", 406, "_format"),
    ("/fhir/DeviceDefinition/1?name=x", 400, "name"),
    ("/fhir/DeviceDefinition/999999999", 404, "DeviceDefinition/999999999"),
    ("/fhir/DeviceDefinition/selfback", 404, "DeviceDefinition/selfback"),
    ("/fhir/Organization/0", 404, "Organization/0"),
    ("/fhir/CatalogEntry/99999999999999999999", 404, "CatalogEntry/"),
])
def test_errors_are_operation_outcomes_naming_the_parameter(fc: Any, query: str, status: int, names: str) -> None:
    outcome = fhir_json(fc.get(query), status)
    assert outcome["resourceType"] == "OperationOutcome"
    assert names in outcome["issue"][0]["diagnostics"]


def test_formats(fc: Any) -> None:
    for fmt in ("json", "application/json", "application/fhir+json"):
        fhir_json(fc.get("/fhir/Organization", params={"_format": fmt}))
    fhir_json(fc.get("/fhir/Organization", headers={"Accept": "application/fhir+xml"}), 406)
    fhir_json(fc.get("/fhir/Organization", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}))


def test_organizations_carry_the_cvr(fhir_app: Litestar, fc: Any) -> None:
    cvr = "10150817"  # modulus 11 valid
    vendor_id = edit(fhir_app, lambda s: _set_cvr(s, cvr))
    found = fhir_json(fc.get("/fhir/Organization", params={"identifier": f"{c.CVR_SYSTEM}|{cvr}"}))
    assert ids_of(found) == [str(vendor_id)]
    assert found["entry"][0]["resource"]["identifier"] == [{"system": c.CVR_SYSTEM, "value": cvr}]
    with fhir_app.state.session_factory() as s:
        assert walk(fc, "/fhir/Organization?_count=200").matches.__len__() == len(s.scalars(select(Vendor)).all())


def _set_cvr(s: Any, cvr: str) -> int:
    vendor = s.get(Vendor, by_slug(s, "selfback").vendor_id)
    vendor.cvr = cvr
    return int(vendor.id)


# ---- sync: a client keeps exactly the published register ----------------------------------------


def _new_solution(s: Any, name: str, published: bool) -> int:
    selfback = by_slug(s, "selfback")
    solution = Solution(slug=f"fhir-{name.lower().replace(' ', '-')}", name=name, vendor_id=selfback.vendor_id,
                        short_description_da=f"Om {name}", purpose="treatment", target_users="citizen",
                        origin="private", country="DK", published=published, price_dkk=Decimal("1250.50"),
                        treatment_areas=[s.scalar(select(TreatmentArea).where(TreatmentArea.code == "diabetes"))])
    s.add(solution)
    s.flush()
    return int(solution.id)


def _rename(slug: str, name: str) -> Any:
    def change(s: Any) -> None:
        by_slug(s, slug).name = name
    return change


def _publish(slug: str, published: bool) -> Any:
    def change(s: Any) -> None:
        by_slug(s, slug).published = published
    return change


def test_a_client_syncs_the_register_while_it_changes(fhir_app: Litestar, fc: Any) -> None:
    client = SyncClient(fc)
    first_ids: list[str] = []

    def change_while_walking(page: int) -> None:
        if page == 2:  # one record already walked past, one still ahead, one new
            edit(fhir_app, _rename("selfback", "SelfBack Ærø"))
            edit(fhir_app, _rename("liva", "Liva Østerbro"))
            edit(fhir_app, lambda s: _new_solution(s, "Ny Åbenrå", published=True))

    during = walk(fc, "/fhir/DeviceDefinition?_count=5", between_pages=change_while_walking)
    first_ids = [r["id"] for r in during.matches]
    counts = Counter(first_ids)
    with fhir_app.state.session_factory() as s:
        changed = {str(by_slug(s, slug).id) for slug in ("selfback", "liva", "fhir-ny-åbenrå")}
    assert all(n == 1 for i, n in counts.items() if i not in changed), "an unchanged record was walked twice"
    assert set(first_ids) == published_ids(fhir_app), "the walk missed a record"

    client.sync()
    assert set(client.held) == published_ids(fhir_app)
    edit(fhir_app, _rename("digirehab", "DigiRehab Ærøskøbing"))
    hidden = edit(fhir_app, lambda s: _new_solution(s, "Skjult kladde", published=False))
    edit(fhir_app, _publish("kommunal-pro", False))
    new = edit(fhir_app, lambda s: _new_solution(s, "Helt Ny", published=True))
    client.sync()
    assert set(client.held) == published_ids(fhir_app)
    assert str(hidden) not in client.held and str(new) in client.held
    fresh = {r["id"]: r for r in walk(fc, "/fhir/DeviceDefinition?_count=200").matches}
    assert client.held == fresh
    assert any(n["name"] == "DigiRehab Ærøskøbing" for r in client.held.values() for n in r["deviceName"])
    assert "Skjult kladde" not in fc.get("/fhir/DeviceDefinition?_count=200&name:contains=skjult").text
    with fhir_app.state.session_factory() as s:
        gone = str(by_slug(s, "kommunal-pro").id)
    fhir_json(fc.get(f"/fhir/DeviceDefinition/{gone}"), 404)
    fhir_json(fc.get(f"/fhir/DeviceDefinition/{hidden}"), 404)
    assert fhir_json(fc.get("/fhir/DeviceDefinition", params={"name:contains": "ærø"}))["total"] == 2


def test_an_unpublished_solutions_register_entry_vanishes(fhir_app: Litestar, fc: Any) -> None:
    entries = walk(fc, "/fhir/CatalogEntry").matches
    target = entries[0]
    solution_id = int(target["extension"][0]["valueReference"]["reference"].split("/")[1])
    edit(fhir_app, lambda s: setattr(s.get(Solution, solution_id), "published", False))
    fhir_json(fc.get(f"/fhir/CatalogEntry/{target['id']}"), 404)
    number = target["identifier"][0]["value"]
    assert fhir_json(fc.get("/fhir/CatalogEntry", params={"identifier": number}))["total"] == 0
    assert fhir_json(fc.get("/fhir/DeviceDefinition", params={"identifier": number}))["total"] == 0


def test_a_change_of_treatment_areas_alone_is_a_change(fhir_app: Litestar, fc: Any) -> None:
    before = fhir_json(fc.get("/fhir/DeviceDefinition", params={"identifier": "digirehab"}))["entry"][0]["resource"]

    def add_area(s: Any) -> None:
        solution = by_slug(s, "digirehab")
        codes = {a.code for a in solution.treatment_areas}
        solution.treatment_areas.append(s.scalar(select(TreatmentArea).where(TreatmentArea.code.not_in(codes))))
    edit(fhir_app, add_area)
    changed = walk(fc, "/fhir/DeviceDefinition?_lastUpdated=gt" + quote(before["meta"]["lastUpdated"])).matches
    assert before["id"] in {r["id"] for r in changed}
