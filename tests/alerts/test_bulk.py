"""The bulk (DuckDB) reading of a webhook log against the line-by-line reading: the same
history when every record is well-formed, and a fall back to the line-by-line reader, with
its located problems, whenever one is not."""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from devoops.alerts import History, read
from devoops.alerts import alertmanager as f
from devoops.base.errors import InputError

from . import exports as x

EVENTS = x.history(weeks=2, seed=11)


def line_by_line(paths: list[str], monkeypatch: pytest.MonkeyPatch) -> History:
    with monkeypatch.context() as m:
        m.setattr(f, "_webhook_log", lambda path, h: False)
        return read(paths)


def same(a: History, b: History) -> None:
    for name in ("names", "keys", "name", "key", "starts", "acted", "pages", "texts", "records"):
        assert getattr(a, name) == getattr(b, name), name
    assert [e if not math.isnan(e) else None for e in a.ends] == [
        e if not math.isnan(e) else None for e in b.ends
    ]


def payload(*alerts: object) -> str:
    return json.dumps({"status": "firing", "alerts": list(alerts)})


def alert(labels: dict[str, str], starts: str, status: str = "firing", **more: object) -> dict[str, object]:
    return {"status": status, "labels": labels, "startsAt": starts, **more}


DISK = {"alertname": "DiskFull", "instance": "a", "severity": "warning"}
ODD = [
    payload(alert(DISK, "2026-01-05T10:00:00.123456789Z", annotations=None)),
    payload(alert(dict(reversed(DISK.items())), "2026-01-05T11:00:00.123456+01:00")),  # the same firing
    payload(
        alert(DISK, "2026-01-05T10:00:00.123456Z", "resolved", endsAt="2026-01-05T10:05:00.5-03:00"),
        alert({"alertname": "Up"}, "2026-01-06T00:00:00Z", annotations={"summary": 3, "message": "m"}),
    ),
    "",
    payload(),
]


def test_a_generated_log_reads_the_same_in_bulk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    log, odd = tmp_path / "webhooks.jsonl", tmp_path / "odd.jsonl"
    log.write_text("\n".join(x.webhook_lines(EVENTS)) + "\n")
    odd.write_text("\n".join(ODD) + "\n")
    assert f._webhook_log(str(log), History()) and f._webhook_log(str(odd), History())
    paths = [str(log), str(odd), str(log)]
    bulk = read(paths)
    same(bulk, line_by_line(paths, monkeypatch))
    assert len(bulk) == len(EVENTS) + 2  # the log read again repeats its firings: one history
    assert bulk.ends[len(EVENTS)] == dt.datetime(2026, 1, 5, 13, 5, 0, 500000, dt.UTC).timestamp()


@pytest.mark.parametrize(
    "line",
    [
        "not json",
        payload(alert(DISK, "2026-01-05T10:00:00")),  # no offset: refused, or read with --assume-tz
        payload(alert(DISK, "0000-01-05T10:00:00Z")),
        payload(alert(DISK, "2026-01-05T10:00:00Z", "resolved", endsAt="2026-01-05T09:00:00Z")),
        payload(alert({"alertname": "A", "n": 1}, "2026-01-05T10:00:00Z")),  # type: ignore[dict-item]
        payload(alert(DISK, "2026-01-05T10:00:00Z", annotations="x")),
        payload(alert(DISK, "2026-01-05T10:00:00Z", "pending")),
        payload(alert(DISK, "2026-01-05T10:00:00Z", alerts=[])),
        payload(None),
        json.dumps(alert(DISK, "2026-01-05T10:00:00Z")),  # a bare alert
        json.dumps([alert(DISK, "2026-01-05T10:00:00Z")]),
        '{"alerts": [], "alerts": []}',
    ],
)
def test_anything_unusual_is_left_to_the_line_by_line_reader(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, line: str
) -> None:
    log = tmp_path / "webhooks.jsonl"
    log.write_text("\n".join([*ODD[:3], line, ODD[2]]) + "\n")
    h = History()
    assert not f._webhook_log(str(log), h)
    assert len(h) == h.records == 0
    try:
        expected: History | str = line_by_line([str(log)], monkeypatch)
    except InputError as exc:
        expected = str(exc)
    try:
        got: History | str = read([str(log)])
    except InputError as exc:
        got = str(exc)
    if isinstance(expected, str):
        assert got == expected and f"{log}:4" in got
    else:
        assert isinstance(got, History)
        same(got, expected)


@pytest.mark.hostile
@settings(max_examples=80, deadline=None)
@given(
    t=st.datetimes(min_value=dt.datetime(1, 1, 2), max_value=dt.datetime(9999, 12, 30)),
    offset=st.integers(-23 * 60 - 59, 23 * 60 + 59),
    digits=st.text("0123456789", min_size=0, max_size=9),
)
def test_bulk_times_are_the_instants_moment_reads_or_left_to_it(
    t: dt.datetime, offset: int, digits: str
) -> None:
    zone = "Z" if offset == 0 else f"{'+-'[offset < 0]}{abs(offset) // 60:02}:{abs(offset) % 60:02}"
    text = t.isoformat(timespec="seconds") + (f".{digits}" if digits else "") + zone
    (seconds,) = (
        duckdb.connect()
        .execute(f"SELECT {f._seconds('s')} FROM (SELECT ?::VARCHAR AS s)", [text])
        .fetchall()[0]
    )
    try:
        expected = f.moment(text, "startsAt", None)
    except f.Bad:  # within a day of the calendar's ends in UTC
        expected = math.inf
    assert seconds == expected or seconds is None and abs(expected) >= 2**53 / 1e6  # beyond: line by line


FIRED = payload(alert(DISK, "2026-01-05T10:00:00Z"))
RESOLVED = payload(alert(DISK, "2026-01-05T11:00:00+01:00", "resolved", endsAt="2026-01-05T10:20:00Z"))


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ([FIRED], [RESOLVED]),  # single documents, read line by line
        ([FIRED, FIRED], [RESOLVED, RESOLVED]),  # webhook logs, read in bulk
        ([FIRED], [RESOLVED, RESOLVED]),
        ([FIRED, FIRED], [RESOLVED]),
    ],
    ids=["documents", "logs", "document-then-log", "log-then-document"],
)
def test_a_firing_resolved_in_another_file_is_one_firing(
    tmp_path: Path, first: list[str], second: list[str]
) -> None:
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    a.write_text("\n".join(first) + "\n")
    b.write_text("\n".join(second) + "\n")
    h = read([str(a), str(b)])
    start = dt.datetime(2026, 1, 5, 10, tzinfo=dt.UTC).timestamp()
    assert (h.starts, h.ends, h.records) == ([start], [start + 20 * 60], len(first) + len(second))
