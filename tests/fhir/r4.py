"""FHIR R4 validation with fhir.resources.

fhir.resources 8 models R5 at its top level and R4B under fhir.resources.R4B; its R4 models
(6.x) need pydantic 1, which this project cannot have beside pydantic 2. For every resource
type the directory serves, R4B has the same elements, cardinalities and types as R4 (CatalogEntry
included: R4B kept R4's CatalogEntry, R5 dropped it), so the R4B models validate our R4 JSON. What
they do not check, `reference_targets` does: R4's allowed target types of a Reference."""

from __future__ import annotations

import re
from typing import Any

from fhir.resources.R4B import get_fhir_model_class

_TYPE_NAME = re.compile(r"(\w+)Type\b")


def validate(resource: dict[str, Any]) -> Any:
    """The resource parsed by its R4(B) model: raises pydantic.ValidationError when it is not valid."""
    return get_fhir_model_class(resource["resourceType"]).model_validate(resource)


def _fields(model: Any, segment: str) -> list[str]:
    """The model's fields an element path segment names ("value[x]" names every valueX)."""
    if segment.endswith("[x]"):
        group = segment[:-3]
        return [name for name, f in model.model_fields.items()
                if (f.json_schema_extra or {}).get("one_of_many") == group]
    return [segment] if segment in model.model_fields else []


def element_type(model: Any, field: str) -> Any | None:
    """The model of a field's element type (a datatype or backbone element), None for a primitive."""
    names = _TYPE_NAME.findall(str(model.model_fields[field].annotation))
    try:
        return get_fhir_model_class(names[-1]) if names else None
    except (KeyError, ValueError):
        return None


def path_fields(path: str) -> list[tuple[Any, list[str]]]:
    """For each segment of an element path after the resource (or datatype) name, the model it is
    looked up on and the fields it names; an empty list where the segment does not exist."""
    segments = path.split(".")
    model = get_fhir_model_class(segments[0])
    out: list[tuple[Any, list[str]]] = []
    for segment in segments[1:]:
        fields = _fields(model, segment) if model is not None else []
        out.append((model, fields))
        if not fields:
            break
        model = element_type(model, fields[0])
    return out


def reference_errors(resource: dict[str, Any]) -> list[str]:
    """Every relative reference ("Type/id") in the resource whose type R4 does not allow there."""
    return _reference_errors(get_fhir_model_class(resource["resourceType"]), resource, resource["resourceType"])


def _reference_errors(model: Any, node: dict[str, Any], where: str) -> list[str]:
    errors: list[str] = []
    for key, value in node.items():
        if key not in model.model_fields:
            continue
        child = element_type(model, key)
        allowed = (model.model_fields[key].json_schema_extra or {}).get("enum_reference_types") or []
        for item in value if isinstance(value, list) else [value]:
            if not isinstance(item, dict) or child is None:
                continue
            target = str(item.get("reference", "")).partition("/")[0]
            if child.__name__ == "Reference" and target and allowed and "Resource" not in allowed \
                    and target not in allowed:
                errors.append(f"{where}.{key}: {target} is not one of {', '.join(allowed)}")
            errors += _reference_errors(child, item, f"{where}.{key}")
    return errors
