"""Readers of alert exports: Alertmanager JSON, PagerDuty incidents CSV, Opsgenie alerts CSV.

Every reader turns one record into one firing or a located problem (file, CSV row or JSON
index and line, field). Problems stop the import unless the caller skips bad records; then
they are counted. Times must be ISO 8601 with a UTC offset (any offset, mixed freely); a time
without one is refused unless a zone to assume is given, because guessing it silently moves
every page by hours.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import math
import os
import re
from collections.abc import Callable, Iterator
from typing import Any
from zoneinfo import ZoneInfo

from ..base.errors import InputError, Location, quoted
from ..base.located import loads_json
from .model import UNKNOWN_ACT, Format, History

NOT_PAGING = frozenset(
    {"warning", "warn", "info", "informational", "notice", "ticket", "low", "none", "debug"}
)
"""Severities (Alertmanager `severity` label, PagerDuty urgency) that notify without paging."""
NOT_PAGING_PRIORITIES = frozenset({"p4", "p5"})
"""Opsgenie priorities that notify without paging."""
CLASSIFYING_TEXT = 300
SHOWN_PROBLEMS = 50
NAN = math.nan
Problems = list[tuple[Location, str]]


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
        raise Bad(field, f"{_short(text)!r} is not an ISO 8601 time") from None
    if t.tzinfo is None:
        if zone is None:
            raise Bad(field, f"{_short(text)!r} has no UTC offset; add one, or pass --assume-tz ZONE")
        t = t.replace(tzinfo=zone)
    try:
        utc = t.astimezone(dt.UTC)
    except (OverflowError, ValueError):
        utc = None
    if utc is None or not FIRST <= utc < LAST:
        raise Bad(field, f"{_short(text)!r} is out of range (in UTC, 0001-01-02 until 9999-12-31)")
    return utc.timestamp()


def _short(text: str) -> str:
    return text if len(text) <= 40 else text[:37] + "..."


def detect(path: str, head: str) -> Format:
    """The format from the first bytes: JSON is Alertmanager's; a CSV header names its vendor."""
    start = head.lstrip("\ufeff \t\r\n")[:1]
    if start in "[{":
        return Format.ALERTMANAGER
    header = {_column(c) for c in next(csv.reader([head.lstrip("\ufeff").partition("\n")[0]]), [])}
    if header & {"incidentnumber", "urgency", "escalationpolicyname", "createdon"}:
        return Format.PAGERDUTY
    if header & {"tinyid", "alias"}:
        return Format.OPSGENIE
    raise InputError.at(
        Location(path, 1, 1),
        "cannot tell the export's format (neither Alertmanager JSON nor a PagerDuty or Opsgenie CSV "
        "header); pass --format",
    )


def read(
    paths: list[str], format: Format | None = None, zone: ZoneInfo | None = None, skip_bad: bool = False
) -> History:
    """Every export into one history. Raises InputError naming each bad record unless
    `skip_bad`, and for a file that cannot be read at all."""
    history = History()
    problems: Problems = []
    for path in paths:
        try:
            with open(path, encoding="utf-8-sig", newline="") as f:
                head = f.read(4096)
                f.seek(0)
                kind = format or detect(path, head)
                history.formats.add(kind)
                history.files.append(path)
                READERS[kind](f, path, zone, history, problems)
        except OSError as exc:
            raise InputError.at(Location(path), f"cannot read: {exc.strerror or exc}") from None
        except UnicodeDecodeError as exc:
            raise InputError.at(Location(path), f"not UTF-8 text ({exc.reason})") from None
    if problems and not skip_bad:
        shown = problems[:SHOWN_PROBLEMS]
        if len(problems) > SHOWN_PROBLEMS:
            more = len(problems) - SHOWN_PROBLEMS
            shown.append(
                (Location(paths[-1]), f"... and {more} more bad records (--skip-bad-rows skips them)")
            )
        raise InputError(shown)
    history.skipped = problems
    return history


# --- Alertmanager ---------------------------------------------------------------------------


def _alertmanager(f: Any, path: str, zone: ZoneInfo | None, h: History, problems: Problems) -> None:
    """The API's alert list (GET /api/v2/alerts), webhook payloads ({"alerts": [...]}), either as
    one document, a list of them, or one per line (a log of webhook calls). Webhooks repeat an
    alert on every notification: one firing is one (labels, startsAt), resolved when any copy is,
    in whichever file."""
    lines = _one_per_line(f)
    if lines and _webhook_log(path, h):
        return
    for where, alert in _alerts(f, path, problems, lines):
        h.records += 1
        try:
            name, key, page, text, start, end = _alert(alert, zone)
        except Bad as bad:
            problems.append((Location(path, where[0], None, f"{where[1]}.{bad.field}"), str(bad)))
            continue
        h.notify(name, key, start, end, page, text)


def _one_per_line(f: Any) -> bool:
    """Whether the file is a log of one JSON document per line: its first line is a whole JSON
    value and more follows. Such a log is read line by line, never sitting in memory whole."""
    try:
        loads_json(f.readline())
        lines = bool(f.read(1).strip()) or bool(f.readline().strip())
    except json.JSONDecodeError:
        lines = False
    f.seek(0)
    return lines


def _alerts(
    f: Any, path: str, problems: Problems, lines: bool
) -> Iterator[tuple[tuple[int | None, str], Any]]:
    """Each alert object with where it is: (line, JSON path)."""
    if not lines:
        try:
            yield from _walk(loads_json(f.read()), None, "")
        except json.JSONDecodeError as exc:
            problems.append((Location(path, exc.lineno, exc.colno), f"not JSON: {exc.msg}"))
        return
    for number, line in enumerate(f, 1):
        if line.strip():
            try:
                doc = loads_json(line)
            except json.JSONDecodeError as exc:
                problems.append((Location(path, number, exc.colno), f"not JSON: {exc.msg}"))
                continue
            yield from _walk(doc, number, "")


def _walk(doc: Any, line: int | None, at: str) -> Iterator[tuple[tuple[int | None, str], Any]]:
    """In document order, without recursion: lists nest as deep as the JSON decoder allows."""
    stack = [(doc, at)]
    while stack:
        doc, at = stack.pop()
        if isinstance(doc, list):
            stack += reversed([(item, f"{at}[{i}]") for i, item in enumerate(doc)])
        elif isinstance(doc, dict) and isinstance(doc.get("alerts"), list):
            stack.append((doc["alerts"], f"{at}.alerts" if at else "alerts"))
        else:
            yield (line, at or "$"), doc


def _alert(a: Any, zone: ZoneInfo | None) -> tuple[str, str, bool, str, float, float]:
    """An alert's name, identity, whether it pages, its words, and when it started and ended."""
    if not isinstance(a, dict):
        raise Bad("", "an alert must be an object with labels and startsAt")
    labels = _labels(a.get("labels"))
    starts = a.get("startsAt")
    if not isinstance(starts, str):
        raise Bad("startsAt", "missing")
    start = moment(starts, "startsAt", zone)
    status = a.get("status")
    state = status.get("state") if isinstance(status, dict) else status
    if state not in STATES:
        raise Bad("status", f"{quoted(state)} is neither firing nor resolved (webhook) nor an API state")
    end = NAN
    if state == "resolved":
        ends = a.get("endsAt")
        if not isinstance(ends, str):
            raise Bad("endsAt", "a resolved alert needs endsAt")
        end = moment(ends, "endsAt", zone)
        if end < start:
            raise Bad("endsAt", "before startsAt")
    annotations = a.get("annotations") or {}
    if not isinstance(annotations, dict):
        raise Bad("annotations", "not an object")
    return (*_identity(labels, annotations), start, end)


STATES = ("firing", "resolved", "active", "suppressed", "unprocessed")


def _labels(labels: Any) -> dict[str, str]:
    if not isinstance(labels, dict) or not all(isinstance(v, str) for v in labels.values()):
        raise Bad("labels", "missing, or not an object of strings")
    if not labels.get("alertname"):
        raise Bad("labels.alertname", "missing")
    return labels


def _identity(labels: dict[str, str], annotations: dict[str, Any]) -> tuple[str, str, bool, str]:
    """Name, identity (every label), whether it pages, and the words that classify it."""
    key = "\x1f".join(f"{k}={labels[k]}" for k in sorted(labels))
    page = labels.get("severity", "").lower() not in NOT_PAGING
    words = [*labels.values(), *(str(annotations.get(k, "")) for k in ("summary", "description", "message"))]
    return labels["alertname"], key, page, " ".join(words)[:CLASSIFYING_TEXT]


OFFSET_TIME = r"\d{4}-\d\d-\d\dT([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d{1,9})?(Z|[+-]([01]\d|2[0-3]):[0-5]\d)"
"""Times that DuckDB and `moment` parse alike (digits beyond microseconds dropped)."""


def _seconds(column: str) -> str:
    """SQL: a time column as UTC epoch seconds, NULL unless it is an OFFSET_TIME whose microseconds
    a double holds exactly (until the year 2255), so the division rounds as Python's does."""
    micros = f"epoch_us(try_cast({column} AS TIMESTAMPTZ))"
    return (
        f"CASE WHEN regexp_full_match({column}, '{OFFSET_TIME}') AND left({column}, 4) <> '0000' "
        f"AND abs({micros}) < 2 ** 53 THEN {micros} / 1e6 END"
    )


_BULK = f"""
CREATE TEMP TABLE a AS
SELECT a.labels, a.annotations, a.status = 'resolved' AS resolved,
    coalesce(a.alerts IS NULL AND a.status IN {STATES}
        AND coalesce(json_type(a.annotations) IN ('OBJECT', 'NULL'), true), false) AS ok,
    {_seconds("a.startsAt")} AS start,
    CASE WHEN a.status = 'resolved' THEN {_seconds("a.endsAt")} END AS "end"
FROM (
    SELECT unnest(if(alerts IS NULL, [NULL], alerts)) AS a
    FROM read_json(?, format = 'newline_delimited', records = 'true', maximum_object_size = 1 << 28,
        columns = {{'alerts': 'STRUCT(status VARCHAR, labels JSON, annotations JSON, startsAt VARCHAR,
            endsAt VARCHAR, alerts JSON)[]'}})
)
"""


def _webhook_log(path: str, h: History) -> bool:
    """A webhook log read in bulk by DuckDB, some 20 times faster than line by line: when every
    line is a payload object, every alert in it is well-formed and every time carries its UTC
    offset. Anything else returns False having added nothing, and the line-by-line reader
    reads the file, locating each problem."""
    import duckdb
    import numpy as np

    with duckdb.connect() as db:
        try:
            db.execute(_BULK, [path])
        except duckdb.Error:
            return False
        records, bad = db.execute(
            "SELECT count(*), count(*) FILTER "
            '(NOT ok OR start IS NULL OR resolved AND coalesce("end" < start, true)) FROM a'
        ).fetchall()[0]
        if bad:
            return False
        keys: dict[str, int] = {}
        identities: list[tuple[str, str, bool, str]] = []  # this file's, in the order they first fire
        labels_keys: tuple[list[str], list[int]] = ([], [])
        for labels, annotations in db.execute(
            "SELECT labels, arg_min(annotations, rowid) FROM a GROUP BY labels ORDER BY min(rowid)"
        ).fetchall():
            try:
                identity = _identity(
                    _labels(loads_json(labels or "null")), loads_json(annotations or "null") or {}
                )
            except (Bad, json.JSONDecodeError):
                return False
            if identity[1] not in keys:
                keys[identity[1]] = len(keys)
                identities.append(identity)
            labels_keys[0].append(labels)
            labels_keys[1].append(keys[identity[1]])
        firings = db.execute(
            """SELECT k.key, a.start, coalesce(max(a."end"), 'NaN') AS "end"
            FROM a JOIN (SELECT unnest(?::VARCHAR[]) AS labels, unnest(?::INTEGER[]) AS key) k
                ON a.labels::VARCHAR = k.labels
            GROUP BY k.key, a.start ORDER BY min(a.rowid)""",
            list(labels_keys),
        ).fetchnumpy()
    for name, _, _, text in identities:
        if name not in h.names:
            h.names[name] = len(h.names)
            h.texts.append(text)
    codes = np.array([h.keys.setdefault(k, len(h.keys)) for _, k, *_ in identities])[firings["key"]]
    known = [h.firings.get(f) for f in zip(codes.tolist(), firings["start"].tolist(), strict=True)]
    for index, end in zip(known, firings["end"].tolist(), strict=True):  # notified in an earlier file
        if index is not None:
            h.resolve(index, end)
    new = np.array([index is None for index in known], dtype=bool)
    key, code, start = firings["key"][new], codes[new].tolist(), firings["start"][new].tolist()
    h.firings.update(zip(zip(code, start, strict=True), range(len(h), len(h) + len(code)), strict=True))
    h.name += np.array([h.names[name] for name, *_ in identities])[key].tolist()
    h.key += code
    h.pages += np.array([page for _, _, page, _ in identities])[key].tolist()
    h.starts += start
    h.ends += firings["end"][new].tolist()
    h.acted += [UNKNOWN_ACT] * len(code)
    h.records += records
    return True


# --- CSV exports ----------------------------------------------------------------------------


def _column(header: str) -> str:
    """Headers compared without case, spaces or punctuation: `Created At` is `createdAt`."""
    return re.sub(r"[^a-z0-9]", "", header.lower())


class Header:
    """A CSV header: where each column is. A column the export lacks is at -1, where every row
    carries one extra empty cell, so a row reader never asks whether a column exists."""

    def __init__(self, headers: list[str]) -> None:
        self.headers = headers
        self.index: dict[str, int] = {}
        for i, h in enumerate(headers):
            self.index.setdefault(_column(h), i)

    def find(self, *names: str) -> int:
        return next((self.index[n] for n in names if n in self.index), -1)

    def name(self, i: int, fallback: str) -> str:
        return self.headers[i] if i >= 0 else fallback


RowReader = Callable[[list[str], "ZoneInfo | None", History], None]


def _csv(
    required: tuple[tuple[str, ...], ...], compile: Callable[[Header], RowReader]
) -> Callable[[Any, str, ZoneInfo | None, History, Problems], None]:
    """A CSV reader: the header must hold each required column (any of its names); each row
    goes to the row reader compiled for this header, its problems located by line."""

    def reader(f: Any, path: str, zone: ZoneInfo | None, h: History, problems: Problems) -> None:
        rows = csv.reader(f)
        try:
            header = Header(next(rows, []))
            missing = [names[0] for names in required if header.find(*names) < 0]
            if missing:
                raise InputError.at(
                    Location(path, 1), f"the header lacks the column(s): {', '.join(missing)}"
                )
            row, width = compile(header), len(header.headers)
            for cells in rows:
                if not cells:
                    continue
                h.records += 1
                if len(cells) != width:
                    problems.append(
                        (Location(path, rows.line_num), f"{len(cells)} cells, the header has {width}")
                    )
                    continue
                cells.append("")
                try:
                    row(cells, zone, h)
                except Bad as bad:
                    problems.append((Location(path, rows.line_num, None, bad.field), str(bad)))
        except csv.Error as exc:
            problems.append((Location(path, rows.line_num), f"not CSV: {exc}"))

    return reader


def _flag(value: str, field: str) -> bool | None:
    value = value.strip().lower()
    if value in ("true", "yes", "1"):
        return True
    if value in ("false", "no", "0", ""):
        return False if value else None
    raise Bad(field, f"{_short(value)!r} is neither true nor false")


def _count(value: str, field: str) -> int:
    try:
        return int(float(value)) if value.strip() else 0
    except ValueError:
        raise Bad(field, f"{_short(value)!r} is not a number") from None


def _required(value: str, field: str) -> str:
    value = value.strip()
    if not value:
        raise Bad(field, "empty")
    return value


def _end(value: str, field: str, zone: ZoneInfo | None, start: float) -> float:
    if not value.strip():
        return NAN
    end = moment(value, field, zone)
    if end < start:
        raise Bad(field, "before the creation time")
    return end


def _pagerduty(c: Header) -> RowReader:
    """PagerDuty's incidents CSV: one incident per row, its title as the alert's name, the
    service and title as its identity; high urgency pages. Someone acted when it was
    acknowledged (a first-ack time, an acknowledge count, a name); nobody when it resolved
    itself (auto_resolved) or no acknowledgement is recorded; unknown without those columns."""
    title, service, urgency = (
        c.find("description", "title", "summary"),
        c.find("servicename"),
        c.find("urgency"),
    )
    created, resolved = c.find("createdon", "createdat"), c.find("resolvedon", "resolvedat")
    first_ack, acks, by = (
        c.find("secondstofirstack"),
        c.find("acknowledgecount"),
        c.find("acknowledgedbyusernames"),
    )
    auto, assigned = c.find("autoresolved"), c.find("assignedtousernames")
    policy, escalations = c.find("escalationpolicyname", "escalationpolicy"), c.find("escalationcount")
    f_title, f_created, f_resolved = c.name(title, ""), c.name(created, ""), c.name(resolved, "resolved_on")
    f_acks, f_auto, f_escalations = c.name(acks, ""), c.name(auto, ""), c.name(escalations, "")
    knows_acts = max(first_ack, acks, by, auto) >= 0
    knows_escalation = max(policy, escalations) >= 0

    def row(cells: list[str], zone: ZoneInfo | None, h: History) -> None:
        name = _required(cells[title], f_title)
        start = moment(cells[created], f_created, zone)
        end = _end(cells[resolved], f_resolved, zone, start)
        acked_by = cells[by].strip()
        if _flag(cells[auto], f_auto):
            acted = 0
        elif acked_by or cells[first_ack].strip() or _count(cells[acks], f_acks) > 0:
            acted = 1
        else:
            acted = 0 if knows_acts else UNKNOWN_ACT
        if knows_escalation and not h.escalation:
            h.escalation = bool(cells[policy].strip()) or _count(cells[escalations], f_escalations) > 0
        h.responders.add(acked_by)
        h.responders.add(cells[assigned])
        page = cells[urgency].strip().lower() not in NOT_PAGING
        h.add(name, f"{cells[service]}\x1f{name}", start, end, acted, page, f"{name} {cells[service]}")

    return row


def _opsgenie(c: Header) -> RowReader:
    """Opsgenie's alerts CSV: the message as the alert's name, the alias (its de-duplication
    key) as its identity; P4 and P5 notify without paging. A closed alert ends at ClosedAt, or
    at UpdatedAt when the export has no ClosedAt (its last change, which closing is)."""
    message, alias, status = c.find("message"), c.find("alias"), c.find("status")
    created, closed_at, updated = c.find("createdat"), c.find("closedat"), c.find("updatedat")
    acked, by, owner, priority = (
        c.find("acknowledged"),
        c.find("acknowledgedby"),
        c.find("owner"),
        c.find("priority"),
    )
    tags, entity, description = c.find("tags"), c.find("entity"), c.find("description")
    f_message, f_created, f_acked = c.name(message, ""), c.name(created, ""), c.name(acked, "")
    f_end = c.name(closed_at, "ClosedAt") if closed_at >= 0 else c.name(updated, "UpdatedAt")
    end_column = closed_at if closed_at >= 0 else updated
    knows_acts = max(acked, by) >= 0

    def row(cells: list[str], zone: ZoneInfo | None, h: History) -> None:
        name = _required(cells[message], f_message)
        start = moment(cells[created], f_created, zone)
        closed = cells[status].strip().lower() == "closed"
        end = _end(cells[end_column], f_end, zone, start) if closed or closed_at >= 0 else NAN
        if closed and math.isnan(end):
            raise Bad(f_end, "a closed alert needs the time it closed")
        acked_by = cells[by].strip()
        acted = 1 if acked_by or _flag(cells[acked], f_acked) else 0 if knows_acts else UNKNOWN_ACT
        h.responders.add(acked_by)
        h.responders.add(cells[owner])
        page = cells[priority].strip().lower() not in NOT_PAGING_PRIORITIES
        words = f"{name} {cells[tags]} {cells[entity]} {cells[description][:CLASSIFYING_TEXT]}"
        h.add(name, cells[alias].strip() or name, start, end, acted, page, words[:CLASSIFYING_TEXT])

    return row


READERS: dict[Format, Callable[[Any, str, ZoneInfo | None, History, Problems], None]] = {
    Format.ALERTMANAGER: _alertmanager,
    Format.PAGERDUTY: _csv((("description", "title", "summary"), ("createdon", "createdat")), _pagerduty),
    Format.OPSGENIE: _csv((("message",), ("createdat",)), _opsgenie),
}


def expand(patterns: list[str]) -> list[str]:
    """Paths and globs to the files they name, in order, each once; a pattern naming nothing is
    an error rather than an empty history."""
    import glob

    files: list[str] = []
    for pattern in patterns:
        found = sorted(glob.glob(pattern, recursive=True)) if glob.has_magic(pattern) else [pattern]
        found = [f for f in found if not glob.has_magic(pattern) or os.path.isfile(f)]
        if not found:
            raise InputError.at(Location(pattern), "no file matches")
        files += [f for f in found if f not in files]
    return files
