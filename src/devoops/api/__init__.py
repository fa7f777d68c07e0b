"""The library API the CLI (and later the web app) call: files in, Assessment out."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..base.errors import UsageError, did_you_mean
from ..base.located import Source
from ..evaluate import assess
from ..evaluate.catastrophes import YEARS
from ..lens import load_lens
from ..model.assessment import Assessment
from ..model.common import HORIZONS, Horizon
from ..model.evidence import ProbeResult, Status
from ..model.lens import Lens
from ..model.resilience import Change, Resilience
from ..model.targets import Targets
from ..model.workload import ProbeConfig, Workload
from .workload import LoadedWorkload, load_workload


@dataclass(frozen=True)
class Result:
    loaded: LoadedWorkload
    lens: Lens
    assessment: Assessment

    def source(self) -> Source:
        """The workload as it was assessed, at its resolved path, for a report that points into
        it (SARIF): a renderer reads no files."""
        return Source.parse(self.loaded.path.resolve(), self.loaded.text)


def assess_file(
    path: Path, lens_paths: Sequence[Path] = (), now: dt.datetime | None = None, years: int = YEARS
) -> Result:
    """Load the lens and the workload, and assess it as of `now` (default: this moment, UTC),
    with `years` simulated years of an inventory's Monte Carlo (0: none)."""
    lens = load_lens(lens_paths)
    loaded = load_workload(path, lens)
    now = now or dt.datetime.now(dt.UTC)
    return Result(loaded, lens, located(assess(loaded.workload, lens, now, str(path), years=years), loaded))


def located(a: Assessment, loaded: LoadedWorkload) -> Assessment:
    """Each answer the inventory overrules, and the inventory entry that does, as file:line:column
    in the workload file: the core knows their paths, only the file knows where they are."""
    conflicts = [f for v in a.horizons for f in v.findings if f.conflict is not None]
    if not conflicts:
        return a
    source = Source(loaded.path, loaded.text, None)

    def at(path: list[str | int]) -> str:
        return str(source.at(tuple(path)))

    horizons = []
    for v in a.horizons:
        findings = []
        for f in v.findings:
            if (c := f.conflict) is not None:
                c = c.model_copy(
                    update={"answer_at": at(c.answer_path), "inventory_at": at(c.inventory_path)}
                )
                f = f.model_copy(update={"conflict": c})
            findings.append(f)
        horizons.append(v.model_copy(update={"findings": findings}))
    return a.model_copy(update={"horizons": horizons})


def audit_file(
    path: Path,
    lens_paths: Sequence[Path] = (),
    only: Collection[str] = (),
    started: Callable[[str, ProbeConfig], None] = lambda name, config: None,
    finished: Callable[[ProbeResult], None] = lambda result: None,
    kind: str | None = None,
    db: str | None = None,
    years: int = YEARS,
) -> Result:
    """Run the workload's probes (or only the named ones) against the targets its answers imply,
    and assess it again with what they measured; evidence outranks the answers. With `kind`,
    the probes of that kind only, drills included (`devoops drill`). A plain audit also counts
    each drill's newest saved result while it is fresh (see `carried`), from the store `db`
    names or the one beside the workload, when it exists."""
    from ..derive import derive
    from ..probes.run import run

    lens = load_lens(lens_paths)
    loaded = load_workload(path, lens)
    w = loaded.workload
    names = [n for n, c in w.probes.items() if kind is None or c.type == kind]
    if not names:
        raise UsageError(
            f"{path} configures no probes; add a `probes:` section (see docs/probes.md)"
            if kind is None
            else f"{path} configures no {kind} probe; add one under `probes:` (see docs/probes/{kind}.md)"
        )
    for name in only:
        if name not in names:
            kinds = "probe" if kind is None else f"{kind} probe"
            raise UsageError(f"no {kinds} named {name!r} in {path}" + did_you_mean(name, names))
    if kind is not None:
        only = only or names
    now = dt.datetime.now(dt.UTC)
    # the targets alone: a whole assessment here would also run the scenarios and the Monte Carlo
    targets = {h: derive(w, lens, h).targets for h in HORIZONS}
    results = run(w, targets, lens, now, only, started, finished, root=path.parent)
    if kind is None:
        results += carried(w, {r.name for r in results}, now, db, path)
    return Result(loaded, lens, located(assess(w, lens, now, str(path), results, years), loaded))


CARRIED = "from the drill of "


def carried(
    w: Workload, ran: Collection[str], now: dt.datetime, db: str | None, path: Path
) -> list[ProbeResult]:
    """The newest concluded (PASS or FAIL) saved result of each configured drill that did not
    run now, while younger than its kind's `carry_days`: a weekly restore drill then counts in
    every daily audit, and a stale one stops counting (the answer decides again)."""
    from ..probes.base import known
    from ..store import Store, exists, locate

    days = {
        n: getattr(known(c.type), "carry_days", None)
        for n, c in w.probes.items()
        if n not in ran and c.enabled
    }
    wanted = {n: w.probes[n].type for n, d in days.items() if d is not None}
    url = locate(db, path)
    if not wanted or not exists(url):
        return []
    with Store(url) as store:  # a drill that could not run (ERROR) neither proves nor disproves
        found = store.latest_results(w.app.name, wanted, (Status.PASS, Status.FAIL))
    out = []
    for r in found:
        if now - r.finished_at > dt.timedelta(days=days[r.name] or 0):
            continue
        summary = r.evidence.summary
        if not summary.startswith(CARRIED):
            summary = f"{CARRIED}{r.finished_at:%Y-%m-%d %H:%M} UTC: {summary}"
        out.append(r.model_copy(update={"evidence": r.evidence.model_copy(update={"summary": summary})}))
    return out


@dataclass(frozen=True)
class ResilienceResult:
    """One horizon's resilience of a workload's inventory, with what produced it."""

    loaded: LoadedWorkload
    lens: Lens
    horizon: Horizon
    targets: Targets
    resilience: Resilience


def _inventoried(
    path: Path, lens_paths: Sequence[Path], horizon: Horizon
) -> tuple[LoadedWorkload, Lens, Targets, Workload]:
    """The workload, its lens, the horizon's targets, and the workload as the scenarios see it
    in an assessment (each practice at the state the inventory or the answers give it); a
    workload without an inventory is a usage error, since every scenario and the availability
    model read it."""
    from ..derive import derive
    from ..evaluate.catastrophes import seen
    from ..evaluate.findings import practice_states

    lens = load_lens(lens_paths)
    loaded = load_workload(path, lens)
    w = loaded.workload
    if w.inventory is None:
        raise UsageError(
            f"{path} has no inventory; add an `inventory:` section (see docs/inventory.md) "
            "or import one with `devoops inventory import terraform`"
        )
    targets = derive(w, lens, horizon).targets
    now = targets if horizon == Horizon.NOW else derive(w, lens, Horizon.NOW).targets
    return loaded, lens, targets, seen(w, practice_states(w, lens, Horizon.NOW), (), now)


def resilience_file(
    path: Path,
    lens_paths: Sequence[Path] = (),
    horizon: Horizon = Horizon.NOW,
    years: int = 20_000,
    seed: int = 7,
) -> ResilienceResult:
    """Scenarios, SPOFs, shared fate, the availability model and the improvements at `horizon`."""
    from ..scenarios.resilience import assess as resilience

    loaded, lens, targets, w = _inventoried(path, lens_paths, horizon)
    found = resilience(w, lens, {horizon: targets}, years, seed)
    return ResilienceResult(loaded, lens, horizon, targets, found[horizon])


@dataclass(frozen=True)
class WhatIfResult:
    """Each asked change alone and all together; or, when none was asked, every change that
    saves money, each alone and ranked, and the plan built from them (the assessment's)."""

    loaded: LoadedWorkload
    horizon: Horizon
    currency: str
    changes: list[Change]
    together: Change | None
    saving: list[Change]
    plan: list[Change]


def whatif_file(
    path: Path, tokens: Sequence[str], lens_paths: Sequence[Path] = (), horizon: Horizon = Horizon.NOW
) -> WhatIfResult:
    from ..scenarios import whatif
    from ..scenarios.changes import parse

    loaded, lens, targets, w = _inventoried(path, lens_paths, horizon)
    steps = parse(list(tokens), w, lens.reliability)
    currency = targets.availability.currency
    if not steps:
        return WhatIfResult(
            loaded, horizon, currency, [], None, *whatif.saving_and_plan(w, lens, targets, horizon)
        )
    single, together = whatif.compare_each(w, lens, targets, horizon, steps)
    return WhatIfResult(loaded, horizon, currency, single, together, [], [])
