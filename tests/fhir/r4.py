"""FHIR R4 validation with fhir.resources, the one check every test applies to what the
directory answers.

fhir.resources 8 models R5 at its top level and R4B under fhir.resources.R4B; its R4 models
(6.x) need pydantic 1, which this project cannot have beside pydantic 2. For every resource
type the directory serves, R4B has the same elements, cardinalities and types as R4 (CatalogEntry
included: R4B kept R4's CatalogEntry, R5 dropped it), so the R4B models validate our R4 JSON. What
they do not check, this module does: R4's allowed target types of a Reference, that each
meta.profile and extension URL is a StructureDefinition we serve, the profile's own
constraints (cardinality, fixed values) on the elements it names, and that every Coding of our
code systems (or ICD-10) is one they define, with its Danish display."""

from __future__ import annotations

import re
from typing import Any

from fhir.resources.R4B import get_fhir_model_class

from app.fhir import canonical, terminology
from app.fhir.profiles import structure_definitions

_TYPE_NAME = re.compile(r"(\w+)Type\b")


def validate(resource: dict[str, Any]) -> Any:
    """The resource parsed by its R4(B) model (a Bundle's entries too): raises pydantic's
    ValidationError when the model refuses it, AssertionError when a check of this module does."""
    parsed = get_fhir_model_class(resource["resourceType"]).model_validate(resource)
    assert not reference_errors(resource), reference_errors(resource)
    served = _served()
    unknown = [url for url in [*resource.get("meta", {}).get("profile", []), *extension_urls(resource)]
               if url not in served]
    assert not unknown, f"no StructureDefinition served for {unknown}"
    assert not profile_errors(resource), profile_errors(resource)
    assert not coding_errors(resource), coding_errors(resource)
    for entry in resource.get("entry", []):
        validate(entry["resource"])
    return parsed


def fhir_json(response: Any, status: int = 200) -> dict[str, Any]:
    """The body of a FHIR answer, checked: status, content type, valid resource."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/fhir+json"), response.headers
    body: dict[str, Any] = response.json()
    validate(body)
    return body


def _served() -> dict[str, dict[str, Any]]:
    return {d["url"]: d for d in structure_definitions()}


def extension_urls(node: Any) -> list[str]:
    """The absolute URLs of the extensions in a resource, outside contained Bundle entries (a
    complex extension's parts have relative URLs such as "amount")."""
    if isinstance(node, list):
        return [url for item in node for url in extension_urls(item)]
    if not isinstance(node, dict):
        return []
    own = [e["url"] for e in node.get("extension", []) + node.get("modifierExtension", []) if "://" in e["url"]]
    return own + [url for key, value in node.items() if key != "entry" for url in extension_urls(value)]


def _nodes(resource: dict[str, Any], path: list[str]) -> list[dict[str, Any]]:
    nodes = [resource]
    for segment in path:
        values = [n.get(segment) for n in nodes]
        nodes = [v for value in values for v in (value if isinstance(value, list) else [value]) if isinstance(v, dict)]
    return nodes


def profile_errors(resource: dict[str, Any]) -> list[str]:
    """Where the resource breaks its profiles' cardinalities, fixed values and required bindings
    (of elements outside slices: a slice is checked by the extension URL test above)."""
    errors: list[str] = []
    for url in resource.get("meta", {}).get("profile", []):
        for element in _served().get(url, {}).get("differential", {}).get("element", []):
            segments = element["path"].split(".")[1:]
            if not segments or ":" in element["id"] or "[x]" in element["path"]:
                continue
            for node in _nodes(resource, segments[:-1]):
                value = node.get(segments[-1])
                present = [] if value is None else value if isinstance(value, list) else [value]
                errors += _element_errors(element, present)
    return errors


def _element_errors(element: dict[str, Any], present: list[Any]) -> list[str]:
    errors = []
    if len(present) < element.get("min", 0):
        errors.append(f"{element['id']}: at least {element['min']}")
    if element.get("max", "*") != "*" and len(present) > int(element["max"]):
        errors.append(f"{element['id']}: at most {element['max']}")
    fixed = next((v for k, v in element.items() if k.startswith("fixed")), None)
    if fixed is not None and any(v != fixed for v in present):
        errors.append(f"{element['id']}: must be {fixed!r}")
    if element.get("binding", {}).get("strength") == "required":
        errors += _binding_errors(element["id"], element["binding"]["valueSet"], present)
    return errors


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
    model: Any = get_fhir_model_class(segments[0])
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


def _value_set_codes(url: str) -> set[tuple[str, str]]:
    """The (system, code) pairs one of our ValueSets holds."""
    (value_set,) = [v for v in terminology.value_sets() if v["url"] == url]
    systems = {c["url"]: c for c in terminology.code_systems()}
    return {(include["system"], concept["code"]) for include in value_set["compose"]["include"]
            for concept in include.get("concept") or systems[include["system"]]["concept"]}


def _binding_errors(element: str, url: str, values: list[Any]) -> list[str]:
    codings = [c for v in values if isinstance(v, dict) for c in v.get("coding", [v] if "code" in v else [])]
    allowed = _value_set_codes(url)
    return [f"{element}: {c.get('code')} is not in {url}" for c in codings
            if (c.get("system"), c.get("code")) not in allowed]


def coding_errors(node: Any) -> list[str]:
    """The Codings of our code systems and ICD-10 that are not what terminology.coding writes."""
    if isinstance(node, list):
        return [e for item in node for e in coding_errors(item)]
    if not isinstance(node, dict):
        return []
    errors = [e for value in node.values() for e in coding_errors(value)]
    system, code = node.get("system"), node.get("code")
    if isinstance(system, str) and isinstance(code, str) and (
            system.startswith(f"{canonical.CANONICAL_BASE}/CodeSystem/") or system == canonical.ICD10_SYSTEM):
        try:
            expected = terminology.coding(system, code)
        except KeyError:
            return [*errors, f"{system}|{code} is not defined"]
        if node != expected:
            errors.append(f"{node} is not {expected}")
    return errors
