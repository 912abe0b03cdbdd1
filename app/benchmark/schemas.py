"""Request bodies of the benchmark API. Fields are validated by the importer's rules (the
same as for a file), so an API report and a spreadsheet row get the same messages."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class AdoptionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    organisation: str = Field(description="kind:code, e.g. municipality:169", max_length=100)
    solution: str = Field(description="the solution's slug", max_length=120)
    status: str = Field(description="planned, pilot, in_operation or discontinued", max_length=20)
    effective_from: str = Field(description="YYYY-MM-DD: the day this status took effect", max_length=30)
    start_date: str | None = Field(default=None, max_length=30)
    end_date: str | None = Field(default=None, max_length=30)
    active_users: int | None = Field(default=None, ge=0)
    capacity_fte: float | None = Field(default=None, ge=0)


class IndicatorValueIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    indicator: str = Field(max_length=60)
    organisation: str = Field(description="kind:code", max_length=100)
    period: int = Field(description="calendar year", ge=2000, le=2100)
    value: float
