"""The founder's wizard, pure: its six steps as the lens words them (`steps()`), the
conversions from what a founder knows (visitors a day, people online at once, "2 h") to what
the model holds (requests a second, minutes), and each answer's consequence, computed by
`derive()` itself, the derivation the assessment uses, so the wizard can never promise what
the assessment would not. Putting an answer into the workload document is `api.founder`'s."""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from ..base.fmt import minutes, money, number, percent
from ..model.common import Horizon, Tenet
from ..model.lens import Lens, QuestionField
from ..model.wizard import Example, FounderInput
from ..model.workload import Workload
from . import derive
from .economics import budget_minutes

SECONDS_PER_HOUR = 3600.0
LEAST_RPS = 0.001  # the model's smallest rate


@dataclass(frozen=True)
class Option:
    value: Any
    label: str


@dataclass(frozen=True)
class Ask:
    """One input of a step. `key` is where the answer goes: a dotted path in the workload
    document (`app.currency`, `answers.reliability.downtime_cost_per_hour`), or one of the
    founder's own inputs that `api.founder.apply` converts (`traffic.figure`, `dataset.*`)."""

    key: str
    prompt: str
    kind: str
    help: str = ""
    options: tuple[Option, ...] = ()
    default: Any = None
    also_12mo: bool = False  # asked now and again for 12 months from now
    optional: bool = False
    engineer: bool = False  # a detail for the engineer: asked last, skippable
    before: bool = False  # frames the step's fields: its consequence waits for them
    when: Mapping[str, tuple[Any, ...]] = field(default_factory=dict)
    fills: Mapping[Any, Mapping[str, Any]] = field(default_factory=dict)
    """By value: what to write under `key` at once, the defaults of the asks that follow it,
    so the document stays valid while they are asked one by one (business hours)."""

    def wanted(self, given: Mapping[str, Any]) -> bool:
        """Whether to ask it, given the answers so far by ask key."""
        return all(given.get(key) in values for key, values in self.when.items())


@dataclass(frozen=True)
class Step:
    number: int
    id: str
    title: str
    explanation: str
    examples: tuple[Example, ...]
    asks: tuple[Ask, ...]


def steps(lens: Lens) -> list[Step]:
    """The wizard's six steps, in order, each ask in the founder's words: the lens's
    questions with their inputs around the fields a founder answers (a field replaced by an
    input, like requests a second by visitors a day, is left to that input)."""
    out = []
    for q in sorted(lens.questions, key=lambda q: q.number):
        fields = [f for f in q.fields if f.replaced_by is None]
        asks = [
            *(_ask(i, i.key, before=True) for i in q.before),
            *(_ask(f, f"answers.{q.id}.{f.key}") for f in fields),
            *(_ask(i, i.key) for i in q.after),
        ]
        filled = tuple(_fill(a, asks) for a in asks)
        out.append(Step(q.number, q.id, q.title, q.help, tuple(q.examples), filled))
    return out


def step(lens: Lens, ref: int | str) -> Step:
    """Step `ref`, by number (1..6) or id."""
    for s in steps(lens):
        if ref in (s.number, s.id):
            return s
    raise KeyError(f"no step {ref!r}: steps are 1..6 or {', '.join(q.id for q in lens.questions)}")


def _ask(x: FounderInput | QuestionField, key: str, before: bool = False) -> Ask:
    return Ask(
        key=key,
        prompt=x.prompt,
        kind=x.kind,
        help=x.help,
        options=tuple(Option(c, x.labels.get(c, c)) for c in x.choices),
        default=x.default,
        also_12mo=x.also_12mo,
        optional=x.optional,
        engineer=x.engineer,
        before=before,
        when={k: tuple(v) for k, v in x.when.items()} if isinstance(x, FounderInput) else {},
    )


def _fill(a: Ask, asks: list[Ask]) -> Ask:
    fills: dict[Any, dict[str, Any]] = {}
    for child in asks:
        leaf = child.key.removeprefix(f"{a.key}.")
        if leaf != child.key and "." not in leaf and child.default is not None:
            for value in child.when.get(a.key, ()):
                fills.setdefault(value, {})[leaf] = child.default
    return replace(a, fills=fills) if fills else a


# ------------------------------------------------------------------------------------------
# What a founder types, read.

UNITS = {"min": 1.0, "minute": 1.0, "m": 1.0, "h": 60.0, "hour": 60.0, "hr": 60.0, "d": 1440.0, "day": 1440.0}
DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([a-z]*?)s?\s*$")


def duration(text: str) -> float | None:
    """Minutes from plain words: "30", "30 min", "2 h", "1.5 hours", "1 day"; "" is None (let
    devoops suggest), "none" or "0" is 0."""
    text = text.strip().lower()
    if not text:
        return None
    if text in ("none", "nothing", "no"):
        return 0.0
    match = DURATION.match(text)
    if match is None or match[2] not in ("", *UNITS):
        raise ValueError("a duration such as 30 min, 2 h or 1 d")
    value = float(match[1]) * UNITS.get(match[2], 1.0)
    if value > 1e9:
        raise ValueError("at most 10^9 minutes")
    return value


def clock(text: str) -> str:
    """A time of day as HH:MM."""
    try:
        return dt.time.fromisoformat(text.strip().rjust(5, "0")).isoformat("minutes")
    except ValueError:
        raise ValueError("a time of day such as 09:00") from None


def currency(text: str) -> str:
    code = text.strip().upper()
    if len(code) != 3 or not code.isascii() or not code.isalpha():
        raise ValueError("a three-letter currency code, e.g. EUR")
    return code


# ------------------------------------------------------------------------------------------
# Traffic: from what a founder knows to requests a second.


@dataclass(frozen=True)
class Visits:
    """How visitors become requests. The defaults fit a typical web application and agree
    with the model's own reading of `concurrent_users` (0.1 requests a second each): a page
    every 40 s with 4 requests to the servers is 0.1 a second. They are consistent with each
    other by Little's law: people online = visits a second x pages a visit x think time."""

    pages_per_visit: float = 5.0
    requests_per_page: float = 4.0  # to your servers: the page and its API calls, not CDN files
    busy_hour_share: float = 0.10  # share of a day's visits in its busiest hour
    think_seconds: float = 40.0  # between one person's page views

    def __post_init__(self) -> None:
        for name in ("pages_per_visit", "requests_per_page", "think_seconds"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be above 0")
        if not 0 < self.busy_hour_share <= 1:
            raise ValueError("busy_hour_share must be above 0 and at most 1")


DEFAULT_VISITS = Visits()


def rps_from_visitors(per_day: float, v: Visits = DEFAULT_VISITS) -> float:
    """Requests a second in the busiest ordinary hour of a day with `per_day` visitors."""
    return per_day * v.busy_hour_share * v.pages_per_visit * v.requests_per_page / SECONDS_PER_HOUR


def visitors_from_rps(rps: float, v: Visits = DEFAULT_VISITS) -> float:
    return rps * SECONDS_PER_HOUR / (v.busy_hour_share * v.pages_per_visit * v.requests_per_page)


def rps_from_concurrent(users: float, v: Visits = DEFAULT_VISITS) -> float:
    """Requests a second from `users` people online at once, each viewing a page every think time."""
    return users * v.requests_per_page / v.think_seconds


def concurrent_from_rps(rps: float, v: Visits = DEFAULT_VISITS) -> float:
    return rps * v.think_seconds / v.requests_per_page


def rounded(rps: float) -> float:
    """A rate as the workload file keeps it: three significant figures, at least 0.001."""
    if rps <= LEAST_RPS:
        return LEAST_RPS
    return round(rps, 2 - math.floor(math.log10(rps)))


Unit = Literal["visitors", "concurrent", "rps"]


def to_rps(figure: float, unit: Unit, v: Visits = DEFAULT_VISITS) -> float:
    """The founder's traffic figure in requests a second, as written to `baseline_rps`."""
    if not (math.isfinite(figure) and figure >= 0):
        raise ValueError("a count of 0 or more")
    if unit == "visitors":
        return rounded(rps_from_visitors(figure, v))
    if unit == "concurrent":
        return rounded(rps_from_concurrent(figure, v))
    return figure


def traffic_line(figure: float, unit: Unit, v: Visits = DEFAULT_VISITS) -> str:
    """The converted rate, shown back with the assumptions behind it."""
    rps = to_rps(figure, unit, v)
    if unit == "visitors":
        return (
            f"{number(figure)} visitors a day is about {number(rps)} requests a second in the busiest hour "
            f"({number(v.pages_per_visit)} pages a visit, {number(v.requests_per_page)} requests a page, "
            f"{percent(v.busy_hour_share)} of the day's visits in that hour)"
        )
    if unit == "concurrent":
        return (
            f"{number(figure)} people online at once is about {number(rps)} requests a second "
            f"(a page every {number(v.think_seconds)} s each, {number(v.requests_per_page)} requests a page)"
        )
    return f"{number(rps)} requests a second"


# ------------------------------------------------------------------------------------------
# Consequences: what each answer means, by the assessment's own derivation.


@dataclass(frozen=True)
class TierRow:
    tier: str
    title: str
    availability: float
    down_minutes_per_month: float
    downtime_cost_per_year: float
    run_cost_per_year: float
    total_cost_per_year: float
    cheapest: bool


@dataclass(frozen=True)
class Consequence:
    step: str
    horizon: Horizon
    lines: tuple[str, ...]
    tiers: tuple[TierRow, ...] = field(default=())


def tier_table(w: Workload, lens: Lens, h: Horizon = Horizon.NOW) -> tuple[TierRow, ...]:
    """Every tier with its downtime a month, what that downtime costs a year, what the tier
    costs to run and the total; the cheapest marked, as the economics chose it."""
    target = derive(w, lens, h).targets.availability
    return tuple(
        TierRow(
            tier=o.tier,
            title=o.title,
            availability=o.availability,
            down_minutes_per_month=budget_minutes(w, o.availability),
            downtime_cost_per_year=o.downtime_cost_per_year,
            run_cost_per_year=o.tier_cost_per_year,
            total_cost_per_year=o.total_cost_per_year,
            cheapest=o.tier == target.tier,
        )
        for o in target.options
    )


def consequence(w: Workload, lens: Lens, step_id: str, h: Horizon = Horizon.NOW) -> Consequence:
    """The consequence of a step's answers at horizon `h`, in one line or a few."""
    d = derive(w, lens, h)
    t, cur = d.targets, w.app.currency
    lines: list[str]
    if step_id == "reliability":
        a = t.availability
        cost = w.answers.reliability.downtime_cost_per_hour.at(h)
        lines = [
            f"At {money(cost, cur)} an hour, {percent(a.slo)} is the cheapest total: "
            f"at most {minutes(a.error_budget_minutes_per_month)} down a month."
        ]
        if w.app.business_hours != "24x7":
            lines.append(f"Only {number(a.counted_hours_per_week)} hours a week count: your business hours.")
        if a.maintenance_minutes_per_month:
            lines.append(
                f"Planned maintenance, {minutes(a.maintenance_minutes_per_month)} a month, does not count."
            )
        return Consequence(step_id, h, tuple(lines), tier_table(w, lens, h))
    if step_id == "traffic":
        c = t.capacity
        ready = (
            "it must already be running before the rush"
            if c.pre_provision
            else "machines can be started when the rush begins"
        )
        lines = [
            f"Usually {number(c.baseline_rps)} requests a second, {number(c.peak_rps)} at the worst; "
            f"plan for {number(c.capacity_rps)} ({c.headroom:g} times the worst, for safety).",
            f"Extra capacity within {minutes(c.scale_up_minutes)}: {ready}.",
        ]
    elif step_id == "performance":
        lat = t.latency
        lines = [
            f"Pages answer within {minutes(lat.p95_ms / 60000)} for 95 in 100 visitors and within "
            f"{minutes(lat.p99_ms / 60000)} for 99 in 100 (typically {minutes(lat.p50_ms / 60000)})."
        ]
    elif step_id == "data":
        lines = [_dataset_line(x) for x in t.data] or ["Name the data you keep to get its backup targets."]
    elif step_id == "security":
        lines = [f"Security matters {d.of(Tenet.SECURITY)} out of 10 at this stage."]
        lines += _implied(w, lens, h)
    elif step_id == "engineering":
        dl, oc = t.delivery, t.oncall
        lines = [
            f"{number(dl.releases_per_week)} releases a week: a deploy may take at most "
            f"{minutes(dl.deploy_minutes_max)}, undoing one at most {minutes(dl.rollback_minutes_max)}.",
            f"Night and weekend on-call {'is' if oc.required else 'is not'} needed: {oc.reason}.",
        ]
        lines += [f"Watch out: {x.title}." for x in d.tensions]
    else:
        raise KeyError(f"no step {step_id!r}")
    return Consequence(step_id, h, tuple(lines))


def _dataset_line(x: Any) -> str:
    b = x.backup
    how = (
        "continuous (point-in-time) backup" if b.continuous else f"a backup every {minutes(b.every_minutes)}"
    )
    where = ", a copy in another account" if b.offsite_separate_account else ""
    return (
        f"{x.name}: lose at most {minutes(x.rpo_minutes) if x.rpo_minutes else 'nothing'}, back within "
        f"{minutes(x.rto_minutes)}: {how}, kept {b.retention_days} days{where}, "
        f"a restore rehearsed every {b.restore_drill_every_days} days."
    )


def _implied(w: Workload, lens: Lens, h: Horizon) -> list[str]:
    """What the security answers already say about the practices (the lens's `implies`)."""
    out = []
    for q in lens.questions:
        for f in q.fields:
            if not f.implies:
                continue
            node: Any = getattr(w.answers, q.id)
            for part in f.key.split("."):
                node = getattr(node, part)
            value = str(node.at(h))
            for pid, choice in f.implies.get(value, {}).items():
                practice = lens.practice(pid)
                found = practice.choice(choice) if practice else None
                if practice and found:
                    out.append(f"{practice.title}? {found.title}; no need to record it again.")
    return out
