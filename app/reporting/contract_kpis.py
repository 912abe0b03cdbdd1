"""The assessment report's contract KPIs: the figures of the solution's buyer overview
(contracts.services.kpis_of, one rule in one place) written out for the PDF."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from app.assessment.loader import FrameworkRegistry
from app.contracts import kpis
from app.contracts import services as contracts_svc
from app.web.i18n import day, label, number


def _amount(value: float | None, unit: str, lang: str) -> str:
    if value is None:
        return "–"
    if unit == "percent":
        return f"{number(value, lang, 1)} %"
    if unit == "fte":
        return f"{number(value, lang, 2)} {'FTE' if lang == 'en' else 'årsværk'}"
    return number(value, lang, 0)


def _met(row: dict[str, Any], lang: str) -> tuple[str, str]:
    """(text, badge) of whether the target is met."""
    if row["met"] is None:
        no_target = row["target"] is None
        return (("no target" if no_target else "not reported") if lang == "en"
                else ("intet mål" if no_target else "ikke indberettet")), "warn"
    if row["met"]:
        return ("met" if lang == "en" else "opfyldt"), "ok"
    return ("not met" if lang == "en" else "ikke opfyldt"), "bad"


def _kpi(row: dict[str, Any], lang: str) -> dict[str, Any]:
    sign = "≥" if row["direction"] == kpis.HIGHER else "≤"
    met, badge = _met(row, lang)
    return {"name": row["name"],
            "target": f"{sign} {_amount(row['target'], row['unit'], lang)}" if row["target"] is not None else "–",
            "latest": _amount(row["latest"], row["unit"], lang), "latest_on": day(row["latest_on"], lang),
            "trend": label(lang, "kpi-trend", row["trend"]) if row["trend"] else "–", "met": met, "badge": badge}


def _capacity(cap: dict[str, Any] | None, lang: str) -> dict[str, Any] | None:
    if cap is None:
        return None
    claim = cap["claim"]
    return {"claimed": number(cap["claimed"], lang, 2) if cap["claimed"] is not None else "–",
            "claimed_in": f"{claim['framework']} ({day(claim['completed_on'], lang)})" if claim else None,
            "realised": number(cap["realised"], lang, 2) if cap["realised"] is not None else "–",
            "share": f"{number(cap['share'] * 100, lang, 0)} %" if cap["share"] is not None else "–"}


def contracts(session: Session, frameworks: FrameworkRegistry, solution_id: int, lang: str) -> list[dict[str, Any]]:
    """The solution's contracts as the report prints them (none: the section is left out)."""
    shown = contracts_svc.kpis_of(session, frameworks, [solution_id], lang)[solution_id]["contracts"]
    open_ended = "no end date" if lang == "en" else "uden slutdato"
    return [{"reference": c["reference"], "organisation": c["organisation"]["name"] if c["organisation"] else None,
             "period": f"{day(c['start_date'], lang)} – {day(c['end_date'], lang) if c['end_date'] else open_ended}",
             "kpis": [_kpi(r, lang) for r in c["kpis"]], "capacity": _capacity(c["capacity"], lang)}
            for c in shown]
