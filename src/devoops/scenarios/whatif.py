"""What-if: what each change of the catalogue (`changes`) costs and what it saves.

A change is worth making when the expected yearly cost of downtime and catastrophes falls by
at least what the change costs (the midpoint of its practices' monthly cost bands, times
twelve, converted from USD into the app's currency). Two changes often fix the same
catastrophe, so the plan is built greedily: the best change is taken, applied, and the rest
are scored again on top of it, so each row of the plan is what it adds to the rows above.
Each row also says which scenarios it moves: their verdicts, how often they happen, and the
occurrences it leaves physically better off, which is what ties a practice to a catastrophe.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

from ..derive.economics import HOURS_PER_YEAR, counted_hours_per_year
from ..model.common import Horizon
from ..model.lens import Lens, Reliability
from ..model.resilience import Change, Move, ScenarioOutcome
from ..model.targets import Targets
from ..model.workload import Workload
from .availability import Analytic, TooLarge, analytic
from .catastrophe import every, prices, repriced, summary
from .changes import CHANGES, Step, applicable
from .context import judged_by
from .edit import inventory

MIN_SAVING = 1.0  # a change saving less than one unit of the app's currency a year saves nothing
EPS = 1e-9


Path = tuple[Step, ...]  # the changes applied, in order, to the workload a Memo starts from


class Memo:
    """What a plan asks again and again, worked out once, by the changes applied to the workload
    it starts from: the changed workloads, the availability model of each distinct inventory (a
    refusal to solve is kept too), and their catastrophes, run once for every horizon judged by
    the same targets and only priced at each one's money."""

    def __init__(self, w: Workload, lens: Lens) -> None:
        self.lens = lens
        self._workloads: dict[Path, Workload] = {(): w}
        self._keys: dict[Path, str] = {}
        self._models: dict[str, Analytic | TooLarge] = {}
        self._found: dict[tuple[Path, str], dict[str, list[ScenarioOutcome]]] = {}

    def workload(self, path: Path) -> Workload:
        if path not in self._workloads:
            name, arg = path[-1]
            self._workloads[path] = apply(self.workload(path[:-1]), name, arg, self.lens.reliability)
        return self._workloads[path]

    def model(self, path: Path) -> Analytic:
        key = self._key(path)
        if key not in self._models:
            try:
                self._models[key] = analytic(inventory(self.workload(path)), self.lens.reliability)
            except TooLarge as e:
                self._models[key] = e
        found = self._models[key]
        if isinstance(found, TooLarge):
            raise found
        return found

    def _key(self, path: Path) -> str:
        """The inventory `path` leaves, as its JSON: many changes leave the inventory as it
        was, and one that only sets practices leaves the very same object."""
        if path not in self._keys:
            inv = inventory(self.workload(path))
            same = bool(path) and inventory(self.workload(path[:-1])) is inv
            self._keys[path] = self._key(path[:-1]) if same else inv.model_dump_json()
        return self._keys[path]

    def found(
        self, path: Path, targets: Targets, horizon: Horizon
    ) -> tuple[dict[str, list[ScenarioOutcome]], bool]:
        """The catastrophes of the workload `path` leaves, as first run, and whether their rates
        are to be worked out again. A change that only prevents (MFA, a registrar lock) alters
        how often they happen, not what they do: they are those of the path without it, at the
        rates it gives them."""
        physical = tuple(step for step in path if not CHANGES[step[0]].prevents)
        key = (physical, judged_by(targets))
        if key not in self._found:
            self._found[key] = every(self.workload(physical), self.lens, targets, horizon)
        return self._found[key], physical != path

    def every(self, path: Path, targets: Targets, horizon: Horizon) -> dict[str, list[ScenarioOutcome]]:
        """The catastrophes of the workload `path` leaves, at the horizon's money (see `found`)."""
        found, rates = self.found(path, targets, horizon)
        return repriced(found, self.workload(path), self.lens, targets, horizon, rates)


def apply(w: Workload, name: str, arg: str | None, rel: Reliability) -> Workload:
    return CHANGES[name].transform(w, arg, rel)


def priced(w: Workload, steps: list[Step]) -> list[str]:
    """The practices that price the steps, each once."""
    return list(dict.fromkeys(p for name, arg in steps for p in CHANGES[name].practices_for(w, arg)))


def cost_per_year(lens: Lens, practices: list[str], rate: float = 1.0) -> float:
    """Midpoint of each practice's monthly cost band (USD), times twelve, times `rate` (units of
    the app's currency per USD), so it compares with the app's own money figures."""
    total = 0.0
    for pid in practices:
        practice = lens.practice(pid)
        if practice is not None:
            total += (practice.monthly_cost.low + practice.monthly_cost.high) / 2 * 12 * rate
    return total


@dataclass(frozen=True)
class Evaluation:
    """What one workload costs a year: its availability, and every occurrence of every
    scenario, priced when first asked (most candidates of a plan only need their cost)."""

    availability: float
    expected_cost: float
    priced: Callable[[], dict[str, list[ScenarioOutcome]]]

    @cached_property
    def occurrences(self) -> dict[str, list[ScenarioOutcome]]:
        return self.priced()

    @cached_property
    def scenarios(self) -> list[ScenarioOutcome]:
        """The worst occurrence of each, with the rates and costs of all (only a row shown asks)."""
        return [summary(each) for each in self.occurrences.values()]


def priced_alike(w: Workload, targets: Targets, horizon: Horizon) -> tuple[str, float, float]:
    """All a plan reads of its targets and horizon: what judges the catastrophes, and the money
    of an hour down and of an incident. Two horizons alike in it (a plain money answer, the same
    data targets) have the same plan."""
    reliability = w.answers.reliability
    return (
        judged_by(targets),
        reliability.downtime_cost_per_hour.at(horizon),
        reliability.incident_cost.at(horizon),
    )


def model_cost(w: Workload, model: Analytic, horizon: Horizon) -> tuple[float, float, float]:
    """(downtime hours, incidents, cost) a year, over the hours in which downtime costs money."""
    counted = counted_hours_per_year(w)
    reliability = w.answers.reliability
    hours = (1 - model.availability) * counted
    incidents = model.incidents_per_year * counted / HOURS_PER_YEAR
    cost = hours * reliability.downtime_cost_per_hour.at(horizon) + incidents * reliability.incident_cost.at(
        horizon
    )
    return hours, incidents, cost


def evaluate(w: Workload, lens: Lens, targets: Targets, horizon: Horizon) -> Evaluation:
    """Availability-model cost plus each catastrophe the model does not count, per year x cost."""
    return _evaluate(Memo(w, lens), (), targets, horizon)


def _evaluate(memo: Memo, path: Path, targets: Targets, horizon: Horizon) -> Evaluation:
    """`evaluate` of the workload `path` leaves."""
    w, lens, model = memo.workload(path), memo.lens, memo.model(path)
    found, rates = memo.found(path, targets, horizon)
    counted = {s.id for s in lens.scenarios if s.in_availability_model}
    cost = model_cost(w, model, horizon)[2] + sum(
        sum(rate * each_cost for rate, each_cost in each)
        for sid, each in prices(found, w, lens, targets, horizon, rates).items()
        if sid not in counted
    )
    return Evaluation(model.availability, cost, lambda: memo.every(path, targets, horizon))


def expected_cost(w: Workload, lens: Lens, targets: Targets, horizon: Horizon) -> float:
    return evaluate(w, lens, targets, horizon).expected_cost


def compare(w: Workload, lens: Lens, targets: Targets, horizon: Horizon, changes: list[Step]) -> Change:
    """Before and after the changes, applied in order."""
    memo = Memo(w, lens)
    return _compare(memo, (), tuple(changes), targets, horizon, _evaluate(memo, (), targets, horizon))[0]


def compare_each(
    w: Workload, lens: Lens, targets: Targets, horizon: Horizon, changes: list[Step]
) -> tuple[list[Change], Change | None]:
    """Each change alone on the workload as it is, and all of them together, in order, when
    there are several; `before` once. `parse` guarantees each step applies alone and appears
    once, so the rows mean what they say."""
    memo = Memo(w, lens)
    before = _evaluate(memo, (), targets, horizon)
    each = [_compare(memo, (), (step,), targets, horizon, before)[0] for step in changes]
    together = _compare(memo, (), tuple(changes), targets, horizon, before)[0] if len(changes) > 1 else None
    return each, together


def _compare(
    memo: Memo,
    path: Path,
    changes: Path,
    targets: Targets,
    horizon: Horizon,
    before: Evaluation,
    moved: bool = True,
) -> tuple[Change, Evaluation]:
    """The row of `changes` applied on top of the workload `path` leaves (evaluated `before`),
    and the changed workload's evaluation (the plan builds on it). Without `moved`, the row
    leaves out the scenarios it moves: a candidate the plan may not take needs only its money."""
    w, lens = memo.workload(path), memo.lens
    after = _evaluate(memo, path + changes, targets, horizon)
    practices = priced(w, list(changes))
    spent = cost_per_year(lens, practices, w.usd_rate)
    saved = before.expected_cost - after.expected_cost
    row = Change(
        change=" + ".join(" ".join(p for p in (name, arg) if p) for name, arg in changes),
        title="; ".join(CHANGES[name].title for name, _ in changes),
        practices=practices,
        cost_per_year=spent,
        availability_before=before.availability,
        availability_after=after.availability,
        downtime_cost_before=before.expected_cost,
        downtime_cost_after=after.expected_cost,
        saved_per_year=saved,
        saved_per_spent=saved / spent if spent > 0 else 0.0,
        moves=moves(before, after) if moved else [],
    )
    return row, after


def moves(before: Evaluation, after: Evaluation) -> list[Move]:
    """The scenarios a change moves: verdict, rate or yearly cost, or occurrences it leaves
    better off, in the order they run."""
    was = {o.scenario: o for o in before.scenarios}
    now = {o.scenario: o for o in after.scenarios}
    found = []
    for sid in [*was, *(s for s in now if s not in was)]:
        b, a = was.get(sid), now.get(sid)
        pairs = {o.scope: o for o in after.occurrences.get(sid, [])}
        better_off = [
            o.verdict
            for o in before.occurrences.get(sid, [])
            if o.scope in pairs and better(pairs[o.scope], o)
        ]
        move = Move(
            scenario=sid,
            verdict_before=b.verdict if b else None,
            verdict_after=a.verdict if a else None,
            per_year_before=b.per_year if b else 0.0,
            per_year_after=a.per_year if a else 0.0,
            cost_per_year_before=b.cost_per_year if b else 0.0,
            cost_per_year_after=a.cost_per_year if a else 0.0,
            improved=max(better_off, key=lambda v: v.rank) if better_off else None,
        )
        if (
            move.verdict_before != move.verdict_after
            or move.improved is not None
            or abs(move.per_year_after - move.per_year_before) > EPS * max(1.0, move.per_year_before)
            or abs(move.cost_per_year_after - move.cost_per_year_before)
            > EPS * max(1.0, move.cost_per_year_before)
        ):
            found.append(move)
    return found


def better(after: ScenarioOutcome, before: ScenarioOutcome) -> bool:
    """The same occurrence leaves less damage after the change and no more on any count. Only
    what physically happens counts (data gone or lost, downtime, time until the data is back,
    whether that time is measured), never the verdict, which also moves with the targets."""

    def value(x: float | None) -> float:
        return float("inf") if x is None else x

    axes = [(after.downtime_minutes * after.share, before.downtime_minutes * before.share)]
    now = {d.dataset: d for d in after.datasets}
    for old in before.datasets:
        if (new := now.get(old.dataset)) is not None:
            axes += [
                (value(new.lost_minutes), value(old.lost_minutes)),
                (value(new.recovery_minutes), value(old.recovery_minutes)),
                (float(not new.recovery_known), float(not old.recovery_known)),
            ]
    worse = any(n > o + EPS * max(1.0, o) for n, o in axes)
    return not worse and any(n < o - EPS * max(1.0, n) for n, o in axes)


def saves(c: Change) -> bool:
    """It saves at least one unit of the app's currency a year: a rounding-sized gain (a tenth of
    a euro) is no saving to rank, let alone a ratio to compare."""
    return c.saved_per_year >= MIN_SAVING


def pays_for_itself(c: Change) -> bool:
    """It saves money, and at least what it costs a year (a free change that saves does)."""
    return saves(c) and c.saved_per_year >= c.cost_per_year


def _key(c: Change) -> tuple[int, float, str]:
    """Free changes first, by money saved (their saved per spent is 0, not a ratio); then by
    money saved per money spent; ties by name."""
    if c.cost_per_year == 0:
        return (0, -c.saved_per_year, c.change)
    return (1, -round(c.saved_per_spent, 6), c.change)


def rank(changes: list[Change]) -> list[Change]:
    """The changes that save money, best first (see `_key`)."""
    return sorted((c for c in changes if saves(c)), key=_key)


def improvements(w: Workload, lens: Lens, targets: Targets, horizon: Horizon) -> list[Change]:
    """The plan of the assessment and `scenarios run`, built greedily (see `plan`)."""
    return plan(Memo(w, lens), targets, horizon)[1]


def saving_and_plan(
    w: Workload, lens: Lens, targets: Targets, horizon: Horizon
) -> tuple[list[Change], list[Change]]:
    """Every applicable single change that saves money, each scored alone on the workload as it
    is and ranked, whether or not it pays for itself (what `devoops whatif` lists without
    changes); and the plan built from the same scores. Two changes may fix the same catastrophe,
    so their savings alone do not add up; the plan's rows do."""
    rows, chosen = plan(Memo(w, lens), targets, horizon)
    return rank(rows), chosen


Left = dict[str, tuple[Step, Evaluation]]


def _scored(
    memo: Memo,
    path: Path,
    steps: list[Step],
    targets: Targets,
    horizon: Horizon,
    before: Evaluation,
    moved: bool = True,
) -> tuple[list[Change], Left]:
    """Each step that applies on the workload `path` leaves, alone on top of it: its row (with
    the scenarios it moves, if `moved`), and by row name the step and the evaluation it leads
    to. A change that makes the inventory too large to solve exactly is left out."""
    w = memo.workload(path)
    rows: list[Change] = []
    left: Left = {}
    for step in steps:
        name, arg = step
        if (arg is not None and arg not in inventory(w).components) or not CHANGES[name].applies(w, arg):
            continue
        try:
            row, after = _compare(memo, path, (step,), targets, horizon, before, moved)
        except TooLarge:
            continue
        rows.append(row)
        left[row.change] = (step, after)
    return rows, left


def plan(memo: Memo, targets: Targets, horizon: Horizon) -> tuple[list[Change], list[Change]]:
    """Every applicable change alone on the workload `memo` starts from, and the changes worth
    making, in order, each row what it adds on top of the rows above.

    Scored alone, two changes that fix the same catastrophe would both claim its saving, and
    two that only work together (backups proven by a drill, and out of the attacker's reach)
    would both look worthless. So: take the best change that pays for itself (free savers
    first, then by saved per spent), apply it, score the remaining changes again on the
    changed workload, and repeat while the best of them still saves at least its cost. Each
    row's before and after figures and its saving are its increment over the workload the
    rows above left. A change that only makes catastrophes rarer and does not pay alone is
    left out after the first round: whatever else is done leaves it less to prevent. A memo
    shared across horizons reuses the changed workloads, models and catastrophes."""
    path: Path = ()
    before = _evaluate(memo, path, targets, horizon)
    rows, left = _scored(memo, path, applicable(memo.workload(path)), targets, horizon, before)
    scored = [c for c in rows if pays_for_itself(c) or not CHANGES[left[c.change][0][0]].prevents]
    chosen: list[Change] = []
    while paying := [c for c in scored if pays_for_itself(c)]:
        # a free change that saves under one unit ranks first but pays nothing: choose among payers
        best = min(paying, key=_key)
        step, after = left.pop(best.change)
        chosen.append(best.model_copy(update={"moves": moves(before, after)}))
        path, before = path + (step,), after
        rest = [left[c.change][0] for c in scored if c is not best]
        scored, left = _scored(memo, path, rest, targets, horizon, before, moved=False)
    return rows, chosen
