"""The one-page verdict a founder reads in two minutes: the verdict in one sentence, what could
end the company and its cheapest fix, the three actions that save the most per money spent,
and the targets in words; with nothing but the founder's answers, what to ask the engineer.

Every figure is taken from the objects the full report renders and written by the same
formatters (`base.fmt`), so the page and the report never disagree; practice ids never appear:
practices are named by their titles or their questions."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ..base.fmt import minutes, money, number, percent
from ..model.assessment import Assessment, HorizonView
from ..model.common import Horizon, Risk
from ..model.resilience import Change, Resilience, ScenarioOutcome
from ..model.resilience import Verdict as Outcome
from ..model.targets import Targets

ACTIONS = 3
QUESTIONS = 6
WORDS = (
    "no",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
)


@dataclass(frozen=True)
class Fix:
    """The cheapest way out of a catastrophe: one what-if change and its cost a year, or the
    first `actions` rows of the what-if plan together (each row's cost is on the page), or,
    when nothing priced moves it, the practices that defend against it."""

    title: str
    cost: str | None = None


@dataclass(frozen=True)
class Threat:
    """One company-ending catastrophe: what one occurrence costs, the cost a year expected,
    how often it is expected, and its cheapest fix."""

    title: str
    reason: str
    once: str
    a_year: str
    how_often: str
    fix: Fix


@dataclass(frozen=True)
class Action:
    """`costs` is empty when the action costs nothing."""

    title: str
    saves: str
    costs: str


@dataclass(frozen=True)
class Verdict:
    app: str
    sentence: str
    threats: list[Threat]
    actions: list[Action]
    actions_priced: bool
    """True: the actions come from the what-if economics (money saved per money spent); False:
    from the plan (risk removed per effort), with their monthly cost band."""
    targets: list[str]
    questions: list[str]
    counts: dict[Risk, int]

    def texts(self) -> list[str]:
        """Every text on the page, for the glossary and for checks."""
        out = [self.sentence, *self.targets, *self.questions]
        for t in self.threats:
            out += [t.title, t.reason, t.once, t.a_year, t.how_often, t.fix.title, t.fix.cost or ""]
        for a in self.actions:
            out += [a.title, a.saves, a.costs]
        return [t for t in out if t]


def counted(n: int, thing: str) -> str:
    word = WORDS[n] if n < len(WORDS) else f"{n:,}"
    return f"{word} {thing}{'' if n == 1 else 's'}"


def spoken(value: float) -> str:
    """A duration as the full report writes it (`base.fmt.minutes`), its unit in words."""
    figure, unit = minutes(value).split(" ")
    word = {"s": "second", "min": "minute", "h": "hour", "d": "day"}[unit]
    return f"{figure} {word}{'' if figure == '1' else 's'}"


def seconds(ms: float) -> str:
    return f"{ms / 1000:g} seconds" if ms >= 100 else f"{ms:g} milliseconds"


def target_words(t: Targets) -> list[str]:
    """The targets as a founder says them, from the same figures as the targets table."""
    avail, lat, cap, dlv = t.availability, t.latency, t.capacity, t.delivery
    counted_hours = "" if avail.counted_hours_per_week >= 168 else ", counted over business hours"
    lines = [
        f"At most {spoken(avail.error_budget_minutes_per_month)} down a month: up "
        f"{percent(avail.slo)} of the time{counted_hours}.",
        f"Pages answer within {seconds(lat.p95_ms)} for 95 in 100 visitors, and within "
        f"{seconds(lat.p99_ms)} for 99 in 100.",
    ]
    lines += [
        f"{d.name}: lose at most {spoken(d.rpo_minutes)} of it, back within {spoken(d.rto_minutes)}."
        for d in t.data
    ]
    lines.append(
        f"Ready for {number(cap.capacity_rps)} requests a second at the busiest "
        f"({number(cap.peak_rps)} expected), growing within {spoken(cap.scale_up_minutes)}."
    )
    lines.append(
        f"A change live within {spoken(dlv.deploy_minutes_max)}, undone within "
        f"{spoken(dlv.rollback_minutes_max)}; someone on call day and night: "
        f"{'needed' if t.oncall.required else 'not needed'}."
    )
    return lines


def ends_company(change: Change, scenario: str) -> bool:
    """Whether the change moves the scenario from company-ending to anything survivable."""
    return any(
        m.scenario == scenario
        and m.verdict_before == Outcome.COMPANY_ENDING
        and m.verdict_after is not None
        and m.verdict_after != Outcome.COMPANY_ENDING
        for m in change.moves
    )


def fix(o: ScenarioOutcome, r: Resilience, currency: str, titles: Mapping[str, str]) -> Fix:
    """The cheapest single change that saves the company from `o`; else the shortest start of
    the what-if plan that does; else the practices that defend against it."""
    single = sorted((c for c in r.changes if ends_company(c, o.scenario)), key=lambda c: c.cost_per_year)
    if single:
        return Fix(single[0].title, money(single[0].cost_per_year, currency))
    for n, c in enumerate(r.improvements, 1):
        if ends_company(c, o.scenario):
            rows = "the first action below" if n == 1 else f"the first {counted(n, 'action')} below, together"
            return Fix(rows if n <= ACTIONS else f"the first {n} changes `devoops whatif` ranks, together")
    defending = [titles[p] for p in o.practices if p in titles][:2]
    if not defending:
        return Fix("no change devoops can price saves it alone; see the full report")
    return Fix("no priced change alone; what defends against it: " + "; ".join(defending))


def threats(view: HorizonView, currency: str) -> list[Threat]:
    r = view.resilience
    if r is None:
        return []
    titles = {f.practice: f.title for f in view.findings if f.risk in (Risk.HIGH, Risk.MEDIUM)}
    ending = [o for o in r.scenarios if o.verdict == Outcome.COMPANY_ENDING]
    return [
        Threat(
            o.title,
            o.reason,
            money(o.cost, currency),
            money(o.cost_per_year, currency),
            f"{o.per_year:.2g} a year",
            fix(o, r, currency, titles),
        )
        for o in sorted(ending, key=lambda o: -o.cost_per_year)
    ]


def actions(a: Assessment, view: HorizonView, currency: str) -> tuple[list[Action], bool]:
    """The what-if plan's first rows, as the full report's top improvements table prices them;
    without an inventory, the plan's first items with their monthly cost band."""
    r = view.resilience
    if r is not None and r.improvements:
        return [
            Action(
                c.title,
                money(c.saved_per_year, currency),
                money(c.cost_per_year, currency) if c.cost_per_year > 0 else "",
            )
            for c in r.improvements[:ACTIONS]
        ], True
    from .sections import cost_band

    items = [i for i in a.plan if i.horizon == Horizon.NOW and i.risk in (Risk.HIGH, Risk.MEDIUM)]
    return [Action(i.title, "", f"{cost_band(i.monthly_cost)} a month") for i in items[:ACTIONS]], False


def questions(view: HorizonView, asked: Mapping[str, str]) -> list[str]:
    """The unanswered practices that matter most at this importance (the findings come most
    important first), as the lens asks them, else by title."""
    unanswered = [f for f in view.findings if f.risk == Risk.UNKNOWN and f.source == "unanswered"]
    return [asked.get(f.practice, f.title) for f in unanswered[:QUESTIONS]]


def sentence(app: str, found: list[Threat], view: HorizonView, counts: dict[Risk, int]) -> str:
    high, medium, unknown = counts[Risk.HIGH], counts[Risk.MEDIUM], counts[Risk.UNKNOWN]
    if found:
        worst = found[0]
        return (
            f"{counted(len(found), 'catastrophe').capitalize()} could end {app}; the costliest, "
            f"{worst.title}, is expected to cost {worst.a_year} a year."
        )
    answered = len(view.findings) - unknown
    if view.resilience is None and unknown and high + medium == 0 and unknown >= answered:
        return (
            f"{app}'s targets follow from the founder's answers, but nobody has yet said how it runs: "
            f"ask your engineer the questions below."
        )
    risks = f"{high} high and {medium} medium risks"
    if view.resilience is None:
        return f"{app} has {risks} now; without an inventory of where it runs, what could end it is unknown."
    damaged = sum(o.verdict == Outcome.DAMAGED for o in view.resilience.scenarios)
    if high + medium == 0 and not damaged:
        return f"{app} survives every catastrophe tried and has no high or medium risk now."
    if not damaged:
        return f"No catastrophe tried ends {app}, and it has {risks} now."
    return f"No catastrophe tried ends {app}, but {counted(damaged, 'catastrophe')} would damage it, and it has {risks} now."


def verdict(a: Assessment, asked: Mapping[str, str] | None = None, horizon: Horizon = Horizon.NOW) -> Verdict:
    """The verdict of `a` at `horizon`; `asked` maps practice ids to the lens's questions."""
    view = a.at(horizon)
    currency = view.targets.availability.currency
    counts = {r: sum(f.risk == r for f in view.findings) for r in Risk}
    found = threats(view, currency)
    listed, priced = actions(a, view, currency)
    return Verdict(
        app=a.app.name,
        sentence=sentence(a.app.name, found, view, counts),
        threats=found,
        actions=listed,
        actions_priced=priced,
        targets=target_words(view.targets),
        questions=questions(view, asked or {}),
        counts=counts,
    )
