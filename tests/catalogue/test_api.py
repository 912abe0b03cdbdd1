"""The catalogue JSON API against a real, migrated database."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from app.audit.models import AuditEvent
from app.catalogue.models import Vendor
from tests.helpers import unique


def _vendor_id(db: Any, name: str = "SelfBack") -> int:
    vendor_id = db.scalar(select(Vendor.id).where(Vendor.name == name))
    assert vendor_id is not None
    return vendor_id


def _solution_body(db: Any, **overrides: Any) -> dict[str, Any]:
    body = {"name": unique("Rygtræner"), "vendor_id": _vendor_id(db),
            "short_description_da": "Træning mod lænderygsmerter", "purpose": "treatment",
            "treatment_areas": ["laenderygsmerter"], "target_users": "citizen", "origin": "private",
            "country": "dk", "regulatory_class": "ce_i", "regulation": "mdr", "trl": 7}
    return body | overrides


def test_health_reports_database_and_search_backend(client: Any, settings: Any) -> None:
    body = client.get("/health").json()
    assert body["database"] == settings.database_kind
    assert body["search_backend"]


def test_list_envelope_and_filter(client: Any) -> None:
    body = client.get("/api/solutions", params={"treatment_area": "laenderygsmerter", "limit": 5}).json()
    assert set(body) == {"items", "total", "limit", "offset"}
    assert body["limit"] == 5 and body["offset"] == 0
    assert body["total"] >= 1
    assert all(any(t["code"] == "laenderygsmerter" for t in s["treatment_areas"]) for s in body["items"])


def test_anonymous_sees_only_published(client: Any, auth: Any) -> None:
    anonymous = client.get("/api/solutions", params={"published": "false"}).json()
    staff = client.get("/api/solutions", params={"published": "false"}, headers=auth("assessor")).json()
    assert anonymous["total"] == 0
    assert staff["total"] >= 1


def test_create_update_and_audit(client: Any, auth: Any, db: Any) -> None:
    created = client.post("/api/solutions", json=_solution_body(db), headers=auth("procurement"))
    assert created.status_code == 201, created.text
    solution = created.json()
    assert solution["country"] == "DK" and solution["version"] == 1

    body = _solution_body(db, name=solution["name"], trl=9, version=solution["version"])
    updated = client.put(f"/api/solutions/{solution['id']}", json=body, headers=auth("procurement"))
    assert updated.status_code == 200, updated.text
    assert updated.json()["trl"] == 9 and updated.json()["version"] == 2

    events = db.scalars(select(AuditEvent).where(AuditEvent.entity_type == "solution",
                                                 AuditEvent.entity_id == solution["id"])
                        .order_by(AuditEvent.id)).all()
    assert [e.action for e in events] == ["create", "update"]
    assert events[1].before == {"trl": 7} and events[1].after == {"trl": 9}
    assert events[1].actor_label.startswith("indkoeb@")


def test_stale_version_is_a_conflict(client: Any, auth: Any, db: Any) -> None:
    solution = client.post("/api/solutions", json=_solution_body(db), headers=auth("admin")).json()
    first = _solution_body(db, name=solution["name"], trl=8, version=1)
    second = _solution_body(db, name=solution["name"], trl=3, version=1)
    ok = client.put(f"/api/solutions/{solution['id']}", json=first, headers=auth("admin"))
    assert ok.status_code == 200
    clash = client.put(f"/api/solutions/{solution['id']}", json=second, headers=auth("admin"))
    assert clash.status_code == 409
    assert "changed by someone else" in clash.json()["detail"]
    assert client.get(f"/api/solutions/{solution['id']}").json()["trl"] == 8


def test_invalid_fields_name_field_and_reason(client: Any, auth: Any, db: Any) -> None:
    body = _solution_body(db, trl=12, regulation=None, treatment_areas=["no-such-area"])
    response = client.post("/api/solutions", json=body, headers=auth("admin"))
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert "trl" in errors and "regulation" in errors


def test_unknown_reference_is_refused_and_nothing_saved(client: Any, auth: Any, db: Any) -> None:
    body = _solution_body(db, treatment_areas=["no-such-area"])
    response = client.post("/api/solutions", json=body, headers=auth("admin"))
    assert response.status_code == 400
    assert "treatment_areas" in response.json()["errors"]
    assert client.get(f"/api/solutions/{body['name'].lower()}").status_code == 404


def test_roles_and_ownership(client: Any, auth: Any, db: Any) -> None:
    body = _solution_body(db)
    assert client.post("/api/solutions", json=body).status_code == 401
    assert client.post("/api/solutions", json=body, headers=auth("assessor")).status_code == 403
    other_vendor = _solution_body(db, vendor_id=_vendor_id(db, "Liva Healthcare"))
    assert client.post("/api/solutions", json=other_vendor, headers=auth("vendor")).status_code == 403
    assert client.post("/api/solutions", json=body, headers=auth("vendor")).status_code == 201


def test_unknown_ids_are_404(client: Any) -> None:
    for path in ("/api/solutions/999999", "/api/projects/nope", "/api/needs/999999",
                 "/api/vendors/999999", "/api/organisations/municipality:999"):
        assert client.get(path).status_code == 404, path


def test_need_endorsement_ranks_needs(client: Any, auth: Any, db: Any) -> None:
    from app.catalogue.models import Organisation

    org_id = db.scalar(select(Organisation.id).where(Organisation.kind == "municipality",
                                                     Organisation.code == "461"))
    need = client.post("/api/needs", json={"title": unique("Behov"), "organisation_id": org_id,
                                           "treatment_area": "kol", "priority": "high"},
                       headers=auth("procurement")).json()
    assert need["endorsement_count"] == 0
    endorsed = client.post(f"/api/needs/{need['id']}/endorsements", json={"organisation_id": org_id},
                           headers=auth("procurement"))
    assert endorsed.status_code == 201 and endorsed.json()["endorsement_count"] == 1
    again = client.post(f"/api/needs/{need['id']}/endorsements", json={"organisation_id": org_id},
                        headers=auth("procurement"))
    assert again.status_code == 409


def test_org_reporter_acts_only_for_own_organisation(client: Any, auth: Any, db: Any) -> None:
    from app.catalogue.models import Organisation

    own = db.scalar(select(Organisation.id).where(Organisation.kind == "municipality",
                                                  Organisation.code == "169"))
    other = db.scalar(select(Organisation.id).where(Organisation.kind == "municipality",
                                                    Organisation.code == "101"))
    project = {"name": unique("Projekt"), "stage": "pilot", "owner_id": other}
    assert client.post("/api/projects", json=project, headers=auth("org_reporter")).status_code == 403
    project["owner_id"] = own
    assert client.post("/api/projects", json=project, headers=auth("org_reporter")).status_code == 201


def test_project_dates_must_be_in_order(client: Any, auth: Any, db: Any) -> None:
    from app.catalogue.models import Organisation

    own = db.scalar(select(Organisation.id).where(Organisation.kind == "region"))
    body = {"name": unique("Projekt"), "stage": "pilot", "owner_id": own,
            "start_date": "2025-05-01", "end_date": "2024-01-01"}
    response = client.post("/api/projects", json=body, headers=auth("admin"))
    assert response.status_code == 400 and "end_date" in response.json()["errors"]


def test_openapi_documents_the_api(client: Any) -> None:
    schema = client.get("/schema/openapi.json").json()
    assert "/api/solutions" in schema["paths"] and "/api/needs/{key}/endorsements" in schema["paths"]
