"""An assessment's sections: the verdict, tenets, targets (and what production measured beside
them), availability economics, evidence, tensions, findings and the plan."""

from __future__ import annotations

from ..base.fmt import minutes, money, number, percent, quantity
from ..evaluate.diff import figure_value, target_values
from ..evaluate.measured import Figure, measured
from ..model.assessment import Assessment, HorizonView
from ..model.common import HORIZONS, Horizon, Risk, Tenet
from ..model.evidence import Status
from ..model.findings import Finding
from ..model.targets import Importance
from .catastrophes import survival
from .sections import HORIZON_TITLES, TENET_TITLES, Section, Table, changing, cost_band


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
