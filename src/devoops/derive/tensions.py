"""Targets the team cannot meet as stated, each with the ways out.

Each rule reads the answers, the importance and the targets of one horizon and returns a
Tension or None. Rules are independent; their order is the order of the report.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..base.fmt import minutes, percent
from ..model.answers import Criticality, Regulated, SensitiveData, Survival
from ..model.app import Audience
from ..model.common import Horizon, Tenet
from ..model.targets import Targets, Tension
from ..model.workload import Workload
from .capacity import FASTEST_REACTIVE_SCALING_MINUTES

HA, SC, PF, DI, SE, PR = (
    Tenet.HIGH_AVAILABILITY,
    Tenet.SCALABILITY,
    Tenet.PERFORMANCE,
    Tenet.DATA_INTEGRITY,
    Tenet.SECURITY,
    Tenet.PRODUCTIVITY,
)
# A spike of this many times the baseline cannot be absorbed by headroom alone.
SUDDEN_SPIKE = 5.0


@dataclass(frozen=True)
class Context:
    workload: Workload
    horizon: Horizon
    importance: dict[Tenet, int]
    targets: Targets


def oncall_infeasible(c: Context) -> Tension | None:
    e = c.workload.answers.engineering
    if not c.targets.oncall.required or e.oncall_24x7_feasible.at(c.horizon):
        return None
    return Tension(
        id="oncall-infeasible",
        title="24x7 on-call is required but the team cannot staff it",
        detail=f"{c.targets.oncall.reason}, and the team says 24x7 on-call is not feasible.",
        tenets=[HA, PR],
        options=[
            "Use managed services with automatic failover (managed database, PaaS) so most failures heal without a human.",
            "Buy on-call coverage (an MSP or a follow-the-sun partner) for nights and weekends.",
            "Accept a lower availability tier and say so to customers.",
        ],
    )


def ha_small_team(c: Context) -> Tension | None:
    e = c.workload.answers.engineering
    h = c.horizon
    team, seniors, ops = e.team_size.at(h), e.senior_engineers.at(h), e.ops_engineers.at(h)
    if c.importance[HA] < 8 or (team > 3 and ops > 0 and seniors > 0):
        return None
    return Tension(
        id="ha-small-team",
        title=(
            f"High availability {c.importance[HA]}/10 with {team} engineers "
            f"({seniors} senior, {ops} in operations)"
        ),
        detail="Running redundant, failover-capable infrastructure by hand needs people this team does not have.",
        tenets=[HA, PR],
        options=[
            "Prefer managed services with automatic failover over self-run clusters.",
            "Hire or contract operations experience before the 12-month horizon.",
            "Lower the availability ambition for the horizons the team cannot staff.",
        ],
    )


def regulated_speed(c: Context) -> Tension | None:
    w = c.workload
    security = w.answers.security
    regulated = any(d.regulated in (Regulated.FINANCIAL, Regulated.HEALTH) for d in w.answers.data.datasets)
    regulated = regulated or bool(
        {SensitiveData.FINANCIAL, SensitiveData.HEALTH} & set(security.sensitive_data.at(c.horizon))
    )
    if not (regulated and security.breach_survival.at(c.horizon) == Survival.NO and c.importance[PR] >= 9):
        return None
    return Tension(
        id="regulated-speed",
        title="Moving at top speed with money or health data the company cannot lose",
        detail=f"Productivity is {c.importance[PR]}/10 while a breach would end the company.",
        tenets=[SE, PR],
        options=[
            "Keep the speed, but put the money paths behind four-eyes review and a separate deploy pipeline.",
            "Ship behind feature flags with progressive rollout; keep regulated components on a slower cadence.",
            "Invest in automated security checks (dependency and secret scanning, least privilege) before adding speed.",
        ],
    )


def global_latency(c: Context) -> Tension | None:
    lat = c.targets.latency
    if c.workload.app.audience != Audience.GLOBAL or c.targets.availability.tier == "multi-region":
        return None
    if lat.p99_ms > 150 and lat.avg_ms > 50:
        return None
    return Tension(
        id="global-latency-single-region",
        title=f"A {lat.p99_ms:g} ms p99 for global users from a single region",
        detail="A round trip across continents alone takes 150-300 ms; one region cannot serve every user that fast.",
        tenets=[PF, HA],
        options=[
            "Serve static and cacheable responses from a CDN edge.",
            "Add read replicas and app instances in the regions where users are.",
            "Set the tight target for the home region only and a looser one elsewhere.",
        ],
    )


def rto_exceeds_budget(c: Context) -> Tension | None:
    """On given RTOs only: a derived one is capped at the budget, so it meets it by construction."""
    budget = c.targets.availability.error_budget_minutes_per_month
    slow = [
        d
        for d in c.targets.data
        if d.criticality == Criticality.LIFEBLOOD and d.rto_given and d.rto_minutes > budget
    ]
    if not slow:
        return None
    names = ", ".join(f"{d.name} ({minutes(d.rto_minutes)})" for d in slow)
    return Tension(
        id="rto-exceeds-error-budget",
        title="One restore spends more than a month's error budget",
        detail=(
            f"Restoring {names} takes longer than the {minutes(budget)} monthly error budget of a "
            f"{percent(c.targets.availability.slo)} SLO."
        ),
        tenets=[HA, DI],
        options=[
            "Keep a hot standby or replica so that most failures need no restore.",
            "Shorten the RTO: smaller databases, parallel restore, practised runbooks.",
            "Accept that a restore breaks the SLO, and say so.",
        ],
    )


def near_zero_rpo(c: Context) -> Tension | None:
    tight = [d for d in c.targets.data if d.rpo_minutes < 1]
    if not tight:
        return None
    return Tension(
        id="near-zero-rpo",
        title=f"Losing under a minute of data: {', '.join(d.name for d in tight)}",
        detail="Only synchronous replication loses (almost) nothing; it adds write latency and needs a second, close replica.",
        tenets=[DI, PF, HA],
        options=[
            "Run synchronous replication to a standby in a second zone and budget the extra write latency.",
            "Accept an RPO of a few seconds with asynchronous replication and continuous WAL archiving.",
            "Make the critical writes idempotent and replayable from an upstream source.",
        ],
    )


def spike_faster_than_scaling(c: Context) -> Tension | None:
    cap = c.targets.capacity
    if (
        cap.peak_rps / cap.baseline_rps < SUDDEN_SPIKE
        or cap.scale_up_minutes >= FASTEST_REACTIVE_SCALING_MINUTES
    ):
        return None
    return Tension(
        id="spike-faster-than-scaling",
        title=f"A {cap.peak_rps / cap.baseline_rps:.3g}x spike that must be absorbed within {cap.scale_up_minutes:g} min",
        detail="Reactive autoscaling needs several minutes to boot and warm instances; a sudden spike arrives faster.",
        tenets=[SC, HA],
        options=[
            "Pre-provision capacity before known events (TV spots, launches).",
            "Serve the spike from a CDN and queue writes so the core grows more slowly.",
            "Degrade gracefully: a waiting room or reduced features under load.",
        ],
    )


def speed_vs_availability(c: Context) -> Tension | None:
    preference = c.workload.answers.engineering.speed_vs_reliability.at(c.horizon)
    if preference > 3 or c.importance[HA] < 8:
        return None
    return Tension(
        id="speed-vs-availability",
        title='"Super-sonic" preference with availability that matters this much',
        detail=f"The team leans to speed ({preference}/10) while high availability is {c.importance[HA]}/10.",
        tenets=[PR, HA],
        options=[
            "Release often but safely: canary releases, feature flags and automatic rollback.",
            "Let the error budget decide: ship freely while it lasts, freeze risky changes when it is spent.",
        ],
    )


def maintenance_vs_slo(c: Context) -> Tension | None:
    avail = c.targets.availability
    if (
        c.workload.app.business_hours != "24x7"
        or not avail.maintenance_minutes_per_month
        or avail.slo < 0.9995
    ):
        return None
    return Tension(
        id="maintenance-vs-slo",
        title=f"Maintenance windows with a {percent(avail.slo)} SLO, around the clock",
        detail=(
            f"{minutes(avail.maintenance_minutes_per_month)} of planned downtime a month is "
            f"{avail.maintenance_minutes_per_month / avail.error_budget_minutes_per_month:.3g}x the error budget; "
            "customers feel it even if the SLO excludes it."
        ),
        tenets=[HA, PR],
        options=[
            "Make schema changes and upgrades online (expand-contract migrations, rolling upgrades).",
            "Keep the window but announce it, and check that customers accept it.",
        ],
    )


RULES: tuple[Callable[[Context], Tension | None], ...] = (
    oncall_infeasible,
    ha_small_team,
    regulated_speed,
    global_latency,
    rto_exceeds_budget,
    near_zero_rpo,
    spike_faster_than_scaling,
    speed_vs_availability,
    maintenance_vs_slo,
)


def tensions(c: Context) -> list[Tension]:
    return [t for t in (rule(c) for rule in RULES) if t is not None]
