"""Input of the contract KPI API."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field


class KpiValueIn(BaseModel):
    """One reported value. Name the contract by its reference, or by the organisation it is
    with (kind:code); neither: the solution's general contract."""

    model_config = ConfigDict(extra="forbid")

    kpi: str = Field(min_length=1, max_length=40, description="the KPI's code, e.g. uptime")
    measured_on: date = Field(description="the day the value was measured (the end of the period it covers)")
    value: float = Field(allow_inf_nan=False)
    contract: str | None = Field(default=None, max_length=60)
    organisation: str | None = Field(default=None, max_length=100)
