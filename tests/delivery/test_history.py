"""Reading deployment, incident and scale-out files: formats, time zones, bad rows."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from devoops.base.errors import InputError
from devoops.delivery.records import (
    DeployStatus,
    parse_duration,
    parse_time,
    read_deployments,
    read_incidents,
    read_scale_outs,
    zone,
)

from .history_data import deployments, write_csv, write_json

aware = st.datetimes(
    min_value=dt.datetime(1971, 1, 2), max_value=dt.datetime(2200, 1, 1), timezones=st.timezones()
)
offsets = st.integers(min_value=-14 * 60, max_value=14 * 60).map(
    lambda m: dt.timezone(dt.timedelta(minutes=m))
)


@pytest.mark.hostile
@given(aware)
def test_any_offset_reads_as_the_same_instant_in_utc(t: dt.datetime) -> None:
    parsed = parse_time(t.isoformat())
    assert parsed == t.astimezone(dt.UTC) and parsed.utcoffset() == dt.timedelta(0)


@pytest.mark.hostile
@given(st.datetimes(min_value=dt.datetime(1971, 1, 2), max_value=dt.datetime(2200, 1, 1)), offsets)
def test_naive_times_are_refused_unless_a_zone_is_assumed(t: dt.datetime, tz: dt.timezone) -> None:
    with pytest.raises(ValueError, match="no UTC offset"):
        parse_time(t.isoformat())
    assert parse_time(t.isoformat(), tz) == t.replace(tzinfo=tz)


def test_an_ambiguous_wall_time_is_its_first_occurrence() -> None:
    paris = zone("Europe/Paris")
    # 02:30 on 2026-10-25 happens twice in Paris: first at +02:00
    assert parse_time("2026-10-25T02:30:00", paris) == dt.datetime(2026, 10, 25, 0, 30, tzinfo=dt.UTC)
    with pytest.raises(ValueError, match="unknown time zone"):
        zone("Mars/Olympus")
    assert zone("+05:30") == dt.timezone(dt.timedelta(hours=5, minutes=30))


@pytest.mark.hostile
@given(st.integers(0, 30), st.integers(0, 59), st.integers(0, 59))
def test_every_duration_spelling_means_the_same(h: int, m: int, s: int) -> None:
    expected = dt.timedelta(hours=h, minutes=m, seconds=s)
    total = h * 3600 + m * 60 + s
    for text in (f"{h}h{m}m{s}s", f"PT{h}H{m}M{s}S", f"{h}:{m:02}:{s:02}", str(total), f"{total}s"):
        assert parse_duration(text) == expected, text
    assert parse_duration(str(total / 60), 60.0).total_seconds() == pytest.approx(total)


@pytest.mark.parametrize("text", ["", "soon", "-5", "nan", "inf", "5x", "1:99:00"])
def test_nonsense_durations_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_duration(text)


def test_csv_and_json_exports_read_the_same(tmp_path: Path) -> None:
    rows = deployments()
    a = read_deployments(write_csv(tmp_path / "d.csv", rows)).rows
    b = read_deployments(write_json(tmp_path / "d.json", rows, seed=2)).rows
    assert [d.time for d in a] == [d.time for d in b] == [r.time for r in rows]
    assert [d.status.value for d in a] == [d.status.value for d in b] == [r.status for r in rows]
    assert [d.environment for d in a] == [r.environment for r in rows]
    for d, r in zip(b, rows, strict=True):
        assert d.duration is not None and d.duration.total_seconds() == pytest.approx(r.minutes * 60)
    assert a[0].row == "line 2" and b[0].row == "[0]"


@settings(max_examples=30, deadline=None)
@given(
    st.lists(st.tuples(aware, st.sampled_from(["ok", "FAILED", "rolled back", "Success"])), max_size=15),
    st.data(),
)
def test_one_bad_row_is_named_by_its_line_and_nothing_else(
    tmp_path_factory: pytest.TempPathFactory, rows: list[tuple[dt.datetime, str]], data: st.DataObject
) -> None:
    path = tmp_path_factory.mktemp("h") / "d.csv"
    bad = data.draw(st.integers(0, len(rows)))
    lines = ["time,status"] + [f"{t.isoformat()},{s}" for t, s in rows]
    lines.insert(bad + 1, "2026-13-01T00:00:00Z,ok")
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(InputError) as caught:
        read_deployments(path)
    assert [(p.line, p.field) for p, _ in caught.value.problems] == [(bad + 2, "time")]
    read = read_deployments(path, skip_bad_rows=True)
    assert len(read.skipped) == 1 and [d.time for d in read.rows] == [t.astimezone(dt.UTC) for t, _ in rows]
    words = {"ok": "success", "failed": "failed", "rolled back": "rolled_back", "success": "success"}
    assert [d.status.value for d in read.rows] == [words[s.lower()] for _, s in rows]


def test_every_problem_of_a_file_is_reported_with_its_row(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_text(
        "time,version,status,duration\n"
        "2026-03-01T10:00:00Z,v1,success,5m\n"
        "2026-03-01 11:00,v2,success,5m\n"
        "2026-03-01T12:00:00Z,v3,exploded,5m\n"
        "2026-03-01T13:00:00Z,v4,success,forever\n"
        ",v5,success,5m\n"
    )
    with pytest.raises(InputError) as caught:
        read_deployments(path)
    text = str(caught.value)
    assert [(p.line, p.field) for p, _ in caught.value.problems] == [
        (3, "time"),
        (4, "status"),
        (5, "duration"),
        (6, "time"),
    ]
    assert f"{path}:3: time: '2026-03-01 11:00' has no UTC offset" in text
    assert read_deployments(path, zone("UTC"), skip_bad_rows=True).rows[1].time == dt.datetime(
        2026, 3, 1, 11, tzinfo=dt.UTC
    )


def test_json_problems_name_the_item(tmp_path: Path) -> None:
    path = tmp_path / "d.json"
    path.write_text('[{"time": "2026-03-01T10:00:00Z"}, {"time": "yesterday"}, 3]')
    with pytest.raises(InputError) as caught:
        read_deployments(path)
    assert [p.field for p, _ in caught.value.problems] == ["[1].time", "[2].time"]
    path.write_text('{"a": [1], "b": [2]}')
    with pytest.raises(InputError, match="one list"):
        read_deployments(path)
    path.write_text("[{")
    with pytest.raises(InputError, match=r"d.json:1:3: not JSON"):
        read_deployments(path)


def test_a_missing_status_column_means_success_and_no_environment_means_any(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_text("timestamp\n2026-03-01T10:00:00-03:00\n\n")
    [d] = read_deployments(path).rows
    assert d.status == DeployStatus.SUCCESS and d.environment is None
    assert d.time == dt.datetime(2026, 3, 1, 13, tzinfo=dt.UTC)


def test_incidents_and_scale_outs(tmp_path: Path) -> None:
    incidents = tmp_path / "i.csv"
    incidents.write_text(
        "started_at,resolved_at,title,deployment\n"
        "2026-03-01T10:00:00Z,2026-03-01T11:00:00+01:00,db down,\n"
        "2026-03-02T10:00:00Z,,still open,abc1234\n"
        "2026-03-03T10:00:00Z,2026-03-03T09:00:00Z,time travel,\n"
    )
    with pytest.raises(InputError) as caught:
        read_incidents(incidents)
    assert [(p.line, p.field) for p, _ in caught.value.problems] == [(4, "resolved_at")]
    first, second = read_incidents(incidents, skip_bad_rows=True).rows
    assert first.end == first.start and second.end is None and second.deployment == "abc1234"
    scale = tmp_path / "s.json"
    scale.write_text('[{"requested_at": "2026-03-01T10:00:00Z", "ready_at": "2026-03-01T10:07:30Z"}]')
    assert read_scale_outs(scale).rows[0].took == dt.timedelta(minutes=7, seconds=30)


def test_random_exports_keep_their_instants(tmp_path: Path) -> None:
    rows = deployments(seed=random.Random(3).randrange(1000), n=200)
    read = read_deployments(write_csv(tmp_path / "d.csv", rows, seed=9)).rows
    assert all(d.time.tzinfo == dt.UTC for d in read)
    assert [d.time for d in read] == [r.time for r in rows]


@pytest.mark.parametrize(
    ("text", "assume"),
    [
        ("9999-12-31T23:00:00-05:00", None),
        ("0001-01-01T00:30:00+02:00", None),
        ("9999-12-31T23:00:00", dt.timezone(dt.timedelta(hours=-5))),
    ],
)
def test_a_time_out_of_range_in_utc_is_a_bad_row(tmp_path: Path, text: str, assume: dt.tzinfo | None) -> None:
    with pytest.raises(ValueError, match="out of range"):
        parse_time(text, assume)
    path = tmp_path / "d.csv"
    path.write_text(f"time\n2026-03-01T10:00:00Z\n{text}\n")
    with pytest.raises(InputError) as caught:
        read_deployments(path, assume)
    assert [(p.line, p.field) for p, _ in caught.value.problems] == [(3, "time")]
    assert len(read_deployments(path, assume, skip_bad_rows=True).rows) == 1


@pytest.mark.hostile
@given(st.datetimes(timezones=offsets))
def test_any_iso_time_reads_or_is_refused_as_a_value(t: dt.datetime) -> None:
    try:
        utc = t.astimezone(dt.UTC)
    except OverflowError:
        with pytest.raises(ValueError, match="out of range"):
            parse_time(t.isoformat())
    else:
        assert parse_time(t.isoformat()) == utc


def test_an_unreadable_csv_is_refused_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_text(f"time,version\n2026-03-01T10:00:00Z,v1\n2026-03-01T11:00:00Z,{'x' * 200_000}\n")
    with pytest.raises(InputError) as caught:
        read_deployments(path, skip_bad_rows=True)
    assert [(p.file, p.line) for p, _ in caught.value.problems] == [(str(path), 3)]
    assert "field larger than field limit" in str(caught.value)


def test_an_empty_status_cell_is_a_bad_row(tmp_path: Path) -> None:
    path = tmp_path / "d.json"
    path.write_text(
        '[{"time": "2026-03-01T10:00:00Z", "status": "ok"}, {"time": "2026-03-01T11:00:00Z", "status": null}]'
    )
    with pytest.raises(InputError) as caught:
        read_deployments(path)
    assert [(p.field, m.split(";")[0]) for p, m in caught.value.problems] == [("[1].status", "missing")]
    path.write_text('[{"time": "2026-03-01T10:00:00Z"}]')  # no status at all: success
    assert read_deployments(path).rows[0].status == DeployStatus.SUCCESS


def test_a_zero_duration_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_text("time,duration,duration_minutes\n2026-03-01T10:00:00Z,0,5\n2026-03-01T11:00:00Z,,5\n")
    assert [d.duration for d in read_deployments(path).rows] == [dt.timedelta(0), dt.timedelta(minutes=5)]
