"""What a buyer decides on, for one solution or side by side: the facts, the latest
completed assessment of each framework, the approval today and where the solution is in
use. Each part comes from its own domain's service, so the solution page, the comparison,
the register and the benchmark show the same figures."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from babel import Locale
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.approvals import services as approvals
from app.assessment import services as assessments
from app.assessment.loader import FrameworkRegistry
from app.benchmark import services as benchmark
from app.catalogue import services as catalogue
from app.catalogue.buyer_facts import buyer_facts
from app.catalogue.models import Solution
from app.contracts import services as contracts
from app.core.principal import Principal
from app.core.records import is_id
from app.errors import ValidationFailed
from app.messages import Message
from app.web.i18n import BABEL_LOCALES, translations

MIN_COMPARED, MAX_COMPARED = 2, 4
MAX_ID = 2**63  # a larger number is no id (and no database integer)
Gettext = Callable[[str], str]


@dataclass(frozen=True)
class FactRow:
    """One row of facts in the comparison: its key (JSON), its label (msgid) and the value
    in the reader's language. A new solution field is one more row."""

    key: str
    label: str
    value: Callable[[Solution, Gettext, str], str]


def _areas(s: Solution, _gettext: Gettext, lang: str) -> str:
    return ", ".join((a.name_en if lang == "en" else a.name_da) for a in s.treatment_areas) or "–"


def _country(s: Solution, _gettext: Gettext, lang: str) -> str:
    return Locale.parse(BABEL_LOCALES[lang]).territories.get(s.country, s.country)


def _joined(parts: Iterable[str]) -> str:
    return ", ".join(parts) or "–"


def _price(facts: dict[str, Any]) -> str:
    return " ".join(p for p in (facts["price"], facts["price_unit"]) if p) or "–"


def _yes_no(flag: bool | None, gettext: Gettext) -> str:
    return "–" if flag is None else gettext("Yes" if flag else "No")


FACT_ROWS: tuple[FactRow, ...] = (
    FactRow("vendor", "Vendor", lambda s, _g, _l: s.vendor.name),
    FactRow("purpose", "Purpose", lambda s, g, _l: g(s.purpose)),
    FactRow("treatment_areas", "Treatment areas", _areas),
    FactRow("target_users", "Target users", lambda s, g, _l: g(s.target_users)),
    FactRow("regulatory_class", "CE class", lambda s, g, _l: g(s.regulatory_class)),
    FactRow("country", "Country", _country),
    FactRow("trl", "Technology readiness level (TRL)", lambda s, _g, _l: str(s.trl) if s.trl else "–"),
    FactRow("has_dpia", "DPIA carried out", lambda s, g, _l: _yes_no(s.has_dpia, g)),
    FactRow("has_dpa", "Data processing agreement", lambda s, g, _l: _yes_no(s.has_dpa, g)),
    FactRow("integrations", "Integrations", lambda s, g, _l: ", ".join(g(i) for i in s.integrations or []) or "–"),
    FactRow("indications", "Indications (ICD-10)",
            lambda s, _g, lang: _joined(f"{c.code} {c.title}" for c in buyer_facts(s, lang)["indications"])),
    FactRow("platforms", "Platforms", lambda s, _g, lang: _joined(buyer_facts(s, lang)["platforms"])),
    FactRow("languages", "Languages", lambda s, _g, lang: _joined(buyer_facts(s, lang)["languages"])),
    FactRow("licence_model", "Licence model", lambda s, _g, lang: buyer_facts(s, lang)["licence_model"] or "–"),
    FactRow("price", "Price", lambda s, _g, lang: _price(buyer_facts(s, lang))),
    FactRow("payer", "Who pays", lambda s, _g, lang: buyer_facts(s, lang)["payer"] or "–"),
    FactRow("free_for_municipalities", "Free for municipalities",
            lambda s, _g, lang: buyer_facts(s, lang)["free_for_municipalities"] or "–"),
    FactRow("data_location", "Data location", lambda s, _g, lang: buyer_facts(s, lang)["data_location"] or "–"),
    FactRow("studies", "Evidence: studies",
            lambda s, _g, lang: _joined(f"{v.design} ({v.participants or '–'}, {v.year or '–'})"
                                        for v in buyer_facts(s, lang)["studies"])),
)


def overviews(session: Session, frameworks: FrameworkRegistry, solutions: list[Solution],
              lang: str) -> list[dict[str, Any]]:
    """Per solution (in the order given): facts, assessments, approval, adoption and contract KPIs."""
    ids = [s.id for s in solutions]
    results = assessments.completed_results(session, frameworks, ids, lang)
    approval = approvals.public_statuses(session, ids)
    adoption = benchmark.adoption_of(session, ids, lang)
    kpis = contracts.kpis_of(session, frameworks, ids, lang)
    gettext = translations(lang).gettext
    return [{"solution": s, "id": s.id, "slug": s.slug, "name": s.name,
             "facts": [{"key": r.key, "label": gettext(r.label), "value": r.value(s, gettext, lang)}
                       for r in FACT_ROWS],
             "assessments": results[s.id], "approval": approval[s.id], "adoption": adoption[s.id], "kpis": kpis[s.id]}
            for s in solutions]


def requested_keys(values: list[str]) -> list[str]:
    """The solutions asked for, as slugs or ids, from repeated and/or comma-separated values;
    each once, in the order given."""
    keys = [k.strip() for v in values for k in v.split(",") if k.strip()]
    return list(dict.fromkeys(keys))


def comparison(session: Session, principal: Principal, frameworks: FrameworkRegistry, keys: list[str],
               lang: str) -> list[dict[str, Any]]:
    """2-4 solutions side by side. A solution the principal may not see (or that does not
    exist) is left out as if it had not been asked for; fewer than 2 or more than 4 that
    remain is refused (400) naming the numbers."""
    if len(keys) > MAX_COMPARED:
        raise ValidationFailed({"solutions": Message("choose at most {max} solutions to compare ({count} chosen)",
                                                     max=MAX_COMPARED, count=len(keys))})
    solutions = _visible(session, principal, keys)
    if len(solutions) < MIN_COMPARED:
        raise ValidationFailed({"solutions": Message("choose at least {min} solutions to compare ({count} chosen)",
                                                     min=MIN_COMPARED, count=len(solutions))})
    return overviews(session, frameworks, solutions, lang)


def _visible(session: Session, principal: Principal, keys: list[str]) -> list[Solution]:
    ids = [int(k) for k in keys if is_id(k) and int(k) < MAX_ID]
    slugs = [k for k in keys if not is_id(k)]
    found = session.scalars(select(Solution).where(
        (Solution.id.in_(ids)) | (Solution.slug.in_(slugs)), catalogue.solution_visible(principal)))
    by_key = {key: s for s in found for key in (str(s.id), s.slug)}
    return list({by_key[k].id: by_key[k] for k in keys if k in by_key}.values())


def as_json(overview: dict[str, Any]) -> dict[str, Any]:
    """An overview without the ORM object, for the API."""
    return {k: v for k, v in overview.items() if k != "solution"}
