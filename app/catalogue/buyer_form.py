"""The buyer facts part of the solution form (catalogue/solutions/_buyer_fields.html): the
values it shows, its choices and labels, and the posted fields read as the API's input,
study rows checked field by field and numbers read as typed in the page's language."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from babel.numbers import format_decimal

from app.catalogue.codes import language_name
from app.catalogue.enums import DataLocation, LicenceModel, Payer, Platform, PriceUnit, StudyDesign
from app.catalogue.models import Solution
from app.catalogue.schemas import StudyIn
from app.catalogue.services import STUDY_FIELDS
from app.web.forms import number_text, typed_numbers
from app.web.i18n import BABEL_LOCALES, label, translations
from app.web.rendering import validate_form

# Buyer facts typed as text: ICD-10 codes separated by commas or spaces.
CODE_LISTS = ("indications", "contraindications")
STUDY_NUMBERS = ("participants", "year")
STUDY_ROWS_SHOWN_EMPTY = 1
# The languages offered as checkboxes; the API takes any ISO 639-1 code (and a stored one is shown).
FORM_LANGUAGES = ("da", "en", "de", "sv", "no", "fi", "pl", "uk", "ar", "tr", "so", "ur", "fa", "fr", "es")


def amount_text(value: Decimal | None, lang: str) -> str:
    """An amount of kroner as typed in the form: always with øre ("1.250,50")."""
    return "" if value is None else format_decimal(value, format="#,##0.00", locale=BABEL_LOCALES[lang])


def buyer_values(solution: Solution, lang: str) -> dict[str, Any]:
    """The buyer facts of a stored solution as the form shows them."""
    return {
        "indications": ", ".join(solution.indications or []),
        "contraindications": ", ".join(solution.contraindications or []),
        "platforms": list(solution.platforms or []), "languages": list(solution.languages or []),
        "licence_model": solution.licence_model or "", "price_dkk": amount_text(solution.price_dkk, lang),
        "price_unit": solution.price_unit or "", "payer": solution.payer or "",
        "free_for_municipalities": "" if solution.free_for_municipalities is None
        else str(solution.free_for_municipalities).lower(),
        "contact_name": solution.contact_name or "", "contact_email": solution.contact_email or "",
        "contact_phone": solution.contact_phone or "", "data_location": solution.data_location or "",
        "studies": [study_values(study, lang) for study in solution.studies],
    }


def study_values(study: Any, lang: str) -> dict[str, Any]:
    values = {field: getattr(study, field) or "" for field in STUDY_FIELDS}
    return values | {"participants": number_text(study.participants, lang), "year": study.year or ""}


def study_rows(values: dict[str, Any]) -> list[dict[str, Any]]:
    """Takes the posted study fields ("studies-0-design", …) out of `values`: the rows, in
    order, without those left empty."""
    rows: dict[int, dict[str, Any]] = {}
    for key in [k for k in values if k.startswith("studies-")]:
        _prefix, index, field = [*key.split("-", 2), "", ""][:3]
        value = values.pop(key)
        if index.isdigit() and field in STUDY_FIELDS:
            rows.setdefault(int(index), {})[field] = value
    return [row for _i, row in sorted(rows.items()) if any(str(v).strip() for v in row.values())]


def codes(text: Any) -> list[str]:
    return [c for c in str(text or "").replace(";", ",").replace(",", " ").split() if c]


def solution_input(values: dict[str, Any], lang: str) -> tuple[dict[str, Any], dict[str, str]]:
    """The posted solution form as the API's input, and {"studies-N-field": why} for each bad
    field of a study row (numbers read as typed in the page's language)."""
    data = dict(values) | {field: codes(values.get(field)) for field in CODE_LISTS}
    data["studies"] = []
    errors: dict[str, str] = {}
    for i, row in enumerate(values.get("studies", [])):
        typed, not_numbers = typed_numbers(row, STUDY_NUMBERS, lang)
        parsed, row_errors = validate_form(StudyIn, typed, lang)
        errors |= {f"studies-{i}-{field}": reason for field, reason in (row_errors | not_numbers).items()}
        data["studies"].append(parsed.model_dump(mode="json") if parsed else typed)
    return data, errors


def form_context(lang: str, values: dict[str, Any]) -> dict[str, Any]:
    """Choices and field labels of the buyer facts part of the solution form."""
    gettext = translations(lang).gettext
    languages = list(dict.fromkeys([*FORM_LANGUAGES, *values.get("languages", [])]))
    study_labels = {"design": gettext("Design"), "participants": gettext("Participants"),
                    "population": gettext("Study population"), "outcome_measures": gettext("Outcome measures"),
                    "main_result": gettext("Main result"), "country": gettext("Country"),
                    "year": gettext("Year"), "doi": gettext("DOI"), "url": gettext("Link"),
                    "registry_id": gettext("Trial registration")}
    rows = len(values.get("studies", [])) + STUDY_ROWS_SHOWN_EMPTY
    labels = {f"studies-{i}-{field}": gettext("Study {n}: {field}").format(n=i + 1, field=text)
              for i in range(rows) for field, text in study_labels.items()}
    labels |= {"indications": gettext("Indications (ICD-10)"),
               "contraindications": gettext("Contraindications (ICD-10)"),
               "platforms": gettext("Platforms"), "languages": gettext("Languages"),
               "licence_model": gettext("Licence model"), "price_dkk": gettext("Price (DKK)"),
               "price_unit": gettext("Price per"), "payer": gettext("Who pays"),
               "free_for_municipalities": gettext("Free for municipalities"),
               "contact_name": gettext("Contact person"), "contact_email": gettext("Contact e-mail"),
               "contact_phone": gettext("Contact phone"), "data_location": gettext("Data location"),
               "studies": gettext("Studies")}

    def options(kind: str, enum: Any) -> list[tuple[str, str]]:
        return [(e.value, label(lang, kind, e.value)) for e in enum]

    return {
        "buyer_labels": labels, "study_labels": study_labels, "study_rows": rows,
        "study_designs": options("study_design", StudyDesign), "platforms_all": options("platform", Platform),
        "licence_models": options("licence_model", LicenceModel), "price_units": options("price_unit", PriceUnit),
        "payers": options("payer", Payer), "data_locations": options("data_location", DataLocation),
        "languages_all": [(code, language_name(code, lang)) for code in languages],
        "yes_no": [("true", gettext("Yes")), ("false", gettext("No"))],
    }
