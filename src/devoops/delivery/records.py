"""Delivery history files: deployments, incidents and scale-outs, as CSV or JSON.

Every row is checked; a malformed one is a problem naming the file, the row (a CSV line, or a
JSON item as `[3]`) and the field. The caller decides: refuse the file (exit 2, nothing
written) or skip the rows and count them. Times are ISO 8601 and must carry an offset
(`Z`, `+02:00`); a naive time is refused unless a zone to assume is given. Offsets may differ
from row to row; everything becomes UTC.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any, Generic, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..base.errors import InputError, Location, quoted
from ..base.located import export_text, loads_json

T = TypeVar("T")


class DeployStatus(StrEnum):
    SUCCESS = "success"
    FAILED = "failed"
    ROLLED_BACK = "rolled_back"


STATUS_WORDS = {
    DeployStatus.SUCCESS: ("success", "succeeded", "successful", "ok", "passed", "done", "completed"),
    DeployStatus.FAILED: ("failed", "failure", "error", "errored"),
    DeployStatus.ROLLED_BACK: ("rolled_back", "rolled-back", "rolledback", "rollback", "reverted"),
}
STATUSES = {word: status for status, words in STATUS_WORDS.items() for word in words}

# Accepted column names, first match wins; the first name is the one documented.
DEPLOY_COLUMNS = {
    "time": ("time", "timestamp", "deployed_at", "finished_at", "date"),
    "commit": ("commit", "sha", "revision", "git_sha"),
    "version": ("version", "tag", "release"),
    "environment": ("environment", "env", "stage"),
    "status": ("status", "result", "state", "outcome"),
    "duration": ("duration", "duration_seconds", "elapsed"),
    "duration_minutes": ("duration_minutes",),
}
INCIDENT_COLUMNS = {
    "start": ("start", "started_at", "startsAt", "created_at", "opened_at"),
    "end": ("end", "resolved", "resolved_at", "ended_at", "endsAt", "closed_at"),
    "title": ("title", "name", "summary", "description"),
    "deployment": ("deployment", "caused_by", "commit", "version"),
}
SCALE_OUT_COLUMNS = {
    "requested": ("requested", "requested_at", "started_at", "start"),
    "ready": ("ready", "ready_at", "in_service_at", "end"),
}
_DURATION = re.compile(r"^(?:(\d+(?:\.\d+)?)h)?\s*(?:(\d+(?:\.\d+)?)m)?\s*(?:(\d+(?:\.\d+)?)s)?$")
_CLOCK = re.compile(r"^(\d+):([0-5]\d):([0-5]\d(?:\.\d+)?)$")


@dataclass(frozen=True)
class Deployment:
    """One deployment: `time` is when it finished (went live or failed), in UTC."""

    row: str
    time: dt.datetime
    environment: str | None
    status: DeployStatus
    commit: str | None = None
    version: str | None = None
    duration: dt.timedelta | None = None


@dataclass(frozen=True)
class Incident:
    row: str
    start: dt.datetime
    end: dt.datetime | None = None
    title: str = ""
    deployment: str | None = None
    """The commit or version of the deployment that caused it, when the export names one."""


@dataclass(frozen=True)
class ScaleOut:
    row: str
    requested: dt.datetime
    ready: dt.datetime

    @property
    def took(self) -> dt.timedelta:
        return self.ready - self.requested


@dataclass(frozen=True)
class Rows(Generic[T]):
    """The rows read, and the problems of those skipped (empty unless skipping was allowed)."""

    rows: list[T]
    skipped: list[tuple[Location, str]] = field(default_factory=list)


class BadRow(ValueError):
    """A cell that cannot be read; `column` names it."""

    def __init__(self, column: str, message: str) -> None:
        super().__init__(message)
        self.column = column


def zone(name: str | None) -> dt.tzinfo | None:
    """The zone --assume-tz names (IANA name, `UTC`, or a fixed offset such as +02:00);
    ValueError for any other text."""
    if name is None:
        return None
    if re.fullmatch(r"[+-]\d{2}:\d{2}", name):
        return dt.datetime.fromisoformat(f"2000-01-01T00:00{name}").tzinfo
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown time zone {quoted(name)}: give an IANA name (Europe/Paris), UTC or +02:00"
        ) from None


def parse_time(text: str, assume: dt.tzinfo | None = None) -> dt.datetime:
    """An ISO 8601 time in UTC. A time without an offset is read in `assume` (an ambiguous
    wall time at a DST change is its first occurrence), or refused when there is none."""
    text = text.strip()
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"not an ISO 8601 time: {quoted(text)}") from None
    if value.tzinfo is None:
        if assume is None:
            raise ValueError(
                f"{quoted(text)} has no UTC offset; add one (Z, +02:00) or pass --assume-tz ZONE"
            )
        value = value.replace(tzinfo=assume, fold=0)
    try:
        return value.astimezone(dt.UTC)
    except OverflowError:
        raise ValueError(f"{quoted(text)} is out of range in UTC") from None


def parse_duration(text: str, unit_seconds: float = 1.0) -> dt.timedelta:
    """A duration: a plain number in the column's unit (seconds, or minutes in
    `duration_minutes`), `12m30s`, `1h5m`, `0:12:30`, or ISO 8601 `PT12M30S`."""
    raw = text.strip()
    body = raw.upper().removeprefix("PT").lower() if raw.upper().startswith("PT") else raw.lower()
    try:
        seconds = float(body) * unit_seconds
    except ValueError:
        if (m := _CLOCK.match(body)) is not None:
            seconds = int(m[1]) * 3600 + int(m[2]) * 60 + float(m[3])
        elif body and (m := _DURATION.match(body)) is not None and any(m.groups()):
            h, mi, s = (float(g or 0) for g in m.groups())
            seconds = h * 3600 + mi * 60 + s
        else:
            raise ValueError(
                f"not a duration: {quoted(raw)} (give seconds, 12m30s, 0:12:30 or PT12M30S)"
            ) from None
    if not 0 <= seconds < float("inf"):
        raise ValueError(f"not a duration: {quoted(raw)} (must be a finite number, not negative)")
    return dt.timedelta(seconds=seconds)


def _records(path: Path) -> Iterator[tuple[str, int | None, Mapping[str, Any]]]:
    """(row label, CSV line, record) for every record; JSON is a list of objects or an object
    holding one list. Raises InputError for a file that cannot be read at all."""
    text = export_text(path)
    if path.suffix.lower() == ".json" or text.lstrip()[:1] in ("[", "{"):
        yield from _json_records(path, text)
    else:
        yield from _csv_records(path, text)


def _json_records(path: Path, text: str) -> Iterator[tuple[str, int | None, Mapping[str, Any]]]:
    try:
        data = loads_json(text)
    except json.JSONDecodeError as exc:
        raise InputError.at(Location(str(path), exc.lineno, exc.colno), f"not JSON: {exc.msg}") from None
    if isinstance(data, dict):
        lists = [v for v in data.values() if isinstance(v, list)]
        data = lists[0] if len(lists) == 1 else None
    if not isinstance(data, list):
        raise InputError.at(Location(str(path)), "expected a list of objects, or an object holding one list")
    for i, item in enumerate(data):
        if not isinstance(item, dict):
            item = {"": item}
        yield f"[{i}]", None, {str(k): "" if v is None else str(v) for k, v in item.items()}


def _csv_records(path: Path, text: str) -> Iterator[tuple[str, int | None, Mapping[str, Any]]]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        if not reader.fieldnames:
            return
        for record in reader:
            if not any((v or "").strip() for v in record.values() if isinstance(v, str)):
                continue  # a blank line
            yield "", reader.line_num, record
    except csv.Error as exc:
        raise InputError.at(Location(str(path), reader.reader.line_num), f"not CSV: {exc}") from None


def where(source: str, row: str, column: str) -> Location:
    """A row's place: `line N` of a CSV file, or `[i]` of a JSON list, and the column."""
    if row.startswith("line "):
        return Location(source, int(row.removeprefix("line ")), field=column)
    return Location(source, field=f"{row}.{column}")


@dataclass(frozen=True)
class Cells:
    """One record's cells under the names of a column table: `cells(name)` is the stripped text
    of the column that name stands for, None when it is empty or absent (`has` tells which)."""

    present: Mapping[str, str | None]
    values: Mapping[str, str]

    def __call__(self, name: str) -> str | None:
        alias = self.present[name]
        return (self.values[alias.lower()] or None) if alias is not None else None

    def has(self, name: str) -> bool:
        return self.present[name] is not None


def read(
    path: Path,
    columns: Mapping[str, tuple[str, ...]],
    make: Callable[[str, Cells], T],
    skip_bad_rows: bool = False,
) -> Rows[T]:
    """Every record through `make(row, cells)`. Problems are raised together unless skipped."""
    rows: list[T] = []
    problems: list[tuple[Location, str]] = []
    for label, line, record in _records(path):
        lowered = {k.strip().lower(): (v or "").strip() for k, v in record.items() if k is not None}
        present = {
            name: next((alias for alias in aliases if alias.lower() in lowered), None)
            for name, aliases in columns.items()
        }
        cell = Cells(present, lowered)
        try:
            rows.append(make(label or f"line {line}", cell))
        except BadRow as exc:
            problems.append(
                (where(str(path), label or f"line {line}", present.get(exc.column) or exc.column), str(exc))
            )
    if problems and not skip_bad_rows:
        raise InputError(problems)
    return Rows(rows, problems)


def _time(
    cell: Callable[[str], str | None], name: str, assume: dt.tzinfo | None, required: bool = True
) -> dt.datetime | None:
    text = cell(name)
    if text is None:
        if required:
            raise BadRow(name, "missing")
        return None
    try:
        return parse_time(text, assume)
    except ValueError as exc:
        raise BadRow(name, str(exc)) from None


def read_deployments(
    path: Path, assume: dt.tzinfo | None = None, skip_bad_rows: bool = False
) -> Rows[Deployment]:
    """A missing status column means every row succeeded; a status cell must be a known word
    (an empty one is refused: it may hide a failure). A missing environment column means every
    row is of the environment analysed."""

    def make(row: str, cell: Cells) -> Deployment:
        time = _time(cell, "time", assume)
        assert time is not None
        status = cell("status")
        if status is None and cell.has("status"):
            raise BadRow("status", f"missing; use one of {', '.join(STATUSES)}")
        word = (status or "success").lower().replace(" ", "_")
        if word not in STATUSES:
            raise BadRow("status", f"unknown status {quoted(word)}; use one of {', '.join(STATUSES)}")
        duration = _duration(cell, "duration", 1.0)
        return Deployment(
            row=row,
            time=time,
            environment=(cell("environment") or "").lower() or None,
            status=STATUSES[word],
            commit=cell("commit"),
            version=cell("version"),
            duration=duration if duration is not None else _duration(cell, "duration_minutes", 60.0),
        )

    return read(path, DEPLOY_COLUMNS, make, skip_bad_rows)


def _duration(cell: Callable[[str], str | None], name: str, unit: float) -> dt.timedelta | None:
    text = cell(name)
    try:
        return None if text is None else parse_duration(text, unit)
    except ValueError as exc:
        raise BadRow(name, str(exc)) from None


def read_incidents(
    path: Path, assume: dt.tzinfo | None = None, skip_bad_rows: bool = False
) -> Rows[Incident]:
    """An incident without an end is still open; one ending before it starts is refused."""

    def make(row: str, cell: Callable[[str], str | None]) -> Incident:
        start = _time(cell, "start", assume)
        end = _time(cell, "end", assume, required=False)
        assert start is not None
        if end is not None and end < start:
            raise BadRow("end", "ends before it starts")
        return Incident(row, start, end, cell("title") or "", cell("deployment"))

    return read(path, INCIDENT_COLUMNS, make, skip_bad_rows)


def read_scale_outs(
    path: Path, assume: dt.tzinfo | None = None, skip_bad_rows: bool = False
) -> Rows[ScaleOut]:
    """One row per server added: when it was asked for and when it took traffic."""

    def make(row: str, cell: Callable[[str], str | None]) -> ScaleOut:
        requested, ready = _time(cell, "requested", assume), _time(cell, "ready", assume)
        assert requested is not None and ready is not None
        if ready < requested:
            raise BadRow("ready", "ready before it was requested")
        return ScaleOut(row, requested, ready)

    return read(path, SCALE_OUT_COLUMNS, make, skip_bad_rows)
