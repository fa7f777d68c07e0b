"""Vocabulary shared by every model: tenets, horizons, risks, and values given per horizon."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, GetJsonSchemaHandler, model_validator
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema


class Strict(BaseModel):
    """Base of every model: unknown keys are errors, instances are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, allow_inf_nan=False)


Text = Annotated[str, Field(min_length=1)]


# Bounds keep every figure finite through the economics: nobody's hour costs 10^12.
Money = Annotated[float, Field(ge=0, le=1e12)]
Score = Annotated[int, Field(ge=0, le=10)]
Positive = Annotated[float, Field(ge=0.001, le=1e9)]
NonNegative = Annotated[float, Field(ge=0, le=1e9)]
Count = Annotated[int, Field(ge=0, le=1_000_000)]


def duplicates(ids: list[str]) -> list[str]:
    return sorted({i for i in ids if ids.count(i) > 1})


class Tenet(StrEnum):
    HIGH_AVAILABILITY = "high_availability"
    SCALABILITY = "scalability"
    PERFORMANCE = "performance"
    DATA_INTEGRITY = "data_integrity"
    SECURITY = "security"
    PRODUCTIVITY = "productivity"


class Horizon(StrEnum):
    NOW = "now"
    SIX_MONTHS = "6mo"
    TWELVE_MONTHS = "12mo"

    @property
    def days(self) -> int:
        """How far ahead the horizon lies, for dates such as exemption expiries."""
        return {"now": 0, "6mo": 182, "12mo": 365}[self.value]


HORIZONS: tuple[Horizon, ...] = (Horizon.NOW, Horizon.SIX_MONTHS, Horizon.TWELVE_MONTHS)


class Risk(StrEnum):
    HIGH = "HIGH"
    MEDIUM = "MEDIUM"
    NONE = "NONE"
    NOT_APPLICABLE = "NOT_APPLICABLE"
    UNKNOWN = "UNKNOWN"

    @property
    def points(self) -> int:
        """Weight of the risk when ordering findings; UNKNOWN counts like MEDIUM."""
        return {"HIGH": 3, "MEDIUM": 1, "UNKNOWN": 1}.get(self.value, 0)

    @property
    def rank(self) -> int:
        """Severity order for gates and sorting: HIGH > MEDIUM > UNKNOWN > NONE > N/A."""
        return {"HIGH": 4, "MEDIUM": 3, "UNKNOWN": 2, "NONE": 1}.get(self.value, 0)


T = TypeVar("T")


class ByHorizon(Strict, Generic[T]):
    """A value for now, in 6 months and in 12 months; a later horizon defaults to the earlier.

    In the YAML a plain value means the same for every horizon.
    """

    now: T
    six_months: T | None = Field(default=None, alias="6mo")
    twelve_months: T | None = Field(default=None, alias="12mo")

    @model_validator(mode="before")
    @classmethod
    def _plain_value(cls, data: Any) -> Any:
        """A mapping that names a horizon is per horizon; anything else is one plain value."""
        per_horizon = isinstance(data, dict) and any(h.value in data for h in Horizon)
        return data if per_horizon else {"now": data}

    def at(self, horizon: Horizon) -> T:
        given = (self.now, self.six_months, self.twelve_months)[: HORIZONS.index(horizon) + 1]
        return next(v for v in reversed(given) if v is not None)

    def values(self) -> list[T]:
        return [self.at(h) for h in HORIZONS]

    @classmethod
    def __get_pydantic_json_schema__(
        cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        by_horizon = handler(core_schema)
        resolved = handler.resolve_ref_schema(by_horizon)
        return {"anyOf": [resolved["properties"]["now"], by_horizon]}


def always(value: T) -> ByHorizon[T]:
    """A default that is the same at every horizon (models are frozen, so one is shared)."""
    return ByHorizon[T](now=value)
