"""Shared helpers for the assessment tests: minimal framework data and best answers."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from app.assessment.loader import parse_framework
from app.assessment.schema import Criterion, Framework

FRAMEWORKS_DIR = Path(__file__).resolve().parents[2] / "frameworks"
FRAMEWORK_FILES = sorted(FRAMEWORKS_DIR.glob("*.yaml"))


def crit(code: str, answer_type: str = "yes_no", **extra: Any) -> dict[str, Any]:
    return {
        "code": code,
        "question_da": f"Spørgsmål {code}",
        "question_en": f"Question {code}",
        "answer_type": answer_type,
        **extra,
    }


def opts(*pairs: tuple[str, float | None]) -> list[dict[str, Any]]:
    out = []
    for value, score in pairs:
        o: dict[str, Any] = {"value": value, "label_da": value, "label_en": value}
        if score == "na":
            o["na"] = True
        elif score is not None:
            o["score"] = score
        out.append(o)
    return out


def section(code: str, criteria: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    base = {"code": code, "title_da": code, "title_en": code, "scored": True, "mode": "weighted"}
    return {**base, **extra, "criteria": criteria}


def framework_data(sections: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": "test",
        "version": "1",
        "title_da": "Test",
        "title_en": "Test",
        "publisher": "Test",
        "source_url": "https://example.org",
        "valid_from": "2024-01-01",
        "sections": sections,
        "outcomes": {
            "thresholds": [
                {"min_score": 80, "code": "good", "label_da": "God", "label_en": "Good"},
                {"min_score": 0, "code": "weak", "label_da": "Svag", "label_en": "Weak"},
            ],
            "failing": {"code": "fail", "label_da": "Dumpet", "label_en": "Failed"},
        },
    }
    data.update(copy.deepcopy(extra))
    return data


def build(sections: list[dict[str, Any]], **extra: Any) -> Framework:
    return parse_framework(framework_data(sections, **extra))


def best_answer(c: Criterion) -> Any:
    """A valid answer that earns full credit (or any valid answer if unscored)."""
    kind = c.answer_type
    if kind in ("yes_no", "yes_no_na"):
        return "yes"
    if kind == "choice":
        values = [o.value for o in c.options]
        if "positive" in values:
            return "positive"
        scored = [o for o in c.options if o.score is not None and not o.na]
        return max(scored, key=lambda o: o.score).value if scored else c.options[0].value
    if kind == "multi_choice":
        scored = [o for o in c.options if o.score is not None]
        return [max(scored, key=lambda o: o.score).value] if scored else [c.options[0].value]
    if kind == "number":
        return c.min if c.min is not None else (c.max if c.max is not None else 1)
    if kind == "rating":
        return int(c.max)
    if kind == "date":
        return "2024-01-31"
    if kind == "evidence_link":
        return "https://example.org/evidence"
    return "Svar / answer"


def best_answers(fw: Framework, tier: str | None) -> dict[str, Any]:
    return {c.code: best_answer(c) for c in fw.applicable_criteria(tier)}
