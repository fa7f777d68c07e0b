"""The figures of an alert history, per alert name and overall; pure, vectorised with numpy.

Definitions (docs/alerts.md says them for users):
- a *flap* is a firing that starts within `flap_minutes` after an earlier firing of the same
  alert (same name and labels) resolved;
- a *duplicate* is a firing that starts while an earlier firing of the same alert is still open;
- *quick, unacted* is a firing resolved within `quick_minutes` that nobody acknowledged;
- a *page* outside business hours starts, in the business hours' zone, outside them.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

from ..base.errors import InputError
from ..model.app import BusinessHours, Weekday
from .model import Analysis, Figures, History, Kind, Settings

WEEK = 7 * 86400
BUCKET = 900
"""Seconds within which a zone's UTC offset is constant: zones change offset on quarter hours."""
WEEKDAYS = list(Weekday)
EPOCH_WEEKDAY = 3
"""1970-01-01 was a Thursday (Monday is 0)."""
NOISY = 0.5
"""An alert on a symptom is a noisy threshold when this share of its firings flapped or
resolved quickly with nobody acting."""
MOSTLY_BURN = 0.1
"""At most this share of pages may come from cause alerts for paging to count as SLO burn-rate."""

BURN = re.compile(r"\bslo\b|\bsli\b|burn|error ?budget")
CAUSE = re.compile(
    r"cpu|disk|memory|\bmem\b|\boom|swap|inode|file ?system|\bfs\b|\bload\b|load ?average|iowait|"
    r"\bheap\b|file descriptor|\bfds?\b|\bthreads?\b|\bgc\b|throttl|saturat|conntrack|\bnode\b|\bhost\b|"
    r"\bpod\b|crash ?loop|restart|container|\bjvm\b|replica|\bqueue\b"
)
SYMPTOM = re.compile(
    r"error|5xx|\b5\d\d\b|latency|slow|availab|\bdown\b|\bup ?time\b|apdex|\bp9\d\b|success|timeout|"
    r"unreachable|probe fail|\bhttp\b|request"
)
LATENCY = re.compile(r"latency|slow|apdex|\bp9\d\b|duration|timeout")


def words(text: str) -> str:
    """CamelCase and snake_case names as lower-case words: HostHighCPULoad -> host high cpu load."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", " ", text)
    return re.sub(r"[^a-z0-9]+", " ", spaced.lower())


def classify(name: str, text: str = "") -> Kind:
    """The name decides when it says anything; labels and annotations otherwise. SLO words win,
    then cause words (a "disk latency" alert watches a disk), then symptom words."""
    for said in (words(name), words(text)):
        for kind, pattern in ((Kind.SLO_BURN, BURN), (Kind.CAUSE, CAUSE), (Kind.SYMPTOM, SYMPTOM)):
            if pattern.search(said):
                return kind
    return Kind.OTHER


def replacement(f: Figures, name: str, text: str) -> str | None:
    """The burn-rate alert that makes this one unnecessary as a page, if it should go."""
    if f.kind == Kind.CAUSE and f.pages:
        return "SLO burn-rate pages; keep this as a ticket"
    if f.kind == Kind.SYMPTOM and f.firings and f.noisy / f.firings >= NOISY:
        said = words(f"{name} {text}")
        return "latency SLO burn-rate alert" if LATENCY.search(said) else "availability SLO burn-rate alert"
    return None


def business_hours_text(hours: BusinessHours | str) -> str:
    if isinstance(hours, str):
        return "24x7 (no page is outside business hours)"
    days = ",".join(d.value for d in hours.days)
    return f"{days} {hours.start:%H:%M}-{hours.end:%H:%M} {hours.timezone}"


def outside(starts: npt.NDArray[np.float64], hours: BusinessHours | str) -> npt.NDArray[np.bool_]:
    """Which moments fall outside business hours. The zone's offset is looked up once per
    quarter hour seen, not per moment. In a window past midnight (22:00-06:00), the hours after
    midnight belong to the day the window began."""
    if isinstance(hours, str):
        return np.zeros(len(starts), dtype=bool)
    zone = ZoneInfo(hours.timezone)
    buckets, inverse = np.unique(np.floor(starts / BUCKET).astype(np.int64), return_inverse=True)
    offsets = np.array([_offset(zone, int(b) * BUCKET) for b in buckets.tolist()], dtype=np.float64).reshape(
        -1
    )
    local = starts + offsets[inverse]
    day = (np.floor(local / 86400).astype(np.int64) + EPOCH_WEEKDAY) % 7
    minute = np.floor(local % 86400 / 60)
    begin, end = hours.start.hour * 60 + hours.start.minute, hours.end.hour * 60 + hours.end.minute
    days = np.zeros(7, dtype=bool)
    days[[WEEKDAYS.index(d) for d in hours.days]] = True
    if begin < end:
        inside = days[day] & (minute >= begin) & (minute < end)
    else:
        inside = (days[day] & (minute >= begin)) | (days[(day - 1) % 7] & (minute < end))
    return ~inside


def _offset(zone: ZoneInfo, epoch: int) -> float:
    offset = dt.datetime.fromtimestamp(epoch, dt.UTC).astimezone(zone).utcoffset()
    return offset.total_seconds() if offset else 0.0


@dataclass(frozen=True)
class _Columns:
    """The per-firing flags every figure is a sum of."""

    name: npt.NDArray[np.int64]
    page: npt.NDArray[np.bool_]
    off_hours: npt.NDArray[np.bool_]
    flap: npt.NDArray[np.bool_]
    duplicate: npt.NDArray[np.bool_]
    resolved: npt.NDArray[np.bool_]
    minutes: npt.NDArray[np.float64]
    quick_unacted: npt.NDArray[np.bool_]


def repeats(
    key: npt.NDArray[np.int64], start: npt.NDArray[np.float64], end: npt.NDArray[np.float64], flap_s: float
) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
    """(flap, duplicate) per firing. Sorted by alert then start, each firing is compared with
    the latest end of the same alert's earlier firings (an open one ends never); times in
    integer milliseconds, so the running maximum can restart per alert exactly."""
    n = len(start)
    if n == 0:
        return np.zeros(0, dtype=bool), np.zeros(0, dtype=bool)
    t0 = float(np.min(start))
    s = np.rint((start - t0) * 1000).astype(np.int64)
    never = int(max(int(s.max()), int(np.nanmax(end - t0, initial=0) * 1000))) + 1
    e = np.where(np.isnan(end), never, np.rint((end - t0) * 1000)).astype(np.int64)
    order = np.lexsort((s, key))
    k, s, e = key[order], s[order], e[order]
    span = never + 1
    latest = np.maximum.accumulate(e + k * span) - k * span
    same = np.zeros(n, dtype=bool)
    same[1:] = k[1:] == k[:-1]
    previous = np.empty(n, dtype=np.int64)
    previous[0] = 0
    previous[1:] = latest[:-1]
    duplicate = same & (s < previous)
    flap = same & ~duplicate & (s - previous <= flap_s * 1000)
    out_flap, out_duplicate = np.empty(n, dtype=bool), np.empty(n, dtype=bool)
    out_flap[order], out_duplicate[order] = flap, duplicate
    return out_flap, out_duplicate


def analyse(h: History, hours: BusinessHours | str = "24x7", settings: Settings | None = None) -> Analysis:
    """Every figure, per alert name (noisiest first) and overall; with no firing, `overall` is
    None: an empty history says nothing, not zero."""
    o = settings or Settings()
    name_codes = np.array(h.name, dtype=np.int64)
    start = np.array(h.starts, dtype=np.float64)
    end = np.array(h.ends, dtype=np.float64)
    acted = np.array(h.acted, dtype=np.int8)
    flap, duplicate = repeats(np.array(h.key, dtype=np.int64), start, end, o.flap_minutes * 60)
    resolved = ~np.isnan(end)
    minutes = np.where(resolved, (end - start) / 60, np.nan)
    page = np.array(h.pages, dtype=bool)
    c = _Columns(
        name=name_codes,
        page=page,
        off_hours=page & outside(start, hours),
        flap=flap,
        duplicate=duplicate,
        resolved=resolved,
        minutes=minutes,
        quick_unacted=resolved & (minutes <= o.quick_minutes) & (acted != 1),
    )
    if not len(start):
        first = last = weeks = None
    else:
        first, last = float(start.min()), float(start.max())
        weeks = max(last - first, WEEK) / WEEK
    per_name = _per_name(c, list(h.names), weeks or 1.0, h, o)
    overall = (
        _figures(c, np.ones(len(start), dtype=bool), "all alerts", None, weeks or 1.0) if len(start) else None
    )
    pages_by_kind = {k: 0 for k in Kind}
    for f in per_name:
        assert f.kind is not None
        pages_by_kind[f.kind] += f.pages
    return Analysis(
        formats=sorted(h.formats),
        files=h.files,
        records=h.records,
        skipped=len(h.skipped),
        skipped_samples=[str(InputError([problem])) for problem in h.skipped[:5]],
        settings=o,
        business_hours=business_hours_text(hours),
        first=_time(first),
        last=_time(last),
        weeks=weeks,
        overall=overall,
        names=per_name,
        pages_by_kind=pages_by_kind,
        responders=len(h.people()) if h.responders or h.escalation is not None else None,
        escalation=h.escalation,
    )


def _time(epoch: float | None) -> dt.datetime | None:
    return None if epoch is None else dt.datetime.fromtimestamp(epoch, dt.UTC)


def _per_name(c: _Columns, names: list[str], weeks: float, h: History, o: Settings) -> list[Figures]:
    count = len(names)

    def total(flags: npt.NDArray[np.bool_]) -> list[int]:
        return [int(x) for x in np.bincount(c.name, weights=flags, minlength=count).tolist()]

    firings = [int(x) for x in np.bincount(c.name, minlength=count).tolist()]
    pages, off, flaps, dups, resolved, quick, noisy = (
        total(x)
        for x in (
            c.page,
            c.off_hours,
            c.flap,
            c.duplicate,
            c.resolved,
            c.quick_unacted,
            c.flap | c.quick_unacted,
        )
    )
    medians = _medians(c, count)
    out = []
    for i, name in enumerate(names):
        text = h.texts[i]
        f = Figures(
            name=name,
            kind=classify(name, text),
            firings=firings[i],
            per_week=firings[i] / weeks,
            pages=pages[i],
            off_hours_pages=off[i],
            flaps=flaps[i],
            duplicates=dups[i],
            resolved=resolved[i],
            median_minutes_to_resolve=medians[i],
            quick_unacted=quick[i],
            noisy=noisy[i],
        )
        out.append(f.model_copy(update={"replaced_by": replacement(f, name, text)}))
    return sorted(out, key=lambda f: (-f.firings, f.name))


def _medians(c: _Columns, count: int) -> list[float | None]:
    """The median minutes to resolve of each name's resolved firings, by one sort."""
    name, minutes = c.name[c.resolved], c.minutes[c.resolved]
    order = np.lexsort((minutes, name))
    name, minutes = name[order], minutes[order]
    lo = np.searchsorted(name, np.arange(count), side="left")
    hi = np.searchsorted(name, np.arange(count), side="right")
    out: list[float | None] = []
    for a, b in zip(lo.tolist(), hi.tolist(), strict=True):
        n = b - a
        out.append(None if n == 0 else float(minutes[a + (n - 1) // 2] + minutes[a + n // 2]) / 2)
    return out


def _figures(c: _Columns, mask: npt.NDArray[np.bool_], name: str, kind: Kind | None, weeks: float) -> Figures:
    resolved = c.minutes[mask & c.resolved]
    return Figures(
        name=name,
        kind=kind,
        firings=int(mask.sum()),
        per_week=float(mask.sum()) / weeks,
        pages=int((mask & c.page).sum()),
        off_hours_pages=int((mask & c.off_hours).sum()),
        flaps=int((mask & c.flap).sum()),
        duplicates=int((mask & c.duplicate).sum()),
        resolved=len(resolved),
        median_minutes_to_resolve=float(np.median(resolved)) if len(resolved) else None,
        quick_unacted=int((mask & c.quick_unacted).sum()),
        noisy=int((mask & (c.flap | c.quick_unacted)).sum()),
    )


def alerting_choice(a: Analysis) -> tuple[str, str] | None:
    """The `alerts.symptom-based` choice the pages show, with the reason; None when they
    cannot tell (no firing, or no page says what it watches)."""
    if a.overall is None:
        return None
    pages = a.overall.pages
    by = a.pages_by_kind
    if pages == 0:
        return "none", f"none of {a.overall.firings:,} alerts paged anyone (all had a non-paging severity)"
    cause, burn, symptom = by[Kind.CAUSE], by[Kind.SLO_BURN], by[Kind.SYMPTOM]
    if cause + burn + symptom == 0:
        return None
    shares = (
        f"of {pages:,} pages, {cause:,} on causes, {symptom:,} on symptom thresholds, {burn:,} on SLO burn"
    )
    if burn and cause <= MOSTLY_BURN * pages:
        return "slo-burn-rate", shares
    if cause > symptom + burn:
        return "cause-based", shares
    return "symptom-thresholds", shares


def rotation_choice(a: Analysis) -> tuple[str, str] | None:
    """The `oncall.rotation` choice the responders show (PagerDuty, Opsgenie); None without
    responder columns or when nobody is named."""
    if not a.responders or a.overall is None:
        return None
    who = f"{a.responders} people acknowledged or owned alerts"
    if a.responders < 3:
        return "founder-always", who
    if a.escalation:
        return "rotation-paged", f"{who}, with an escalation policy"
    return "rotation-informal", f"{who}, no escalation policy seen"
