"""One adoption record reported in a form instead of a file: typed the page's way (a Danish
date and number on a Danish page), the solution picked by its name, then checked by the
import's own rules (importer.record_errors), so the form and a file cannot disagree."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from app.benchmark import importer
from app.benchmark import services as svc
from app.catalogue.models import Organisation
from app.catalogue.services import solution_by_name
from app.core.principal import Principal
from app.core.roles import Role
from app.errors import ValidationFailed
from app.web.forms import text, typed_dates, typed_numbers

DATES = ("effective_from", "start_date", "end_date")
NUMBERS = ("active_users", "capacity_fte")
# The solution is typed by its name in the field solution_name; the import names it "solution".
NAME_FIELD = "solution_name"
SOURCE = "form"


def organisations(session: Session, principal: Principal) -> list[Organisation]:
    """Those the principal may report for: its own, or every benchmarked one for an admin."""
    importer.require_reporter(principal)
    choices = svc.organisations(session)
    if principal.role == Role.ADMIN:
        return choices
    return [o for o in choices if o.id == principal.organisation_id]


def report(session: Session, principal: Principal, form: dict[str, Any], lang: str) -> importer.ImportReport:
    """Save the record, or raise ValidationFailed with every reason by form field, writing nothing."""
    importer.require_reporter(principal)
    record, errors = _typed(session, principal, form, lang)
    errors = importer.record_errors(session, principal, record, importer.ADOPTION) | errors
    if errors:
        if "solution" in errors:
            errors[NAME_FIELD] = errors.pop("solution")
        raise ValidationFailed(errors)
    return importer.import_records(session, principal, [record], importer.ADOPTION, source=SOURCE)


def _typed(session: Session, principal: Principal, form: dict[str, Any],
           lang: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The record as the import reads it, and {field: why} for what could not be read; a
    field that could not be read is left empty for the import's own check."""
    values, not_dates = typed_dates(form, DATES, lang)
    values, not_numbers = typed_numbers(values, NUMBERS, lang)
    errors: dict[str, Any] = not_dates | not_numbers
    spec = importer.COLUMNS[importer.ADOPTION]
    record = {c: "" if c in errors else str(values.get(c) or "").strip()
              for c in (*spec["required"], *spec["optional"])}
    record["solution"] = ""
    if name := text(form.get(NAME_FIELD)):
        try:
            record["solution"] = solution_by_name(session, principal, name).slug
        except ValidationFailed as exc:
            errors |= exc.errors
    return record, errors
