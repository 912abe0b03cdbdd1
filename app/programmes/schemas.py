"""Request bodies of the programmes API (answers are built in services)."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from app.programmes import progress
from app.programmes.models import SCOPES

Stage = Literal["planned", "implementing", "in_operation"]
Scope = Literal["all_municipalities", "region_hospitals", "list"]
assert set(Stage.__args__) == set(progress.TARGET_STAGES)  # type: ignore[attr-defined]
assert set(Scope.__args__) == set(SCOPES)  # type: ignore[attr-defined]


class TargetIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    stage: Stage = Field(description="planned, implementing or in_operation (or further)")
    share: float = Field(gt=0, le=1, description="share of the target organisations, 0 < share <= 1 (0.8 = 80 %)")
    due: date = Field(description="YYYY-MM-DD: the day the share is to be reached")


class MilestoneIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=300)
    due: date
    done_on: date | None = None


class ProgrammeIn(BaseModel):
    """A spread programme: who runs it, what it spreads, to whom, and by when."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    slug: str | None = Field(default=None, max_length=120, pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")
    year: int = Field(ge=2000, le=2100)
    owner: str = Field(max_length=100, description="kind:code of a national body or a region, e.g. national_body:sst")
    description: str | None = Field(default=None, max_length=5000)
    treatment_areas: list[str] = Field(min_length=1, max_length=5, description="treatment area codes (1-5)")
    solutions: list[str] = Field(min_length=1, max_length=10,
                                 description="slugs of approved or temporarily approved solutions (1-10)")
    target_scope: Scope = Field(description="all_municipalities, region_hospitals or list")
    target_regions: list[str] = Field(default_factory=list, max_length=10,
                                      description="region codes (region_hospitals)")
    organisations: list[str] = Field(default_factory=list, max_length=500,
                                     description="kind:code of each target organisation (list)")
    targets: list[TargetIn] = Field(min_length=1, max_length=10)
    milestones: list[MilestoneIn] = Field(default_factory=list, max_length=20)
    version: int | None = Field(default=None, description="the programme version you read (updates)")
