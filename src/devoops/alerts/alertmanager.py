"""Alertmanager's JSON: the API's alert list, webhook payloads, and logs of webhook calls one
payload a line, which DuckDB reads in bulk when every record in them is well-formed.

Its own module because JSON is read unlike the CSV exports: by walking documents, not rows,
each problem located by line and JSON path.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from zoneinfo import ZoneInfo

from ..base.errors import Location, quoted
from ..base.located import loads_json
from .fields import CLASSIFYING_TEXT, NAN, NOT_PAGING, Bad, Problems, moment
from .model import UNKNOWN_ACT, History


def read_alertmanager(f: Any, path: str, zone: ZoneInfo | None, h: History, problems: Problems) -> None:
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
