"""Vocabulary shared by every model: tenets, horizons, risks, and values given per horizon."""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, GetJsonSchemaHandler, model_validator
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema


class Strict(BaseModel):
    """Base of every model: unknown keys are errors, instances are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


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
        return data if isinstance(data, dict) else {"now": data}

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
