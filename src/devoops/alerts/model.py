"""Alert history as read from exports, and the figures computed from it.

A *firing* is one alert from the moment it fired until it resolved (or until now, when it is
still open). Firings are held column-wise: a million of them are a few plain lists, not a
million objects.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, field
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from ..base.errors import Location
from ..base.fmt import minutes

UNKNOWN_ACT = -1
"""`acted` when the source cannot say whether anyone acknowledged (Alertmanager)."""


class Format(StrEnum):
    ALERTMANAGER = "alertmanager"
    PAGERDUTY = "pagerduty"
    OPSGENIE = "opsgenie"


class Kind(StrEnum):
    """What an alert watches: a machine resource, a user-facing symptom, an SLO's error budget."""

    CAUSE = "cause"
    SYMPTOM = "symptom"
    SLO_BURN = "slo-burn"
    OTHER = "other"


@dataclass
class History:
    """Firings from one or more exports, one list entry per firing, times in UTC epoch seconds.
    Names and identities are stored as numbers into `names` and `keys`."""

    names: dict[str, int] = field(default_factory=dict)
    keys: dict[str, int] = field(default_factory=dict)
    """The alert's identity: its name and labels (or the vendor's de-duplication key)."""
    name: list[int] = field(default_factory=list)
    key: list[int] = field(default_factory=list)
    starts: list[float] = field(default_factory=list)
    ends: list[float] = field(default_factory=list)
    """NaN while still open."""
    acted: list[int] = field(default_factory=list)
    """1: someone acknowledged it; 0: nobody did; UNKNOWN_ACT: the source cannot tell."""
    pages: list[bool] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    """Per name, what its first firing's labels and annotations say: the words that classify it."""
    responders: set[str] = field(default_factory=set)
    """Cells naming who acknowledged or owned alerts, as exported (names separated by , ; |)."""
    escalation: bool | None = None
    """Whether an escalation policy is seen; None when the source has no such column."""
    formats: set[Format] = field(default_factory=set)
    files: list[str] = field(default_factory=list)
    records: int = 0
    skipped: list[tuple[Location, str]] = field(default_factory=list)
    firings: dict[tuple[int, float], int] = field(default_factory=dict)
    """Alertmanager firings by (identity, start), to their index: a firing notified in one
    export and resolved in another is one firing."""

    def add(self, name: str, key: str, start: float, end: float, acted: int, page: bool, text: str) -> None:
        code = self.names.get(name)
        if code is None:
            code = self.names[name] = len(self.names)
            self.texts.append(text)
        self.name.append(code)
        self.key.append(self.keys.setdefault(key, len(self.keys)))
        self.starts.append(start)
        self.ends.append(end)
        self.acted.append(acted)
        self.pages.append(page)

    def notify(self, name: str, key: str, start: float, end: float, page: bool, text: str) -> None:
        """One Alertmanager notification: a new firing, or news of a known one's end."""
        index = self.firings.get((self.keys.get(key, -1), start))
        if index is None:
            self.firings[(self.keys.setdefault(key, len(self.keys)), start)] = len(self)
            self.add(name, key, start, end, UNKNOWN_ACT, page, text)
        else:
            self.resolve(index, end)

    def resolve(self, index: int, end: float) -> None:
        """A firing ends at the latest end any notification of it gives."""
        if not math.isnan(end):
            self.ends[index] = end if math.isnan(self.ends[index]) else max(self.ends[index], end)

    def __len__(self) -> int:
        return len(self.starts)

    def people(self) -> set[str]:
        return {n.strip() for cell in self.responders for n in re.split(r"[;,|]", cell) if n.strip()}


class Settings(BaseModel):
    """How the figures are counted; each is defined in docs/alerts.md."""

    model_config = ConfigDict(frozen=True)

    flap_minutes: float = 30.0
    quick_minutes: float = 5.0
    top: int = 10


class Figures(BaseModel):
    """The figures of one alert name, or of all of them."""

    model_config = ConfigDict(frozen=True)

    name: str
    kind: Kind | None
    firings: int
    per_week: float
    pages: int
    off_hours_pages: int
    flaps: int
    duplicates: int
    resolved: int
    median_minutes_to_resolve: float | None
    quick_unacted: int
    """Resolved within Settings.quick_minutes with nobody acknowledging."""
    noisy: int
    """Firings that flapped, resolved quickly unacted, or both: each counted once."""
    replaced_by: str | None = None
    """The SLO burn-rate alert that would replace this one, when it should go."""

    @property
    def quick_unacted_share(self) -> float | None:
        return self.quick_unacted / self.resolved if self.resolved else None


class Analysis(BaseModel):
    """What an alert history says; `overall` is None when the history holds no firing."""

    model_config = ConfigDict(frozen=True)

    formats: list[Format]
    files: list[str]
    records: int
    skipped: int
    skipped_samples: list[str]
    settings: Settings
    business_hours: str
    first: dt.datetime | None
    last: dt.datetime | None
    weeks: float | None
    overall: Figures | None
    names: list[Figures]
    """Every alert name, the noisiest (most firings) first."""
    pages_by_kind: dict[Kind, int]
    responders: int | None
    escalation: bool | None


# Figures as one row of text, for the report and the probe's evidence alike.
COLUMNS = [
    "alert",
    "kind",
    "firings",
    "per week",
    "pages",
    "off-hours pages",
    "flaps",
    "duplicates",
    "median to resolve",
    "quick, unacted",
    "replace with",
]


def share(part: int, whole: int) -> str:
    return f"{part:,} ({100 * part / whole:.0f} %)" if whole else f"{part:,}"


def resolve_time(value: float | None) -> str:
    return "UNKNOWN" if value is None else minutes(value)


def row(f: Figures) -> list[str]:
    return [
        f.name,
        f.kind.value if f.kind else "",
        f"{f.firings:,}",
        f"{f.per_week:,.1f}",
        f"{f.pages:,}",
        share(f.off_hours_pages, f.pages),
        share(f.flaps, f.firings),
        share(f.duplicates, f.firings),
        resolve_time(f.median_minutes_to_resolve),
        share(f.quick_unacted, f.resolved),
        f.replaced_by or "",
    ]
