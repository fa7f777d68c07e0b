"""`devoops explain TOPIC`: why a target or an importance is what it is, as report sections."""

from __future__ import annotations

from ..base.errors import UsageError, did_you_mean
from ..base.fmt import minutes, money, number, percent
from ..model.assessment import Assessment
from ..model.common import HORIZONS, Horizon, Tenet
from ..model.lens import SCENARIO_PREFIX as SCENARIO
from ..model.lens import Lens
from . import assessment
from .catastrophes import against
from .sections import HORIZON_TITLES, TENET_TITLES, Section, Table, changing

TARGET_TOPICS = ("availability", "latency", "data", "capacity", "delivery", "tensions")


def topics(lens: Lens) -> list[str]:
    return [
        *TARGET_TOPICS,
        *(t.value for t in Tenet),
        *(p.id for p in lens.practices),
        *(SCENARIO + s.id for s in lens.scenarios),
    ]


def tenet(a: Assessment, t: Tenet) -> list[Section]:
    """Each horizon's rationale; a horizon identical to the one before is only named."""
    sections: list[Section] = []
    previous = None
    for v in a.horizons:
        score = next(s for s in v.tenets if s.tenet == t)
        i = score.importance
        heading = f"{TENET_TITLES[t]} importance {HORIZON_TITLES[v.horizon]}"
        if i == previous:
            sections[-1].heading += f", {HORIZON_TITLES[v.horizon]}"
            continue
        previous = i
        total = sum(r.delta for r in i.rationale)
        paragraphs = [f"Sum {total:.2f}, rounded and clamped to 0-10: **{i.derived}**."]
        if i.override is not None:
            paragraphs.append(f"Overridden in the workload (tenets.{t.value}): **{i.override}**.")
        paragraphs.append(f"Maturity {score.maturity:g}, gap {score.gap:+g}.")
        rows = [[r.source, r.text, f"{r.delta:+g}"] for r in i.rationale]
        sections.append(
            Section(heading, paragraphs=paragraphs, tables=[Table(["answer", "why", "points"], rows)])
        )
    return sections


def availability(a: Assessment) -> list[Section]:
    first = assessment.availability(a)
    ha = tenet(a, Tenet.HIGH_AVAILABILITY)
    lines = [
        f"{HORIZON_TITLES[v.horizon]}: **{percent(v.targets.availability.slo)}** "
        f"({v.targets.availability.tier}), error budget {minutes(v.targets.availability.error_budget_minutes_per_month)} "
        f"a month; on-call {'required' if v.targets.oncall.required else 'not required'}: {v.targets.oncall.reason}."
        for v in a.horizons
    ]
    first.paragraphs = (
        lines
        + first.paragraphs
        + [
            "total = tier cost (base infra x 12 x multiplier + on-call people x cost per person-year) + "
            "(1 - availability) x counted hours x cost per hour + incidents x cost per incident."
        ]
    )
    return [first, *ha]


def latency(a: Assessment) -> list[Section]:
    rows = [
        [
            HORIZON_TITLES[v.horizon],
            f"{v.targets.latency.avg_ms:g}",
            f"{v.targets.latency.p50_ms:g}",
            f"{v.targets.latency.p95_ms:g}",
            f"{v.targets.latency.p99_ms:g}",
            v.targets.latency.source,
        ]
        for v in a.horizons
    ]
    return [
        Section(
            "Latency targets (server side, ms)",
            paragraphs=[
                "From a level (good: 300 ms average, outstanding: 50 ms) or from the figures given; missing "
                "percentiles follow a typical web distribution (p50 = 0.8x, p95 = 2.5x, p99 = 4x the mean), "
                "never crossing a given figure."
            ],
            tables=[Table(["horizon", "avg", "p50", "p95", "p99", "from"], rows)],
        )
    ]


def data(a: Assessment) -> list[Section]:
    if not a.at(Horizon.NOW).targets.data:
        return [Section("Data targets", paragraphs=["No datasets are named in answers.data.datasets."])]
    return [
        Section(
            "Data targets",
            paragraphs=[
                "RPO/RTO come from the answers or, marked *, from criticality (lifeblood 5 min / 1 h, "
                "important 1 h / 4 h, expendable 1 d / 1 d); a lifeblood RTO is capped at the monthly "
                "error budget. Below a 1 h RPO backups must be continuous (WAL archiving, point-in-time "
                "recovery). Lifeblood and important data need an offsite copy in a separate account; "
                "regulated or lifeblood data, or security importance >= 5, needs encryption."
            ],
            tables=changing([assessment.datasets(a, h) for h in HORIZONS]),
        )
    ]


def capacity(a: Assessment) -> list[Section]:
    rows = [
        [
            HORIZON_TITLES[v.horizon],
            number(v.targets.capacity.baseline_rps),
            number(v.targets.capacity.peak_rps),
            f"{v.targets.capacity.headroom:g}x",
            number(v.targets.capacity.capacity_rps),
            minutes(v.targets.capacity.scale_up_minutes),
            "yes" if v.targets.capacity.pre_provision else "no",
        ]
        for v in a.horizons
    ]
    return [
        Section(
            "Capacity targets (requests/s)",
            paragraphs=[
                "Peak = baseline x multiplier (or the absolute peak); capacity = peak x headroom (rare 1.2x, "
                "likely 1.5x, certain 2x). Pre-provision when the spike is certain or capacity must grow in under "
                "10 minutes, faster than instances boot."
            ],
            tables=[
                Table(
                    [
                        "horizon",
                        "baseline",
                        "peak",
                        "headroom",
                        "capacity",
                        "scale up within",
                        "pre-provision",
                    ],
                    rows,
                )
            ],
        )
    ]


def delivery(a: Assessment) -> list[Section]:
    rows = [
        [
            HORIZON_TITLES[v.horizon],
            f"{v.targets.delivery.releases_per_week:g}",
            minutes(v.targets.delivery.deploy_minutes_max),
            minutes(v.targets.delivery.rollback_minutes_max),
        ]
        for v in a.horizons
    ]
    return [
        Section(
            "Delivery targets",
            paragraphs=[
                "Deploys at most 15 min; 10 min from 5 releases a week; 5 min from 20. A rollback may take at "
                "most a quarter of the monthly error budget (at least 1 min) and never longer than a deploy."
            ],
            tables=[Table(["horizon", "releases/week", "deploy at most", "rollback at most"], rows)],
        )
    ]


def tensions(a: Assessment) -> list[Section]:
    return [assessment.tensions(a)]


def practice(a: Assessment, lens: Lens, practice_id: str) -> list[Section]:
    p = lens.practice(practice_id)
    assert p is not None
    rows = []
    for v in a.horizons:
        f = next(f for f in v.findings if f.practice == practice_id)
        rows.append(
            [HORIZON_TITLES[v.horizon], f.risk.value, f.choice or "-", f.source, assessment.reason(f)]
        )
    return [
        Section(
            f"{p.title} ({p.id})",
            paragraphs=[p.summary, f"Question: {p.question}"],
            tables=[Table(["horizon", "risk", "choice", "decided by", "reason"], rows)],
        )
    ]


def scenario(a: Assessment, lens: Lens, scenario_id: str) -> list[Section]:
    """What the catastrophe is, what it hit in this inventory and why it ends as it does, per
    horizon (targets and money move with the horizon; a horizon like the one before is left out)."""
    s = next(s for s in lens.scenarios if s.id == scenario_id)
    kinds = f" ({', '.join(k.value for k in s.kinds)}, one {s.per} at a time)" if s.kinds else ""
    lasting = f" for {minutes(s.hours * 60)}" if s.hours else ""
    defended = ", ".join(f"{pid} ({p.title})" if (p := lens.practice(pid)) else pid for pid in s.practices)
    paragraphs = [
        s.summary,
        f"Hits one {s.scope.value}{kinds} at a time: {s.effect.value}{lasting}; "
        f"{s.per_year:g} a year per {s.scope.value}."
        + (" The availability model already counts it." if s.in_availability_model else ""),
    ]
    if defended:
        paragraphs.append(f"Defended by: {defended}.")
    if s.odds:
        chosen = {f.practice: f.choice for f in a.at(Horizon.NOW).findings}
        factors = ", ".join(
            f"{pid} at {chosen.get(pid) or 'unanswered'} (×{odds.get(chosen.get(pid) or '', 1.0):g})"
            for pid, odds in s.odds.items()
        )
        paragraphs.append(f"How often it happens moves with the practices that prevent it: {factors}.")
    tables: list[Table] = []
    for v in a.horizons:
        o = (
            next((o for o in v.resilience.scenarios if o.scenario == scenario_id), None)
            if v.resilience
            else None
        )
        if o is None:
            continue
        cur = v.targets.availability.currency
        rows = [
            ["verdict", f"{o.verdict.value}: {o.reason}"],
            ["worst occurrence", o.scope],
            ["components lost", ", ".join(o.lost) or "none"],
            ["application", "up" if o.app_up else f"down {minutes(o.downtime_minutes)}"],
            ["recovery target", minutes(o.recovery_target_minutes)],
            *(
                [
                    f"dataset {d.dataset}",
                    f"lost {against(d.lost_minutes, d.rpo_minutes, d.rpo_met, doubt=bool(d.doubt))}, "
                    f"back in {against(d.recovery_minutes, d.rto_minutes, d.rto_met, d.recovery_known)}"
                    + (f" from {d.recovered_from}" if d.recovered_from else "")
                    + (f" ({d.doubt})" if d.doubt else ""),
                ]
                for d in o.datasets
            ),
            ["cost of one", money(o.cost, cur)],
            ["expected", f"{o.per_year:.2g} a year, {money(o.cost_per_year, cur)} a year"],
        ]
        tables.append(Table(["", "outcome"], rows, title=f"Outcome {HORIZON_TITLES[v.horizon]}"))
    if not tables:
        paragraphs.append(
            "Not run here: the workload has no `inventory:`, or nothing in it is in this scenario's reach."
        )
    return [Section(f"{s.title} ({SCENARIO}{s.id})", paragraphs=paragraphs, tables=changing(tables))]


def explain(a: Assessment, lens: Lens, topic: str) -> list[Section]:
    handlers = {
        "availability": availability,
        "latency": latency,
        "data": data,
        "capacity": capacity,
        "delivery": delivery,
        "tensions": tensions,
    }
    if topic in handlers:
        return handlers[topic](a)
    if topic in {t.value for t in Tenet}:
        return tenet(a, Tenet(topic))
    if lens.practice(topic) is not None:
        return practice(a, lens, topic)
    if topic.startswith(SCENARIO) and any(SCENARIO + s.id == topic for s in lens.scenarios):
        return scenario(a, lens, topic.removeprefix(SCENARIO))
    raise UsageError(
        f"unknown topic {topic!r}{did_you_mean(topic, topics(lens))}; "
        f"choose one of {', '.join(TARGET_TOPICS)}, a tenet, a practice id or scenario.<id>"
    )
