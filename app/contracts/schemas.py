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


class ContractIn(BaseModel):
    """A contract of the solution: with an organisation (kind:code) or, without, the
    solution's general agreement; targets (KPI code -> target) override the defaults."""

    model_config = ConfigDict(extra="forbid")

    reference: str = Field(min_length=2, max_length=60, pattern=r"^[A-Za-z0-9][A-Za-z0-9._/-]*$",
                           description="the contract's own reference, e.g. KOL-RH-2024")
    organisation: str | None = Field(default=None, max_length=100, description="kind:code, e.g. region:1084")
    start_date: date
    end_date: date | None = None
    targets: dict[str, float] = Field(default_factory=dict, max_length=50)
