"""The catastrophes as report sections: what the inventory survives, where it fails as one, the
downtime a year brings and which changes save the most per money spent. `catastrophes()` is the
section of an assessment's report; `resilience()` is one horizon's, as `devoops scenarios run`
prints it."""

from __future__ import annotations

from ..base.fmt import minutes, money, number, percent, quantity
from ..evaluate.measured import Figure
from ..model.assessment import Assessment
from ..model.common import HORIZONS, Horizon
from ..model.resilience import AvailabilityModel, Change, DatasetLoss, Move, Resilience, Verdict
from .sections import HORIZON_TITLES, Section, Table, changing


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
