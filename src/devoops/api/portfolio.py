"""What the browser app's verdict, portfolio and history pages show, from the store: the
queries, the verdicts and the figures, so the routes only look up and render.

A saved assessment never changes, so what is derived from one (its verdict, its radar) is
kept in a small bounded cache per process, keyed by its uid: each worker derives it once.
The portfolio reads each table once per page, never once per application."""

from __future__ import annotations

import datetime as dt
import statistics
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import sqlalchemy as sa
from markupsafe import Markup

from ..evaluate.diff import Diff, diff
from ..model.assessment import Assessment
from ..model.common import Horizon, Tenet
from ..model.evidence import ProbeResult, Status
from ..model.summary import HistoryEntry
from ..report import html, radar
from ..report.diff import sections
from ..report.sections import Section
from ..report.verdict import verdict
from ..store.references import ID_MAX
from ..store.repository import Store, Stored
from ..store.tables import applications, assessments, milestones, org_apps, probe_results

PAGE = 50
"""Applications per portfolio page: a page derives at most this many verdicts it has not seen."""
HISTORY = 100
"""Saved assessments the history page lists, newest first."""
DRILLS = frozenset({"restore_drill", "failover_drill"})
"""Probe kinds that are drills; every other saved probe result is an audit's."""
MEASURING = ("http", "prometheus", "access_log")
"""Probe kinds whose results may measure availability and latency."""
LATENCIES = ("p95", "p99")
K = TypeVar("K")
V = TypeVar("V")


class Memo(Generic[K, V]):
    """A bounded least-recently-used map, safe across the server's worker threads."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        return None

    def put(self, key: K, value: V) -> V:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return value

    def through(self, key: K, make: Callable[[], V]) -> V:
        found = self.get(key)
        return found if found is not None else self.put(key, make())


SENTENCES: Memo[str, str] = Memo(20_000)
FRAGMENTS: Memo[tuple[str, str], Markup] = Memo(1_000)
RADARS: Memo[str, bytes] = Memo(2_000)


@dataclass(frozen=True)
class Saved:
    """One saved assessment as a portfolio or history line shows it."""

    id: int
    uid: str
    generated_at: dt.datetime
    high: int
    medium: int
    maturity: float
    """The mean of the six tenets' maturity, 0-10."""


@dataclass(frozen=True)
class Line:
    """One application of the portfolio."""

    id: int
    name: str
    saved: list[Saved]
    """Its saved assessments, oldest first."""
    sentence: str | None
    last_audit: dt.datetime | None
    last_drill: dt.datetime | None

    @property
    def newest(self) -> Saved | None:
        return self.saved[-1] if self.saved else None

    @property
    def change(self) -> float | None:
        """Mean maturity now minus at the first saved assessment; None below two."""
        return round(self.saved[-1].maturity - self.saved[0].maturity, 1) if len(self.saved) > 1 else None


@dataclass(frozen=True)
class Portfolio:
    lines: list[Line]
    page: int
    pages: int
    total: int


def mean_maturity(values: Sequence[float]) -> float:
    return round(statistics.fmean(values), 1) if values else 0.0


def sentence(a: Assessment) -> str:
    return verdict(a).sentence


def portfolio(store: Store, org_id: int, page: int = 1) -> Portfolio:
    """One page of an organisation's applications: four queries whatever the page holds (the
    applications, their assessments' columns, their probe results' times, and the documents of
    newest assessments whose verdict this process has not derived yet)."""
    maturity = [assessments.c[f"maturity_{t.value}"] for t in Tenet]
    with store.engine.begin() as conn:
        total = conn.scalar(sa.select(sa.func.count()).where(org_apps.c.org_id == org_id)) or 0
        pages = max(1, -(-total // PAGE))
        page = min(max(1, page), pages)
        apps = conn.execute(
            sa.select(org_apps.c.id, org_apps.c.name, applications.c.id)
            .select_from(org_apps)
            .outerjoin(applications, applications.c.name == org_apps.c.name)
            .where(org_apps.c.org_id == org_id)
            .order_by(org_apps.c.name, org_apps.c.id)
            .limit(PAGE)
            .offset((page - 1) * PAGE)
        ).all()
        ids = [a[2] for a in apps if a[2] is not None]
        saved: dict[int, list[Saved]] = {}
        for row in conn.execute(
            sa.select(
                assessments.c.app_id,
                assessments.c.id,
                assessments.c.uid,
                assessments.c.generated_at,
                assessments.c.high,
                assessments.c.medium,
                *maturity,
            )
            .where(assessments.c.app_id.in_(ids))
            .order_by(assessments.c.generated_at, assessments.c.id)
        ):
            saved.setdefault(row[0], []).append(
                Saved(row[1], row[2], row[3], row[4], row[5], mean_maturity(row[6:]))
            )
        audits: dict[int, dt.datetime] = {}
        drills: dict[int, dt.datetime] = {}
        for app_id, kind, finished in conn.execute(
            sa.select(assessments.c.app_id, probe_results.c.kind, sa.func.max(probe_results.c.finished_at))
            .join(assessments, assessments.c.id == probe_results.c.assessment_id)
            .where(assessments.c.app_id.in_(ids), probe_results.c.status != Status.SKIPPED.value)
            .group_by(assessments.c.app_id, probe_results.c.kind)
        ):
            latest = drills if kind in DRILLS else audits
            finished = _aware(finished)
            if app_id not in latest or finished > latest[app_id]:
                latest[app_id] = finished
        newest = {s[-1].uid: s[-1].id for s in saved.values()}
        _sentences(conn, newest)
    lines = []
    for org_app_id, name, app_id in apps:
        mine = saved.get(app_id, []) if app_id is not None else []
        lines.append(
            Line(
                org_app_id,
                name,
                mine,
                SENTENCES.get(mine[-1].uid) if mine else None,
                audits.get(app_id) if app_id is not None else None,
                drills.get(app_id) if app_id is not None else None,
            )
        )
    return Portfolio(lines, page, pages, total)


def _aware(moment: dt.datetime) -> dt.datetime:
    """An aggregate bypasses the column's type on SQLite, which keeps naive UTC text."""
    if isinstance(moment, str):
        moment = dt.datetime.fromisoformat(moment)
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


def _sentences(conn: sa.Connection, wanted: dict[str, int]) -> None:
    """Derive, in one query, the verdict sentences of the assessments (uid -> id) not cached."""
    missing = [id for uid, id in wanted.items() if SENTENCES.get(uid) is None]
    if not missing:
        return
    for uid, document in conn.execute(
        sa.select(assessments.c.uid, assessments.c.document).where(assessments.c.id.in_(missing))
    ):
        SENTENCES.put(uid, sentence(Assessment.model_validate(document)))


def history(store: Store, app: str) -> list[tuple[HistoryEntry, str, float]]:
    """The newest saved assessments of `app`, newest first, each with its verdict sentence and
    mean maturity."""
    entries = store.history(app, limit=HISTORY)[::-1]
    with store.engine.begin() as conn:
        _sentences(conn, {e.uid: e.id for e in entries})
    return [(e, SENTENCES.get(e.uid) or "", mean_maturity(list(e.maturity.values()))) for e in entries]


@dataclass(frozen=True)
class Milestone:
    name: str
    assessment: int
    generated_at: dt.datetime
    created_at: dt.datetime


def milestones_of(store: Store, app: str) -> list[Milestone]:
    """Every milestone of `app`, newest first, with the assessment it names."""
    query = (
        sa.select(milestones.c.name, assessments.c.id, assessments.c.generated_at, milestones.c.created_at)
        .join(assessments, assessments.c.id == milestones.c.assessment_id)
        .join(applications, applications.c.id == milestones.c.app_id)
        .where(applications.c.name == app)
        .order_by(milestones.c.created_at.desc(), milestones.c.id.desc())
    )
    with store.engine.begin() as conn:
        return [Milestone(*row) for row in conn.execute(query)]


def entry(store: Store, app: str, ref: int | None = None) -> HistoryEntry | None:
    """Saved assessment `ref` of `app` (default: its newest), or None when `app` has no such
    one: an id of another application, of any organisation, is not found."""
    if ref is None:
        newest = store.history(app, limit=1)
        return newest[0] if newest else None
    if ref > ID_MAX:
        return None
    try:
        found = store.entry(ref)
    except sa.exc.NoResultFound:
        return None
    return found if found.app == app else None


def load(store: Store, e: HistoryEntry) -> Stored:
    return store.load(str(e.id), e.app)


def one_page(store: Store, e: HistoryEntry, full_report: str) -> Markup:
    """The one-page verdict of a saved assessment, as the report's fragment."""
    return FRAGMENTS.through(
        (e.uid, full_report),
        lambda: html.verdict_fragment(
            verdict(load(store, e).assessment, html.lens_questions()), full_report=full_report
        ),
    )


def full_report(store: Store, e: HistoryEntry) -> str:
    """The full HTML report of a saved assessment, with its application's history up to it."""
    earlier = [h for h in store.history(e.app) if h.generated_at <= e.generated_at]
    return html.render(load(store, e).assessment, earlier)


def tenet_radar(store: Store, e: HistoryEntry) -> bytes:
    return RADARS.through(e.uid, lambda: radar.radar(*scores(load(store, e).assessment)))


def scores(a: Assessment) -> tuple[dict[Tenet, float], dict[Tenet, float]]:
    """Importance and maturity per tenet now, as the radar draws them."""
    now = a.at(Horizon.NOW).tenets
    return {s.tenet: float(s.importance.value) for s in now}, {s.tenet: s.maturity for s in now}


@dataclass(frozen=True)
class Compared:
    diff: Diff
    sections: list[Section]


def compare(store: Store, app: str, before: int, after: int) -> Compared | None:
    """The diff of two saved assessments of `app`; None when either is not one of its own."""
    a, b = entry(store, app, before), entry(store, app, after)
    if a is None or b is None:
        return None
    d = diff(load(store, a).assessment, load(store, b).assessment, (f"#{a.id}", f"#{b.id}"))
    return Compared(d, sections(d))


@dataclass(frozen=True)
class Measured:
    """Availability and latency as saved audits measured them, each with its target then."""

    availability: list[radar.Reading]
    latency: dict[str, list[radar.Reading]]

    @property
    def empty(self) -> bool:
        return not self.availability and not any(self.latency.values())


def measured(store: Store, app: str) -> Measured:
    """From every saved result of a measuring probe that passed or failed (one query for which
    assessments hold one, one for their evidence)."""
    with store.engine.begin() as conn:
        ids = list(
            conn.scalars(
                sa.select(probe_results.c.assessment_id)
                .join(assessments, assessments.c.id == probe_results.c.assessment_id)
                .join(applications)
                .where(
                    applications.c.name == app,
                    probe_results.c.kind.in_(MEASURING),
                    probe_results.c.status.in_([Status.PASS.value, Status.FAIL.value]),
                )
                .distinct()
            )
        )
        documents = [
            d for (d,) in conn.execute(sa.select(assessments.c.document).where(assessments.c.id.in_(ids)))
        ]
    availability: list[radar.Reading] = []
    latency: dict[str, list[radar.Reading]] = {q: [] for q in LATENCIES}
    for document in documents:
        for result in _measuring(document):
            for m in result.evidence.measurements:
                if m.value is None:
                    continue
                reading = radar.Reading(result.finished_at, m.value, m.target)
                if m.name == "availability" and m.unit == "ratio":
                    availability.append(reading)
                elif m.name in latency and m.unit == "ms":
                    latency[m.name].append(reading)
    return Measured(sorted(availability, key=lambda r: r.at), latency)


def _measuring(document: dict[str, Any]) -> list[ProbeResult]:
    return [
        ProbeResult.model_validate(r)
        for r in document.get("evidence", [])
        if r.get("kind") in MEASURING and r.get("evidence", {}).get("status") in (Status.PASS, Status.FAIL)
    ]


MEASURED: Memo[tuple[str, str], Measured] = Memo(500)
CHARTS: Memo[tuple[str, str, str], bytes] = Memo(1_000)
CHARTED = ("availability", "latency")


def version(store: Store, app: str) -> str:
    """What the measured figures of `app` depend on: which assessments it has. Ids only grow,
    so the largest and the count change with every save, an import of older ones included."""
    with store.engine.begin() as conn:
        largest, count = conn.execute(
            sa.select(sa.func.max(assessments.c.id), sa.func.count(assessments.c.id))
            .join(applications)
            .where(applications.c.name == app)
        ).one()
    return f"{largest or 0}-{count}"


def measured_now(store: Store, app: str) -> tuple[Measured, str]:
    """The measured figures of `app` and the version they are of, derived once per version."""
    v = version(store, app)
    return MEASURED.through((app, v), lambda: measured(store, app)), v


def chart(store: Store, app: str, which: str) -> tuple[bytes, str]:
    """`which` of CHARTED as a PNG, and its version (for an ETag)."""
    m, v = measured_now(store, app)

    def draw() -> bytes:
        if which == "availability":
            title, unit, series, scale = (
                "availability measured",
                "% of requests answered",
                {"availability": m.availability},
                100.0,
            )
        else:
            title, unit, series, scale = "latency measured", "milliseconds", dict(m.latency), 1.0
        return radar.over_time(f"{app}: {title}", unit, series, scale)

    return CHARTS.through((which, app, v), draw), f"{which}-{v}"
