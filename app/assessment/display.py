"""An assessment's stored codes in words, in one language, for pages and reports alike:
answers ("yes" -> "Ja", 0.5 -> "0,5", an option's label), tiers ("full" -> "Fuld"), the
framework by its title and the outcome, which is final only once the assessment is completed."""

from __future__ import annotations

from typing import Any

from app.assessment.loader import FrameworkRegistry
from app.assessment.schema import Criterion
from app.web.forms import number_text
from app.web.i18n import day, label, translations

COMPLETED = "completed"


def framework_title(frameworks: FrameworkRegistry, framework_id: str, version: str, lang: str) -> str:
    """The framework an assessment used, by its title in the language (not its id)."""
    try:
        fw = frameworks.get(framework_id, version)
    except KeyError:
        return f"{framework_id} {version}"
    title = str(getattr(fw, f"title_{lang}") or fw.title_da)
    return title if version in title else f"{title} ({version})"


def answer_text(c: Criterion, value: Any, lang: str) -> str:
    if value is None:
        return "–"
    if c.answer_type in ("yes_no", "yes_no_na"):
        return label(lang, "answer", value)
    if c.answer_type in ("choice", "multi_choice"):
        values = value if isinstance(value, list) else [value]
        return ", ".join(_option(c, v, lang) for v in values)
    if c.answer_type == "rating":
        return f"{value} / {int(c.max or 0)}"
    if c.answer_type == "number":
        return number_text(value, lang)
    if c.answer_type == "date":
        return day(value, lang)
    return str(value)


def _option(c: Criterion, value: Any, lang: str) -> str:
    option = c.option(value)
    return (getattr(option, f"label_{lang}") or option.label_da) if option else str(value)


def tier_text(tier: str | None, lang: str) -> str:
    return "–" if tier is None else label(lang, "tier", tier)


def outcome_text(status: str, outcome: Any, lang: str) -> str | None:
    """The outcome's label, marked provisional until the assessment is completed (a draft
    never carries a final result); None while there is none."""
    if outcome is None:
        return None
    get = outcome.get if isinstance(outcome, dict) else (lambda key: getattr(outcome, key, None))
    text = get(f"label_{lang}") or get("label_da") or ""
    if status == COMPLETED:
        return str(text)
    return translations(lang).gettext("Provisional: {outcome} (not completed)").format(outcome=text)
