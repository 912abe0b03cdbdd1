"""Assessment frameworks (data) and scoring (pure functions)."""

from app.assessment.framework import (
    AnswerError,
    Criterion,
    Framework,
    FrameworkError,
    FrameworkRegistry,
    Section,
    classify,
    load_framework,
    load_frameworks,
    validate_answer,
)
from app.assessment.scoring import AssessmentScore, SectionScore, score_assessment

__all__ = [
    "AnswerError",
    "AssessmentScore",
    "Criterion",
    "Framework",
    "FrameworkError",
    "FrameworkRegistry",
    "Section",
    "SectionScore",
    "classify",
    "load_framework",
    "load_frameworks",
    "score_assessment",
    "validate_answer",
]
