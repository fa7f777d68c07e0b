"""The application the workload file describes: its name, owner, stage, audience, currency,
and the business hours in which downtime costs money."""

from __future__ import annotations

import datetime as dt
import re
from enum import StrEnum
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BeforeValidator, Field, PlainSerializer, field_validator, model_validator

from ..base.fmt import CONTROL
from .common import Strict, Text


class Stage(StrEnum):
    IDEA = "idea"
    MVP = "mvp"
    GROWTH = "growth"
    SCALE = "scale"


class Audience(StrEnum):
    """Where the users are; it decides whether one region can serve them fast."""

    LOCAL = "local"
    CONTINENTAL = "continental"
    GLOBAL = "global"


class Weekday(StrEnum):
    MON = "mon"
    TUE = "tue"
    WED = "wed"
    THU = "thu"
    FRI = "fri"
    SAT = "sat"
    SUN = "sun"


def _clock(value: Any) -> Any:
    """Only "HH:MM" (or "HH:MM:SS"): YAML would read 9 as nine seconds past midnight."""
    if isinstance(value, str) and re.fullmatch(r"\d\d:\d\d(:\d\d)?", value):
        return value
    raise ValueError('a time of day as "HH:MM", e.g. "09:00"')


Clock = Annotated[
    dt.time,
    BeforeValidator(_clock),
    PlainSerializer(lambda t: t.isoformat("minutes" if not t.second else "seconds"), return_type=str),
]


class BusinessHours(Strict):
    """The hours in which downtime costs money; outside them it is not counted."""

    days: list[Weekday] = Field(
        default=[Weekday.MON, Weekday.TUE, Weekday.WED, Weekday.THU, Weekday.FRI], min_length=1
    )
    start: Clock
    end: Clock
    timezone: Text

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (an IANA name like Europe/Berlin)") from None
        return value

    @model_validator(mode="after")
    def _not_empty(self) -> BusinessHours:
        if self.end == self.start:
            raise ValueError("start and end are the same time; for all day use business_hours: 24x7")
        return self

    @property
    def hours_per_week(self) -> float:
        """An end before the start runs past midnight (22:00-06:00)."""
        minutes = (self.end.hour * 60 + self.end.minute) - (self.start.hour * 60 + self.start.minute)
        return len(set(self.days)) * (minutes % (24 * 60)) / 60


def _one_line(value: str) -> str:
    """A name prints as given: no control character (a line break, a tab, a bell, an escape
    sequence that drives the terminal) and no Unicode line separator."""
    if CONTROL.search(value):
        raise ValueError("a name is one line of text: no tabs, line breaks or other control characters")
    return value


class App(Strict):
    name: Annotated[Text, AfterValidator(_one_line)]
    owner: str | None = None
    stage: Stage
    description: str = ""
    business_hours: Literal["24x7"] | BusinessHours = "24x7"
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] = "USD"
    audience: Audience = Audience.LOCAL

    @property
    def hours_per_week(self) -> float:
        return 168.0 if self.business_hours == "24x7" else self.business_hours.hours_per_week
