"""The temporary-approvals report's case handling (model 1.2): the approvals dashboard's
figures (approvals.services.dashboard, one rule in one place) written out for the PDF."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.approvals import lifecycle as lc
from app.settings import DEFAULT_DECISION_MONTHS, DEFAULT_YEARLY_MINIMUM
from app.web.i18n import day, label, number


@dataclass(frozen=True)
class CaseRules:
    """The settings the case handling is read with (BLAASTEMPEL_DECISION_MONTHS,
    BLAASTEMPEL_YEARLY_DECISION_MINIMUM)."""

    decision_months: int = DEFAULT_DECISION_MONTHS
    yearly_minimum: int = DEFAULT_YEARLY_MINIMUM


def section(dash: dict[str, Any], rules: CaseRules, lang: str) -> dict[str, Any]:
    """Applications near (within lifecycle.DUE_SOON_DAYS) and past their due date, with their
    basis; the median and 90th-percentile case time and the technologies decided this year."""
    due = [{"solution": d["case"].solution.name, "basis": label(lang, "basis", d["case"].basis),
            "due": day(d["due"], lang), "past": d["state"] == lc.PAST_DUE, "days": abs(d["days"])}
           for d in dash["decision_deadlines"]]
    return {"year": dash["year"], "due": due, "soon_days": lc.DUE_SOON_DAYS,
            "median": number(dash["case_days_median"], lang, 0),
            "p90": number(dash["case_days_p90"], lang, 0),
            "decided": dash["decided_this_year"], "minimum": dash["yearly_minimum"],
            "below_minimum": dash["decided_this_year"] < dash["yearly_minimum"],
            "decision_months": rules.decision_months, "abroad_months": lc.ABROAD_DECISION_MONTHS}
