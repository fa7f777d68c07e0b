"""What probes measured on the real system, and what it says about the lens's practices."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Literal

from pydantic import Field

from .common import Strict

Cell = str | int | float | None


class Status(StrEnum):
    """PASS/FAIL: held against its target; UNKNOWN: could not tell; ERROR: the probe broke."""

    PASS = "PASS"
    FAIL = "FAIL"
    UNKNOWN = "UNKNOWN"
    ERROR = "ERROR"
    SKIPPED = "SKIPPED"


class Measurement(Strict):
    """One figure with its unit, and the target it was held against when there is one."""

    name: str
    value: float | None
    unit: str
    target: float | None = None
    bound: Literal["max", "min"] | None = Field(
        default=None, description="max: the value must not exceed the target; min: must reach it"
    )
    detail: str | None = None

    @property
    def ok(self) -> bool | None:
        if self.value is None or self.target is None or self.bound is None:
            return None
        return self.value <= self.target if self.bound == "max" else self.value >= self.target


class Verdict(Strict):
    """The state of a practice the evidence shows; it outranks the recorded answer."""

    practice: str
    choice: str
    reason: str


class Proof(Strict):
    """A fact about one inventory component a probe saw for itself, which the scenarios take
    over the inventory's word: whether a backup target is write-once."""

    component: str
    fact: Literal["write-once"]
    holds: bool
    reason: str


class Table(Strict):
    """Detail too rich for single measurements (per window, per route, samples)."""

    title: str
    columns: list[str]
    rows: list[list[Cell]]


class Evidence(Strict):
    """What one probe's collect() returns."""

    status: Status
    summary: str
    measurements: list[Measurement] = []
    verdicts: list[Verdict] = []
    tables: list[Table] = []
    proofs: list[Proof] = []


class ProbeResult(Strict):
    """One probe's run: its name and kind, what it looked at (secrets hidden), when, what it found."""

    name: str
    kind: str
    target: str
    started_at: dt.datetime
    finished_at: dt.datetime
    evidence: Evidence

    @property
    def status(self) -> Status:
        return self.evidence.status

    @property
    def seconds(self) -> float:
        return (self.finished_at - self.started_at).total_seconds()
