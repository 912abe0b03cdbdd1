"""Request bodies of the approvals API (answers are built in services)."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from app.approvals import lifecycle as lc

EventKind = Literal["apply", "approve", "approve_temporarily", "reject", "extend", "revoke", "expire",
                    "complete_milestone", "miss_milestone"]
assert set(EventKind.__args__) == set(lc.EVENTS)  # type: ignore[attr-defined]


class MilestoneIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=300)
    due: date


class EventIn(BaseModel):
    """One event in a solution's approval: an application, a decision, an extension ..."""

    model_config = ConfigDict(extra="forbid")

    event: EventKind
    on: date | None = Field(default=None, description="the date of the event (default: today)")
    reason: str | None = Field(default=None, max_length=5000,
                               description="why (required for decisions, extensions, revocations)")
    conditions: str | None = Field(default=None, max_length=5000)
    indications: str | None = Field(default=None, max_length=2000)
    treatment_areas: list[str] = Field(default_factory=list, description="treatment area codes covered")
    assessment_ids: list[int] = Field(default_factory=list,
                                      description="the completed assessments the decision is based on")
    valid_from: date | None = Field(default=None, description="start of the approval (default: `on`)")
    valid_until: date | None = Field(
        default=None, description="approve: optional end; extend: the new end date")
    evidence_due: date | None = Field(
        default=None, description="final evidence date (default and latest: 3 months before the end)")
    milestones: list[MilestoneIn] = Field(default_factory=list, description="the evidence plan")
    milestone_id: int | None = Field(default=None, description="complete/miss: the milestone's id")
    evidence_url: str | None = Field(default=None, max_length=500)
    basis: str | None = Field(default=None, max_length=20, description=(
        "apply: the approval abroad it rests on: diga (a DiGA listing), dtac (a passed DTAC), nice (a NICE "
        "evaluation), or none (default); decided within 3 months with one, else the configured period"))
    basis_reference: str | None = Field(default=None, max_length=500,
                                        description="apply: the listing's or evaluation's link or reference")
    version: int | None = Field(default=None, description="the approval case version you read")
