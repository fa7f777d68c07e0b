"""Alert analysis on generated exports of each vendor: every figure against a plain-Python
computation over the firings the exports were written from; classification, verdicts, and
properties of the time handling, business hours and repeat detection."""

from __future__ import annotations

import datetime as dt
import math
import statistics
from collections import defaultdict
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from devoops.alerts import Format, History, Kind, Settings, alerting_choice, analyse, read, rotation_choice
from devoops.alerts.analysis import classify, outside, repeats
from devoops.alerts.fields import Bad, moment
from devoops.model.app import BusinessHours

from . import exports as x

BERLIN_HOURS = {
    "days": ["mon", "tue", "wed", "thu", "fri"],
    "start": "09:00",
    "end": "17:00",
    "timezone": "Europe/Berlin",
}
BERLIN = BusinessHours.model_validate(BERLIN_HOURS)
EVENTS = x.history(weeks=4, seed=7)


def write(folder: Path, fmt: Format, events: list[x.Event]) -> Path:
    if fmt == Format.ALERTMANAGER:
        path = folder / "webhooks.jsonl"
        path.write_text("\n".join(x.webhook_lines(events)) + "\n")
    elif fmt == Format.PAGERDUTY:
        path = folder / "incidents.csv"
        x.write_pagerduty(path, events)
    else:
        path = folder / "alerts.csv"
        x.write_opsgenie(path, events)
    return path


def business(t: dt.datetime, hours: BusinessHours | str) -> bool:
    if isinstance(hours, str):
        return True
    local = t.astimezone(ZoneInfo(hours.timezone))
    day = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"][local.weekday()]
    return day in hours.days and hours.start <= local.time().replace(tzinfo=None) < hours.end


def expected(
    events: list[x.Event], fmt: Format, hours: BusinessHours | str, flap: float, quick: float
) -> dict[str, dict[str, Any]]:
    """Per name (and "*" for all), each figure by walking the firings in plain Python."""
    flags: dict[int, dict[str, bool]] = {}
    by_key: dict[Any, list[x.Event]] = defaultdict(list)
    for e in events:
        by_key[e.key].append(e)
    for same in by_key.values():
        latest: float | None = None
        for e in sorted(same, key=lambda e: e.start):
            start = e.start.timestamp()
            dup = latest is not None and start < latest
            flapped = latest is not None and not dup and start - latest <= flap * 60
            flags[id(e)] = {"dup": dup, "flap": flapped}
            end = math.inf if e.end is None else e.end.timestamp()
            latest = end if latest is None else max(latest, end)
    first, last = min(e.start for e in events), max(e.start for e in events)
    weeks = max((last - first).total_seconds(), 7 * 86400) / (7 * 86400)
    groups: dict[str, list[x.Event]] = defaultdict(list)
    for e in events:
        groups[e.name if fmt == Format.ALERTMANAGER else e.title].append(e)
        groups["*"].append(e)
    out = {}
    for name, group in groups.items():
        resolved = [(e.end - e.start).total_seconds() / 60 for e in group if e.end is not None]
        quick_unacted = [
            e
            for e in group
            if e.end is not None
            and (e.end - e.start).total_seconds() <= quick * 60
            and (fmt == Format.ALERTMANAGER or e.acked_by is None)
        ]
        out[name] = {
            "firings": len(group),
            "per_week": pytest.approx(len(group) / weeks),
            "pages": sum(e.page for e in group),
            "off_hours_pages": sum(e.page and not business(e.start, hours) for e in group),
            "flaps": sum(flags[id(e)]["flap"] for e in group),
            "duplicates": sum(flags[id(e)]["dup"] for e in group),
            "resolved": len(resolved),
            "median_minutes_to_resolve": pytest.approx(statistics.median(resolved)) if resolved else None,
            "quick_unacted": len(quick_unacted),
            "noisy": sum(flags[id(e)]["flap"] or any(e is q for q in quick_unacted) for e in group),
        }
    return out


def figures(f: Any) -> dict[str, Any]:
    return {k: getattr(f, k) for k in expected(EVENTS[:1], Format.PAGERDUTY, "24x7", 1, 1)["*"]}


@pytest.mark.parametrize("fmt", list(Format))
@pytest.mark.parametrize("hours", ["24x7", BERLIN], ids=["24x7", "berlin"])
def test_every_figure_matches_the_firings_the_export_was_written_from(
    tmp_path: Path, fmt: Format, hours: BusinessHours | str
) -> None:
    path = write(tmp_path, fmt, EVENTS)
    history = read([str(path)])  # the format detected from the content
    assert history.formats == {fmt}
    a = analyse(history, hours, Settings(flap_minutes=20, quick_minutes=4))
    want = expected(EVENTS, fmt, hours, flap=20, quick=4)
    assert a.overall is not None
    assert figures(a.overall) == want.pop("*")
    assert {f.name: figures(f) for f in a.names} == want
    assert [f.firings for f in a.names] == sorted((w["firings"] for w in want.values()), reverse=True)
    if hours == "24x7":
        assert a.overall.off_hours_pages == 0
    else:
        assert 0 < a.overall.off_hours_pages < a.overall.pages


def test_the_generated_history_holds_every_kind_of_noise() -> None:
    """Guards the tests above: flaps, duplicates, quick unacted and open firings all occur."""
    a = analyse(read_events(EVENTS, Format.ALERTMANAGER))
    assert a.overall is not None
    o = a.overall
    assert o.flaps > 10 and o.duplicates > 5 and o.quick_unacted > 10 and o.resolved < o.firings


def read_events(events: list[x.Event], fmt: Format) -> History:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        return read([str(write(Path(folder), fmt, events))])


def test_webhook_repeats_are_one_firing_and_api_alerts_are_open(tmp_path: Path) -> None:
    log = tmp_path / "webhooks.jsonl"
    log.write_text("\n".join(x.webhook_lines(EVENTS)) + "\n")
    assert len(read([str(log)])) == len(EVENTS)
    api = tmp_path / "alerts.json"
    import json

    api.write_text(json.dumps(x.api_alerts(EVENTS)))
    h = read([str(api)])
    assert len(h) == sum(e.end is None for e in EVENTS) > 0
    assert all(math.isnan(end) for end in h.ends)


def test_several_exports_of_several_formats_make_one_history(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    half = len(EVENTS) // 2
    a = write(tmp_path / "a", Format.PAGERDUTY, EVENTS[:half])
    b = write(tmp_path / "b", Format.OPSGENIE, EVENTS[half:])
    h = read([str(a), str(b)])
    assert len(h) == len(EVENTS) and h.formats == {Format.PAGERDUTY, Format.OPSGENIE}


def test_opsgenie_without_closed_at_ends_closed_alerts_at_their_last_update(tmp_path: Path) -> None:
    path = tmp_path / "og.csv"
    x.write_opsgenie(path, EVENTS, closed_at=False)
    h = read([str(path)])
    want = [math.nan if e.end is None else e.end.timestamp() for e in EVENTS]
    assert np.allclose(h.ends, want, equal_nan=True)


@pytest.mark.parametrize("rule", x.RULES, ids=lambda r: r.name)
def test_each_rule_is_classified_as_what_it_watches(rule: x.Rule) -> None:
    assert classify(rule.name, rule.summary) == rule.kind


@pytest.mark.parametrize(
    ("name", "text", "kind"),
    [
        ("NodeFilesystemAlmostOutOfSpace", "", Kind.CAUSE),
        ("HostDiskLatencyHigh", "", Kind.CAUSE),  # a disk's latency watches the disk
        ("Http5xxRatio", "", Kind.SYMPTOM),
        ("checkout", "error rate above 2 %", Kind.SYMPTOM),
        ("ApiAvailabilityBurnRateFast", "", Kind.SLO_BURN),
        ("Watchdog", "always firing", Kind.OTHER),
    ],
)
def test_names_decide_before_labels_and_annotations(name: str, text: str, kind: Kind) -> None:
    assert classify(name, text) == kind


def test_the_noisy_history_is_cause_based_and_names_what_burn_rates_replace() -> None:
    h = read_events(EVENTS, Format.PAGERDUTY)
    a = analyse(h)
    cause_pages = sum(e.page for e in EVENTS if e.rule.kind == Kind.CAUSE)
    assert a.pages_by_kind[Kind.CAUSE] == cause_pages
    assert alerting_choice(a) is not None and alerting_choice(a)[0] == "cause-based"  # type: ignore[index]
    replaced = {f.name for f in a.names if f.replaced_by}
    paging_causes = {e.title for e in EVENTS if e.rule.kind == Kind.CAUSE and e.page}
    assert paging_causes <= replaced
    assert not any(f.kind == Kind.SLO_BURN for f in a.names if f.replaced_by)
    # four people acknowledge or own incidents, under an escalation policy
    assert rotation_choice(a) == (
        "rotation-paged",
        "4 people acknowledged or owned alerts, with an escalation policy",
    )


@pytest.mark.parametrize("noisy", [3, 4, 5, 6])
def test_a_symptom_alert_is_replaced_when_half_its_firings_are_noise_each_counted_once(
    tmp_path: Path, noisy: int
) -> None:
    """Ten incidents of one symptom alert; the noisy ones both flap (re-fire 10 minutes after
    the previous resolved) and resolve themselves within 2 minutes."""
    rule = next(r for r in x.RULES if r.name == "HighErrorRate")
    events, end = [], x.START
    for i in range(10):
        quick = 1 <= i <= noisy
        start = end + (dt.timedelta(minutes=10) if quick else dt.timedelta(days=2))
        end = start + dt.timedelta(minutes=2 if quick else 60)
        events.append(x.Event(rule, {"service": "checkout"}, start, end, None if quick else "ana", i + 1))
    path = tmp_path / "incidents.csv"
    x.write_pagerduty(path, events)
    (f,) = analyse(read([str(path)])).names
    assert (f.firings, f.flaps, f.quick_unacted, f.noisy) == (10, noisy, noisy, noisy)
    assert (f.replaced_by is not None) == (noisy / 10 >= 0.5)


def history_of(*firings: tuple[str, bool]) -> History:
    """One firing a day per (name, pages)."""
    h = History()
    for day, (name, page) in enumerate(firings):
        h.add(name, name, 86400.0 * day, 86400.0 * day + 600, 0, page, "")
    return h


@pytest.mark.parametrize(
    ("firings", "choice"),
    [
        (
            [("CheckoutErrorBudgetBurn", True), ("HostHighCpu", False), ("ApiLatencyHigh", False)],
            "slo-burn-rate",
        ),
        ([("HostHighCpu", True), ("HostDiskFull", True), ("ApiErrors", True)], "cause-based"),
        ([("HostHighCpu", True), ("ApiErrors", True), ("ApiLatencyHigh", True)], "symptom-thresholds"),
        ([("HostHighCpu", False), ("ApiErrors", False)], "none"),
        ([("Watchdog", True)], None),
    ],
)
def test_the_alerting_choice_follows_what_pages(firings: list[tuple[str, bool]], choice: str | None) -> None:
    decided = alerting_choice(analyse(history_of(*firings)))
    assert (decided[0] if decided else None) == choice


def test_an_empty_history_is_unknown_not_zero() -> None:
    a = analyse(History(), BERLIN)
    assert a.overall is None and a.names == [] and a.weeks is None
    assert alerting_choice(a) is None and rotation_choice(a) is None


# --- properties -------------------------------------------------------------------------------

OFFSETS = st.integers(min_value=-14 * 60, max_value=14 * 60).map(
    lambda m: dt.timezone(dt.timedelta(minutes=m))
)
MOMENTS = st.datetimes(min_value=dt.datetime(1990, 1, 1), max_value=dt.datetime(2090, 1, 1))


@pytest.mark.hostile
@given(MOMENTS, OFFSETS, st.sampled_from(["T", " "]))
def test_any_offset_reads_as_the_same_instant(t: dt.datetime, zone: dt.tzinfo, sep: str) -> None:
    aware = t.replace(tzinfo=dt.UTC)
    text = aware.astimezone(zone).isoformat(sep=sep)
    assert moment(text, "f", None) == pytest.approx(aware.timestamp(), abs=1e-6)
    assert moment(aware.isoformat().replace("+00:00", "Z"), "f", None) == pytest.approx(
        aware.timestamp(), abs=1e-6
    )


@pytest.mark.hostile
@given(MOMENTS, st.sampled_from(["Europe/Berlin", "America/New_York", "Asia/Kolkata", "UTC"]))
def test_naive_times_need_a_zone(t: dt.datetime, zone: str) -> None:
    with pytest.raises(Bad, match="no UTC offset"):
        moment(t.isoformat(), "created_on", None)
    # The text carries no fold: a wall time the zone skips or repeats reads as its first one.
    expected = t.replace(tzinfo=ZoneInfo(zone), fold=0).timestamp()
    assert moment(t.isoformat(), "f", ZoneInfo(zone)) == expected


@given(
    st.sampled_from(["9999-12-31T23:00:00-05:00", "9999-12-31T00:00:00Z", "0001-01-01T23:59:59Z"])
    | MOMENTS.map(lambda t: t.replace(year=1, month=1, day=1).isoformat() + "+01:00")
)
def test_times_beyond_the_calendar_in_utc_are_refused_by_their_field(text: str) -> None:
    with pytest.raises(Bad, match="out of range") as bad:
        moment(text, "created_on", None)
    assert bad.value.field == "created_on"


@pytest.mark.hostile
@given(st.text(max_size=30).filter(lambda s: not s.strip()[:1].isdigit()))
def test_anything_else_is_refused_by_its_field(text: str) -> None:
    with pytest.raises(Bad) as bad:
        moment(text, "startsAt", dt.UTC)  # type: ignore[arg-type]
    assert bad.value.field == "startsAt"


def _clock(quarter: int) -> str:
    return f"{quarter // 4:02d}:{quarter % 4 * 15:02d}"


HOURS = st.builds(
    lambda days, window, zone: BusinessHours.model_validate(
        {"days": days, "start": _clock(window[0]), "end": _clock(window[1]), "timezone": zone}
    ),
    st.lists(st.sampled_from(["mon", "tue", "wed", "thu", "fri", "sat", "sun"]), min_size=1, unique=True),
    st.integers(0, 94).flatmap(lambda start: st.tuples(st.just(start), st.integers(start + 1, 95))),
    st.sampled_from(["Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Asia/Kathmandu", "UTC"]),
)


@settings(max_examples=60, deadline=None)
@given(HOURS, st.lists(st.floats(1.5e9, 2.2e9), min_size=1, max_size=40))
def test_outside_business_hours_agrees_with_the_calendar(hours: BusinessHours, epochs: list[float]) -> None:
    got = outside(np.array(epochs), hours)
    want = [not business(dt.datetime.fromtimestamp(e, dt.UTC), hours) for e in epochs]
    assert got.tolist() == want


def test_a_window_past_midnight_belongs_to_the_day_it_began() -> None:
    night = BusinessHours.model_validate(
        {"days": ["fri"], "start": "22:00", "end": "06:00", "timezone": "UTC"}
    )
    friday = dt.datetime(2026, 9, 11, tzinfo=dt.UTC)
    at = [
        friday + dt.timedelta(hours=h) for h in (23, 27, 31, -1)
    ]  # fri 23:00, sat 03:00, sat 07:00, thu 23:00
    assert outside(np.array([t.timestamp() for t in at]), night).tolist() == [False, False, True, True]


FIRINGS = st.lists(
    st.tuples(st.integers(0, 2), st.integers(0, 500), st.one_of(st.none(), st.integers(0, 100))), max_size=30
)


@given(FIRINGS, st.integers(0, 60))
def test_repeats_agree_with_a_walk_through_each_alert(
    firings: list[tuple[int, int, int | None]], flap: int
) -> None:
    keys = np.array([k for k, _, _ in firings], dtype=np.int64)
    starts = np.array([float(s) for _, s, _ in firings])
    ends = np.array([math.nan if d is None else float(s + d) for _, s, d in firings])
    got_flap, got_dup = repeats(keys, starts, ends, flap)
    order = sorted(range(len(firings)), key=lambda i: (firings[i][0], firings[i][1], i))
    latest: dict[int, float] = {}
    want_flap, want_dup = [False] * len(firings), [False] * len(firings)
    for i in order:
        k, s, d = firings[i]
        if k in latest:
            want_dup[i] = s < latest[k]
            want_flap[i] = not want_dup[i] and s - latest[k] <= flap
        latest[k] = max(latest.get(k, -math.inf), math.inf if d is None else s + d)
    # firings of one alert starting at the same second: either order is a duplicate of the other
    tied = {
        i
        for i in range(len(firings))
        for j in range(len(firings))
        if i != j and firings[i][:2] == firings[j][:2]
    }
    assert [v for i, v in enumerate(got_dup.tolist()) if i not in tied] == [
        v for i, v in enumerate(want_dup) if i not in tied
    ]
    assert [v for i, v in enumerate(got_flap.tolist()) if i not in tied] == [
        v for i, v in enumerate(want_flap) if i not in tied
    ]
