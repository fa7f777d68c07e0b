"""What every reader of alert exports shares, JSON and CSV alike: a record's problem located by
its field (`Bad`), times read the one way (`moment`), and which severities page.

Times must be ISO 8601 with a UTC offset (any offset, mixed freely); a time without one is
refused unless a zone to assume is given, because guessing it silently moves every page by
hours.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from ..base.errors import Location
from .model import History

NOT_PAGING = frozenset(
    {"warning", "warn", "info", "informational", "notice", "ticket", "low", "none", "debug"}
)
"""Severities (Alertmanager `severity` label, PagerDuty urgency) that notify without paging."""
CLASSIFYING_TEXT = 300
NAN = math.nan
Problems = list[tuple[Location, str]]
Reader = Callable[[Any, str, ZoneInfo | None, History, Problems], None]
"""A format's reader: (open file, path, zone to assume, the history to add to, problems found)."""


class Bad(ValueError):
    """One record's problem: the field it is in, and what is wrong."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


FIRST, LAST = dt.datetime(1, 1, 2, tzinfo=dt.UTC), dt.datetime(9999, 12, 31, tzinfo=dt.UTC)
"""Times are kept a day inside the calendar's ends, so each has a local time in every zone."""


def moment(text: str, field: str, zone: ZoneInfo | None) -> float:
    """An ISO 8601 time as UTC epoch seconds."""
    try:
        t = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise Bad(field, f"{short(text)!r} is not an ISO 8601 time") from None
    if t.tzinfo is None:
        if zone is None:
            raise Bad(field, f"{short(text)!r} has no UTC offset; add one, or pass --assume-tz ZONE")
        t = t.replace(tzinfo=zone)
    try:
        utc = t.astimezone(dt.UTC)
    except (OverflowError, ValueError):
        utc = None
    if utc is None or not FIRST <= utc < LAST:
        raise Bad(field, f"{short(text)!r} is out of range (in UTC, 0001-01-02 until 9999-12-31)")
    return utc.timestamp()


def short(text: str) -> str:
    """A value as quoted in a problem: at most 40 characters."""
    return text if len(text) <= 40 else text[:37] + "..."
