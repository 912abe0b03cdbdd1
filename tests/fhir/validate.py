"""Validation of what the FHIR API answers with fhir.resources' R4B models: R4B (4.3) is
R4 (4.0.1) with corrections, and DeviceDefinition, CatalogEntry, Organization, Bundle and
OperationOutcome are the same in both; fhir.resources ships no R4 models for pydantic 2."""

from __future__ import annotations

from typing import Any

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.catalogentry import CatalogEntry
from fhir.resources.R4B.devicedefinition import DeviceDefinition
from fhir.resources.R4B.operationoutcome import OperationOutcome
from fhir.resources.R4B.organization import Organization

MODELS: dict[str, Any] = {"Bundle": Bundle, "CatalogEntry": CatalogEntry, "DeviceDefinition": DeviceDefinition,
                          "OperationOutcome": OperationOutcome, "Organization": Organization}


def validate(resource: dict[str, Any]) -> None:
    """Raises pydantic's ValidationError when `resource` is not a valid resource of its type;
    a Bundle's entries are validated as their own types too."""
    MODELS[resource["resourceType"]].model_validate(resource)
    for entry in resource.get("entry", []):
        validate(entry["resource"])


def fhir_json(response: Any, status: int = 200) -> dict[str, Any]:
    """The body of a FHIR answer, checked: status, content type, valid resource."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/fhir+json"), response.headers
    body: dict[str, Any] = response.json()
    validate(body)
    return body
