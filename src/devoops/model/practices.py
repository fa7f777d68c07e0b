"""The practices' records in the workload file: each practice's current state (a choice, not
applicable with a reason, or an exemption until a date)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import GetJsonSchemaHandler, model_validator
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

from .common import Strict, Text


class Exemption(Strict):
    owner: Text
    reason: Text
    expires: dt.date


class PracticeState(Strict):
    """The current state of one practice: a choice, not applicable (with reason), or exempt."""

    choice: str | None = None
    not_applicable: bool = False
    reason: str | None = None
    exemption: Exemption | None = None
    evidence: str | None = None
    note: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _plain_choice(cls, data: Any) -> Any:
        return {"choice": data} if isinstance(data, str) else data

    @classmethod
    def __get_pydantic_json_schema__(
        cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return {"anyOf": [{"type": "string", "description": "a choice id"}, handler(core_schema)]}

    def exempt_on(self, day: dt.date) -> bool:
        """An exemption holds up to and including its expiry date."""
        return self.exemption is not None and self.exemption.expires >= day

    @model_validator(mode="after")
    def _one_state(self) -> PracticeState:
        if self.not_applicable:
            if not (self.reason or "").strip():
                raise ValueError("not_applicable needs a reason")
            if self.choice is not None or self.exemption is not None:
                raise ValueError("not_applicable excludes choice and exemption")
        elif self.choice is None and self.exemption is None:
            raise ValueError("give a choice, not_applicable with a reason, or an exemption")
        return self
