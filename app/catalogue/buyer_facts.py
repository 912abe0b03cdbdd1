"""A solution's facts for buyers, ready to show in the reader's language: coded indications
with their titles, platforms, languages, price and business model, contact, data location
and the structured studies. No raw codes or enum values reach the page."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.catalogue.codes import country_name, icd10, language_name
from app.catalogue.models import Solution, SolutionStudy
from app.web.i18n import label, money, number, translations


@dataclass(frozen=True)
class Coded:
    code: str
    title: str


@dataclass(frozen=True)
class StudyView:
    design: str
    participants: str | None
    population: str | None
    outcome_measures: str | None
    main_result: str | None
    country: str | None
    year: int | None
    doi: str | None
    url: str | None
    registry_id: str | None
    registry_url: str | None


def _diagnoses(codes: list[str], lang: str) -> list[Coded]:
    known = icd10()
    return [Coded(code, (known[code].title_en if lang == "en" else known[code].title_da)
                  if code in known else code) for code in codes]


def _registry_url(registry_id: str | None) -> str | None:
    if registry_id and registry_id.startswith("NCT"):
        return f"https://clinicaltrials.gov/study/{registry_id}"
    if registry_id and registry_id.startswith("ISRCTN"):
        return f"https://www.isrctn.com/{registry_id}"
    return None


def _participants(count: int | None, lang: str) -> str | None:
    if not count:
        return None
    text = translations(lang).ngettext("{n} participant", "{n} participants", count)
    return text.format(n=number(count, lang))


def _study(study: SolutionStudy, lang: str) -> StudyView:
    return StudyView(
        design=label(lang, "study_design", study.design),
        participants=_participants(study.participants, lang),
        population=study.population, outcome_measures=study.outcome_measures,
        main_result=study.main_result,
        country=country_name(study.country, lang) if study.country else None, year=study.year, doi=study.doi,
        url=study.url, registry_id=study.registry_id, registry_url=_registry_url(study.registry_id))


def _yes_no(value: bool | None, lang: str) -> str | None:
    if value is None:
        return None
    gettext = translations(lang).gettext
    return gettext("Yes") if value else gettext("No")


def _price(solution: Solution, lang: str) -> str | None:
    if solution.price_dkk is not None:
        return money(solution.price_dkk, lang)
    return label(lang, "licence_model", solution.licence_model) if solution.licence_model == "free" else None


def buyer_facts(solution: Solution, lang: str) -> dict[str, Any]:
    """What the "Facts for buyers" section shows; None where nothing is recorded."""
    def named(kind: str, code: str | None) -> str | None:
        return label(lang, kind, code) if code else None

    return {
        "indications": _diagnoses(solution.indications or [], lang),
        "contraindications": _diagnoses(solution.contraindications or [], lang),
        "platforms": [label(lang, "platform", p) for p in solution.platforms or []],
        "languages": [language_name(code, lang) for code in solution.languages or []],
        "licence_model": named("licence_model", solution.licence_model),
        "price": _price(solution, lang),
        "price_unit": named("price_unit", solution.price_unit),
        "payer": named("payer", solution.payer),
        "free_for_municipalities": _yes_no(solution.free_for_municipalities, lang),
        "data_location": named("data_location", solution.data_location),
        "contact_name": solution.contact_name, "contact_email": solution.contact_email,
        "contact_phone": solution.contact_phone, "cvr": solution.vendor.cvr,
        "studies": [_study(s, lang) for s in solution.studies],
    }
