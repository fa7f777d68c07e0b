"""The report's content once, as sections of paragraphs, lists and tables; the terminal and
Markdown renderers only give it a skin."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..base.fmt import minutes, money, number, percent, quantity
from ..evaluate.diff import figure_value, target_values
from ..evaluate.measured import Figure, measured
from ..model.assessment import Assessment, HorizonView
from ..model.common import HORIZONS, Horizon, Risk, Tenet
from ..model.evidence import Status
from ..model.findings import Finding
from ..model.lens import CostBand
from ..model.resilience import AvailabilityModel, Change, DatasetLoss, Move, Resilience, Verdict
from ..model.targets import Importance

TENET_TITLES = {
    Tenet.HIGH_AVAILABILITY: "High availability",
    Tenet.SCALABILITY: "Scalability",
    Tenet.PERFORMANCE: "Performance",
    Tenet.DATA_INTEGRITY: "Data integrity",
    Tenet.SECURITY: "Security",
    Tenet.PRODUCTIVITY: "Productivity",
}
HORIZON_TITLES = {
    Horizon.NOW: "now",
    Horizon.SIX_MONTHS: "in 6 months",
    Horizon.TWELVE_MONTHS: "in 12 months",
}


@dataclass
class Table:
    columns: list[str]
    rows: list[list[str]]
    title: str = ""


@dataclass
class Section:
    heading: str
    paragraphs: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    bullets: list[str] = field(default_factory=list)
    details: list[tuple[str, list[str]]] = field(default_factory=list)
    """Titled step lists: the full text, shown where space allows (Markdown)."""


def cost_band(band: CostBand) -> str:
    return f"${band.high:,.0f}" if band.low == band.high else f"${band.low:,.0f}-{band.high:,.0f}"


def counts(view: HorizonView) -> dict[Risk, int]:
    return {r: sum(1 for f in view.findings if f.risk == r) for r in Risk}


def importance_cell(i: Importance) -> str:
    return str(i.value) if i.override is None else f"{i.value} (derived {i.derived})"


def verdict(a: Assessment) -> Section:
    now = a.at(Horizon.NOW)
    c = counts(now)
    gaps = sorted(now.tenets, key=lambda t: -t.gap)[:3]
    avail, lat = now.targets.availability, now.targets.latency
    worst = ", ".join(
        f"{TENET_TITLES[t.tenet].lower()} (importance {t.importance.value}, maturity {t.maturity:g})"
        for t in gaps
        if t.gap > 0
    )
    lines = [
        f"**{a.app.name}** ({a.app.stage.value}): {c[Risk.HIGH]} high and {c[Risk.MEDIUM]} medium risks now, "
        f"{c[Risk.UNKNOWN]} practices unanswered.",
        f"Targets now: availability {percent(avail.slo)} ({avail.tier}, error budget "
        f"{minutes(avail.error_budget_minutes_per_month)} a month), latency p95 {lat.p95_ms:g} ms / "
        f"p99 {lat.p99_ms:g} ms, peak {number(now.targets.capacity.capacity_rps)} req/s with headroom.",
    ]
    if worst:
        lines.append(f"Largest gaps between importance and maturity: {worst}.")
    figures = measured(a.evidence)
    if figures:
        lines.append(measured_line(figures, avail.slo, lat.p95_ms, lat.p99_ms))
    tensions = len({t.id for v in a.horizons for t in v.tensions})
    if tensions:
        lines.append(f"{tensions} trade-offs to settle (see Tensions).")
    if now.resilience is not None:
        lines.append(survival(now.resilience, figures.get("availability")))
    return Section("Verdict", paragraphs=lines)


def measured_line(figures: dict[str, Figure], slo: float, p95: float, p99: float) -> str:
    """What production's traffic showed, beside the targets: the truth once an audit ran."""
    parts = []
    if (m := figures.get("availability")) is not None:
        parts.append(f"availability {quantity(m.value, 'ratio')} against {percent(slo)} ({m.probe})")
    for name, target in (("p95", p95), ("p99", p99)):
        if (m := figures.get(name)) is not None:
            parts.append(f"{name} {m.value:,.0f} ms against {target:g} ms ({m.probe})")
    if (m := figures.get("peak")) is not None:
        parts.append(f"busiest {number(m.value)} req/s ({m.probe})")
    return "Measured now: " + "; ".join(parts) + "."


def survival(r: Resilience, availability: Figure | None = None) -> str:
    """The catastrophes in one sentence: how many end the company, how many break a target;
    then the availability measured, else the model's."""
    tally = {v: sum(o.verdict == v for o in r.scenarios) for v in Verdict}
    m = r.availability
    if availability is not None and m is not None:
        model = f"availability measured {quantity(availability.value, 'ratio')} against {percent(m.target)}"
    elif m is not None:
        model = f"availability {percent(m.availability)} (modelled) against {percent(m.target)}"
    else:
        model = "no availability model (see Catastrophes)"
    counted = ", ".join(f"{n} {v.value}" for v in reversed(Verdict) if (n := tally[v]))
    return f"Catastrophes now: {counted or 'none run'} (see Catastrophes); {model}."


def tenets(a: Assessment) -> Section:
    views = [a.at(h) for h in HORIZONS]
    rows = []
    for t in Tenet:
        scores = [next(s for s in v.tenets if s.tenet == t) for v in views]
        rows.append(
            [
                TENET_TITLES[t],
                *(importance_cell(s.importance) for s in scores),
                f"{scores[0].maturity:g}",
                f"{scores[0].gap:+g}",
            ]
        )
    table = Table(["tenet", "importance now", "6mo", "12mo", "maturity", "gap now"], rows)
    return Section(
        "Tenets",
        paragraphs=[
            "Importance 0-10 is derived from the answers "
            "(`devoops explain <tenet>` shows why); maturity 0-10 from the practices."
        ],
        tables=[table],
    )


def measured_cells(figures: dict[str, Figure]) -> dict[str, str]:
    """The measured figures by the name of the target row they stand beside."""
    cells = {}
    if "availability" in figures:
        cells["availability SLO"] = quantity(figures["availability"].value, "ratio")
    latency = [f"{figures[p].value:,.0f}" if p in figures else "-" for p in ("p50", "p95", "p99")]
    if any(p in figures for p in ("p50", "p95", "p99")):
        cells["latency p50 / p95 / p99"] = " / ".join(latency) + " ms"
    if "peak" in figures:
        cells["peak load (with headroom)"] = f"{number(figures['peak'].value)} req/s"
    return cells


def targets(a: Assessment) -> Section:
    """The targets per horizon; after an audit, what production's traffic measured beside them."""
    values = [target_values(a.at(h).targets) for h in HORIZONS]
    figures = measured(a.evidence)
    rows = [[name, *(v[name] for v in values)] for name in values[0]]
    columns = ["target", "now", "6mo", "12mo"]
    if figures:
        columns.append("measured now")
        cells = measured_cells(figures)
        rows = [[*row, cells.get(row[0], "")] for row in rows]
    tables = [Table(columns, rows)]
    if a.at(Horizon.NOW).targets.data:
        tables.append(datasets(a, Horizon.NOW))
    return Section("Targets", tables=tables)


def datasets(a: Assessment, horizon: Horizon) -> Table:
    columns = [
        "dataset",
        "criticality",
        "RPO",
        "RTO",
        "backups",
        "retention",
        "offsite account",
        "encrypted",
        "restore drill",
    ]
    rows = [
        [
            d.name,
            d.criticality.value,
            minutes(d.rpo_minutes) + ("" if d.rpo_given else "*"),
            minutes(d.rto_minutes) + ("" if d.rto_given else "*"),
            "continuous + daily base" if d.backup.continuous else f"every {minutes(d.backup.every_minutes)}",
            f"{d.backup.retention_days} d",
            "separate" if d.backup.offsite_separate_account else "any",
            "yes" if d.backup.encrypted else "optional",
            f"every {d.backup.restore_drill_every_days} d",
        ]
        for d in a.at(horizon).targets.data
    ]
    return Table(columns, rows, title=f"Datasets {HORIZON_TITLES[horizon]} (* derived, not given)")


def changing(tables: list[Table]) -> list[Table]:
    """Only the tables whose rows differ from the one before: a horizon like the last is left out."""
    kept: list[Table] = []
    for table in tables:
        if not kept or table.rows != kept[-1].rows:
            kept.append(table)
    return kept


def tier_comparison(a: Assessment, horizon: Horizon) -> Table:
    avail = a.at(horizon).targets.availability
    cur = avail.currency
    rows = [
        [
            o.tier,
            percent(o.availability),
            f"{o.downtime_hours_per_year:.1f}",
            f"{o.incidents_per_year:g}",
            money(o.tier_cost_per_year, cur),
            money(o.downtime_cost_per_year, cur),
            money(o.total_cost_per_year, cur),
            "chosen" if o.tier == avail.tier else "",
        ]
        for o in avail.options
    ]
    columns = ["tier", "SLO", "down h/yr", "incidents/yr", "tier cost/yr", "downtime cost/yr", "total/yr", ""]
    return Table(columns, rows, title=f"Availability tiers {HORIZON_TITLES[horizon]}")


def availability(a: Assessment, horizons: tuple[Horizon, ...] = HORIZONS) -> Section:
    """The tier comparison for each horizon whose figures differ from the one before."""
    avail = a.at(Horizon.NOW).targets.availability
    counted = (
        "around the clock"
        if avail.counted_hours_per_week == 168
        else f"{avail.counted_hours_per_week:g} business hours a week"
    )
    paragraphs = [
        f"Each tier's yearly cost (infrastructure and on-call) plus its expected downtime cost; the cheapest "
        f"total wins. Downtime is counted {counted}.",
        "Tiers: " + "; ".join(f"{o.tier}: {o.needs}" for o in avail.options),
    ]
    if avail.maintenance_minutes_per_month:
        paragraphs.append(
            f"Planned maintenance ({minutes(avail.maintenance_minutes_per_month)} a month) is outside the SLO."
        )
    return Section(
        "Availability economics",
        paragraphs=paragraphs,
        tables=changing([tier_comparison(a, h) for h in horizons]),
    )


def against(value: float | None, target: float, met: bool, known: bool = True, doubt: bool = False) -> str:
    """A recovery figure beside its target; None is data that no copy brings back (or, with a
    doubt, that no copy can be counted on to); an estimate is marked ~ and, within its target,
    NOT SHOWN: nobody has measured it."""
    if value is None:
        shown = "may be gone" if doubt else "gone"
    else:
        shown = ("" if known else "~") + (minutes(value) if value else "0")
    miss = "" if met else " MISSED" if known or value is None or value > target else " NOT SHOWN"
    return f"{shown} / {minutes(target)}{miss}"


def losses(datasets: list[DatasetLoss], recovery: bool) -> str:
    return "; ".join(
        f"{d.dataset} "
        + (
            against(d.recovery_minutes, d.rto_minutes, d.rto_met, d.recovery_known, bool(d.doubt))
            if recovery
            else against(d.lost_minutes, d.rpo_minutes, d.rpo_met, doubt=bool(d.doubt))
        )
        for d in datasets
    )


def scenario_table(r: Resilience, currency: str, title: str = "") -> Table:
    rows = [
        [
            o.title,
            o.scope,
            ", ".join(o.lost) or "-",
            "yes" if o.app_up else "no",
            (minutes(o.downtime_minutes) + (f" ({o.share:.0%} of tenants)" if o.share < 1 else ""))
            if o.downtime_minutes
            else "-",
            losses(o.datasets, recovery=False) or "-",
            losses(o.datasets, recovery=True) or "-",
            o.verdict.value,
            money(o.cost, currency) if o.cost else "-",
            money(o.cost_per_year, currency) if o.cost_per_year else "-",
        ]
        for o in r.scenarios
    ]
    columns = ["scenario", "scope", "lost", "app up", "downtime", "data lost / RPO", "recovery / RTO"]
    return Table([*columns, "verdict", "cost", "expected/yr"], rows, title)


def shared_fate_table(r: Resilience) -> Table:
    rows = [
        [g.by, g.value, ", ".join(g.components), "yes" if g.takes_app_down else "no"] for g in r.shared_fate
    ]
    return Table(["shared", "where", "components", "losing all takes the app down"], rows, "Shared fate")


def model_table(m: AvailabilityModel, currency: str, title: str = "") -> Table:
    """The analytic figures beside the target and the tier's priced downtime, then the simulated years."""
    rows = [
        ["availability", percent(m.availability)],
        ["target", percent(m.target) + (" (met)" if m.meets_target else " (MISSED)")],
        ["downtime a year", f"{m.downtime_hours_per_year:.2f} h"],
        ["incidents a year", f"{m.incidents_per_year:.2f}"],
        ["expected downtime cost a year", money(m.cost_per_year, currency)],
        ["the chosen tier was priced at", money(m.target_cost_per_year, currency)],
        ["weakest components", ", ".join(m.weakest) or "-"],
    ]
    if (mc := m.monte_carlo) is not None:
        rows += [
            [f"simulated availability ({mc.years:,} years, seed {mc.seed})", percent(mc.availability)],
            [
                "simulated downtime h/yr mean / p50 / p90 / p99",
                f"{mc.downtime_hours_mean:.2f} / {mc.downtime_hours_p50:.2f} / "
                f"{mc.downtime_hours_p90:.2f} / {mc.downtime_hours_p99:.2f}",
            ],
            ["simulated incidents a year mean / p99", f"{mc.incidents_mean:.2f} / {mc.incidents_p99:.2f}"],
            ["years without downtime", f"{mc.years_without_downtime:.1%}"],
            [
                "simulated cost a year mean / p90 / p99",
                f"{money(mc.cost_mean, currency)} / {money(mc.cost_p90, currency)} / {money(mc.cost_p99, currency)}",
            ],
        ]
    return Table(["figure", "value"], rows, title)


def changes_table(changes: list[Change], currency: str, title: str = "") -> Table:
    """What-if changes with their before and after; the plan of `devoops whatif` and the report."""
    rows = [
        [
            c.change,
            f"{percent(c.availability_before)} → {percent(c.availability_after)}",
            f"{money(c.downtime_cost_before, currency)} → {money(c.downtime_cost_after, currency)}",
            money(c.saved_per_year, currency),
            money(c.cost_per_year, currency),
            number(c.saved_per_spent) if c.cost_per_year > 0 else "free",
            "; ".join(moved(m) for m in c.moves if moved(m)) or "-",
        ]
        for c in changes
    ]
    columns = ["change", "availability", "expected cost/yr", "saved/yr", "cost/yr", "saved per spent"]
    return Table([*columns, "scenarios that move"], rows, title)


def moved(m: Move) -> str:
    """A scenario's verdict that moves, else its rate: "account-takeover 0.06 → 0.002/yr"."""
    if m.verdict_before != m.verdict_after:
        was = m.verdict_before.value if m.verdict_before else "not run"
        now = m.verdict_after.value if m.verdict_after else "not run"
        return f"{m.scenario} {was} → {now}"
    if abs(m.per_year_after - m.per_year_before) > 1e-12:
        return f"{m.scenario} {m.per_year_before:.2g} → {m.per_year_after:.2g}/yr"
    return ""


PLAN = (
    "The plan: the change that saves most per money spent first, then each next one on the "
    "inventory the rows above leave; a row's figures are what it adds to them."
)
COSTS = (
    "Expected cost a year: the availability model's downtime and incidents plus each catastrophe it does "
    "not count, each occurrence's cost times how often it happens. A change's cost is its lens practice's "
    "monthly cost band (midpoint, USD) times twelve, converted at economics.usd_rate into the app's currency."
)


def resilience(r: Resilience, currency: str, limit: int | None = None) -> list[Section]:
    """One horizon's catastrophes, as `devoops scenarios run` prints them."""
    at_risk = [o for o in r.scenarios if o.verdict.rank >= Verdict.DAMAGED.rank]
    return [
        Section(
            "Scenarios",
            paragraphs=[
                "The worst occurrence of each catastrophe: its cost is that occurrence's downtime; the "
                "expected cost a year prices every occurrence at its own rate."
            ],
            tables=[scenario_table(r, currency)],
            bullets=[f"{o.title}: {o.reason}" for o in at_risk],
        ),
        Section(
            "Single points of failure and shared fate",
            paragraphs=["Single points of failure: " + (", ".join(r.spofs) if r.spofs else "none") + "."],
            tables=[shared_fate_table(r)] if r.shared_fate else [],
        ),
        Section(
            "Availability model",
            paragraphs=[
                "Downtime and incidents count only the hours in which downtime costs money."
                if r.availability is not None
                else "No availability model for this inventory.",
                *r.notes,
            ],
            tables=[model_table(r.availability, currency)] if r.availability is not None else [],
        ),
        Section(
            "Improvements",
            paragraphs=[
                f"{PLAN} {COSTS}"
                if r.improvements
                else "No change of the what-if catalogue saves at least what it costs here "
                "(`devoops whatif` lists every change that saves something)."
                if r.availability is not None and not r.notes
                else "No changes ranked (see the notes above)."
            ],
            tables=[changes_table(r.improvements[:limit], currency)] if r.improvements else [],
        ),
    ]


def catastrophes(a: Assessment, horizons: tuple[Horizon, ...] = HORIZONS, limit: int = 5) -> list[Section]:
    """What the inventory survives, where it fails as one, what downtime a year brings and which
    changes save the most per money spent; each table only at horizons where it changes."""
    shown = [(h, r) for h in horizons if (r := a.at(h).resilience) is not None]
    if not shown:
        return []
    first = shown[0][1]
    currency = a.at(shown[0][0]).targets.availability.currency
    paragraphs = [
        "Each catastrophe of the lens is run against the inventory once per zone, region, account or "
        "dataset it can hit; the worst occurrence is shown. A verdict is damaged when an RPO, an RTO or the "
        "recovery target is missed, company-ending when lifeblood data is gone for good. "
        "`devoops explain scenario.<id>` explains one; `devoops whatif` tries a change.",
        "Single points of failure: " + (", ".join(first.spofs) if first.spofs else "none") + ".",
        *dict.fromkeys(note for _, r in shown for note in r.notes),
    ]
    shared = shared_fate_table(first)
    tables = [
        *changing([scenario_table(r, currency, f"Scenarios {HORIZON_TITLES[h]}") for h, r in shown]),
        *([shared] if shared.rows else []),
        *changing(
            [
                model_table(r.availability, currency, f"Availability model {HORIZON_TITLES[h]}")
                for h, r in shown
                if r.availability is not None
            ]
        ),
        *changing(
            [
                changes_table(
                    r.improvements[:limit],
                    currency,
                    f"Top improvements {HORIZON_TITLES[h]}, each on top of the rows above",
                )
                for h, r in shown
                if r.improvements
            ]
        ),
    ]
    bullets = [
        f"**{o.title}** ({o.verdict.value}, {o.per_year:.2g} a year): {o.reason}"
        for o in first.scenarios
        if o.verdict.rank >= Verdict.DAMAGED.rank
    ]
    return [Section("Catastrophes", paragraphs=paragraphs, tables=tables, bullets=bullets)]


def tensions(a: Assessment) -> Section:
    seen: set[str] = set()
    bullets = []
    for v in a.horizons:
        for t in v.tensions:
            if t.id in seen:
                continue
            seen.add(t.id)
            options = " ".join(f"({n}) {o}" for n, o in enumerate(t.options, 1))
            bullets.append(f"**{t.title}** (from {HORIZON_TITLES[v.horizon]}): {t.detail} Options: {options}")
    return Section("Tensions", bullets=bullets or ["None: the targets fit together as stated."])


LABELS = {"evidence": "measured", "inventory": "inventory"}


def reason(f: Finding) -> str:
    """The reason, with where the state came from (a probe's measurement, the inventory, what
    the workload records as evidence), the answer the inventory overruled and where both sit,
    and, when the money raised the finding, the lens rule's own verdict."""
    extra = [f"{LABELS.get(f.source, 'evidence')}: {f.evidence}" if f.evidence else None]
    if (c := f.conflict) is not None:
        answer_at = c.answer_at or ".".join(map(str, c.answer_path))
        inventory_at = c.inventory_at or ".".join(map(str, c.inventory_path))
        extra.append(
            f"the answer {c.answer} at {answer_at} disagrees with the inventory at {inventory_at}, which decides"
        )
    if f.raised is not None:
        extra.append(f"the lens rule alone: {f.raised.risk.value}, {f.raised.reason.rstrip('.')}")
    extra.append(f.note)
    shown = [part for part in extra if part]
    return f.reason + (f" ({'; '.join(shown)})" if shown else "")


def evidence(a: Assessment, detail: bool = True) -> list[Section]:
    """What the probes measured, each figure beside its target; the detail tables where there is room."""
    if not a.evidence:
        return []
    runs = Table(
        ["status", "probe", "kind", "target", "took", "summary"],
        [
            [r.status.value, r.name, r.kind, r.target, f"{r.seconds:.1f} s", r.evidence.summary]
            for r in a.evidence
        ],
    )
    figures = Table(
        ["probe", "figure", "value", "target", "held"],
        [
            [
                r.name,
                m.name,
                figure_value(m),
                ""
                if m.target is None
                else f"{'≤' if m.bound == 'max' else '≥'} {quantity(m.target, m.unit)}",
                {True: "yes", False: "NO", None: ""}[m.ok],
            ]
            for r in a.evidence
            for m in r.evidence.measurements
        ],
        "Measurements",
    )
    verdicts = [
        f"{v.practice} is **{v.choice}** ({r.name}): {v.reason}"
        for r in a.evidence
        for v in r.evidence.verdicts
    ]
    extra = [
        Table(
            t.columns, [["" if c is None else str(c) for c in row] for row in t.rows], f"{r.name}: {t.title}"
        )
        for r in a.evidence
        for t in r.evidence.tables
    ]
    counted = ", ".join(f"{n} {s.value}" for s in Status if (n := sum(r.status == s for r in a.evidence)))
    return [
        Section(
            "Evidence",
            paragraphs=[f"{len(a.evidence)} probes: {counted}. What they show outranks the answers."],
            tables=[runs, *([figures] if figures.rows else []), *(extra if detail else [])],
            bullets=verdicts,
        )
    ]


def findings(a: Assessment, horizon: Horizon = Horizon.NOW) -> Section:
    view = a.at(horizon)
    shown = [f for f in view.findings if f.risk in (Risk.HIGH, Risk.MEDIUM)]
    rows = [
        [f.risk.value, f.practice, f.title, ", ".join(TENET_TITLES[t].lower() for t in f.tenets), reason(f)]
        for f in shown
    ]
    c = counts(view)
    paragraphs = [
        f"{c[Risk.HIGH]} high, {c[Risk.MEDIUM]} medium, {c[Risk.NONE]} fine, "
        f"{c[Risk.UNKNOWN]} unanswered, {c[Risk.NOT_APPLICABLE]} not applicable."
    ]
    expired = [f for f in view.findings if f.exemption_expired]
    bullets = [
        f"Exemption for {f.practice} expired on {f.exemption.expires} (owner {f.exemption.owner})."
        for f in expired
        if f.exemption is not None
    ]
    bullets += [f"{f.practice}: {f.reason}." for f in view.findings if f.source == "exemption"]
    unknown = [f.practice for f in view.findings if f.risk == Risk.UNKNOWN and not f.exemption_expired]
    if unknown:
        bullets.append(f"Unanswered: {', '.join(unknown)}.")
    return Section(
        f"Findings {HORIZON_TITLES[horizon]}",
        paragraphs=paragraphs,
        tables=[Table(["risk", "practice", "title", "tenets", "reason"], rows)] if rows else [],
        bullets=bullets,
    )


def plan(a: Assessment, limit: int | None = None) -> Section:
    items = a.plan[:limit] if limit else a.plan
    rows = [
        [
            str(i.rank),
            HORIZON_TITLES[i.horizon],
            i.risk.value,
            i.practice,
            i.title,
            i.effort,
            cost_band(i.monthly_cost),
        ]
        for i in items
    ]
    more = len(a.plan) - len(items)
    paragraphs = [
        "Ordered by risk removed per unit of effort, grouped by the horizon where it first matters."
    ]
    if more:
        paragraphs.append(f"{more} more, and every step, in the full report (`devoops assess -f md`).")
    details = [
        (
            f"{i.rank}. {i.title} ({i.practice}, {i.risk.value} {HORIZON_TITLES[i.horizon]})",
            [i.reason, *i.steps],
        )
        for i in items
    ]
    return Section(
        "Plan",
        paragraphs=paragraphs,
        tables=[Table(["#", "when", "risk", "practice", "title", "effort", "cost/month"], rows)],
        details=details,
    )


def report(a: Assessment, plan_limit: int | None = None) -> list[Section]:
    """`plan_limit` set means a short report (the terminal): fewer horizons, no detail tables."""
    short = plan_limit is not None
    horizons = (Horizon.NOW,) if short else HORIZONS
    return [
        verdict(a),
        tenets(a),
        targets(a),
        *evidence(a, detail=not short),
        availability(a, horizons),
        *catastrophes(a, horizons),
        tensions(a),
        findings(a),
        plan(a, plan_limit),
    ]
