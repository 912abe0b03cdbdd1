"""Request bodies of the assessment API (responses are built in services.assessment_view)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AssessmentIn(_In):
    solution_id: int | str = Field(description="solution id or slug")
    framework_id: str = Field(min_length=1, max_length=60)
    framework_version: str = Field(min_length=1, max_length=20)


class ScopeIn(_In):
    answers: dict[str, Any] = Field(description="scope question code -> answer (null clears it)")
    version: int | None = Field(default=None, description="the assessment version you read")


class AnswerIn(_In):
    value: Any = Field(description="the answer; its form depends on the criterion's answer_type")
    comment: str | None = Field(default=None, max_length=5000)
    evidence_url: str | None = Field(default=None, max_length=500)
    version: int | None = Field(
        default=None, description="the answer version you read; required when the answer exists")


class VerifyIn(_In):
    decision: Literal["accepted", "queried"]
    comment: str | None = Field(default=None, max_length=5000)


class TransitionIn(_In):
    comment: str | None = Field(default=None, max_length=5000)


