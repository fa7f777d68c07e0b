"""What changed between two assessments of one application: what improved, what regressed,
which targets moved (a 12-month requirement that is now needed today), which findings are
new or resolved, how maturity and importance moved. Pure: two Assessments in, a Diff out."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from ..base.fmt import minutes, number, percent, quantity
from ..model.assessment import Assessment
from ..model.common import HORIZONS, Horizon, Risk, Strict, Tenet
from ..model.evidence import Measurement, Status
from ..model.targets import Targets

Direction = Literal["improved", "regressed", "changed"]
Kind = Literal["maturity", "importance", "target", "finding", "tension", "probe", "scenario"]
OPEN = Risk.MEDIUM.rank
"""A finding at or above this rank is an open risk; below it, resolved or never there."""


class Change(Strict):
    kind: Kind
    subject: str
    """Tenet, target name, practice id, tension id, probe name or scenario id."""
    title: str
    before: str
    after: str
    direction: Direction
    horizons: list[Horizon]
    note: str = ""


class Side(Strict):
    generated_at: str
    lens_version: str
    label: str


class Diff(Strict):
    app: str
    before: Side
    after: Side
    changes: list[Change]
    still_high: list[str]
    """Practices at HIGH risk now in both: what the time between the two did not fix."""

    def of(self, direction: Direction) -> list[Change]:
        return [c for c in self.changes if c.direction == direction]


def target_values(t: Targets) -> dict[str, str]:
    """Each target as one comparable, readable value; reports and diffs both show these."""
    return {
        "availability SLO": f"{percent(t.availability.slo)} ({t.availability.tier})",
        "error budget / month": minutes(t.availability.error_budget_minutes_per_month),
        "latency p50 / p95 / p99": f"{t.latency.p50_ms:g} / {t.latency.p95_ms:g} / {t.latency.p99_ms:g} ms",
        "peak load (with headroom)": f"{number(t.capacity.peak_rps)} ({number(t.capacity.capacity_rps)}) req/s",
        "scale up within": minutes(t.capacity.scale_up_minutes)
        + (" (pre-provision)" if t.capacity.pre_provision else ""),
        "deploy / rollback at most": (
            f"{minutes(t.delivery.deploy_minutes_max)} / {minutes(t.delivery.rollback_minutes_max)}"
        ),
        "releases per week": f"{t.delivery.releases_per_week:g}",
        "24x7 on-call": "required" if t.oncall.required else "not required",
    }


def dataset_values(t: Targets) -> dict[str, str]:
    values = {}
    for d in t.data:
        values[f"{d.name}: RPO / RTO"] = f"{minutes(d.rpo_minutes)} / {minutes(d.rto_minutes)}"
        values[f"{d.name}: backups"] = (
            ("continuous" if d.backup.continuous else f"every {minutes(d.backup.every_minutes)}")
            + f", kept {d.backup.retention_days} d"
            + (", separate account" if d.backup.offsite_separate_account else "")
            + (", encrypted" if d.backup.encrypted else "")
        )
    return values


def diff(before: Assessment, after: Assessment, labels: tuple[str, str] = ("before", "after")) -> Diff:
    changes = [
        *_maturity(before, after),
        *_findings(before, after),
        *_tensions(before, after),
        *_targets(before, after),
        *_importance(before, after),
        *_probes(before, after),
        *_scenarios(before, after),
    ]
    return Diff(
        app=after.app.name,
        before=_side(before, labels[0]),
        after=_side(after, labels[1]),
        changes=changes,
        still_high=sorted(_high_now(before) & _high_now(after)),
    )


def _high_now(a: Assessment) -> set[str]:
    return {f.practice for f in a.at(Horizon.NOW).findings if f.risk == Risk.HIGH}


def _side(a: Assessment, label: str) -> Side:
    return Side(generated_at=f"{a.generated_at:%Y-%m-%d %H:%M} UTC", lens_version=a.lens_version, label=label)


def _maturity(before: Assessment, after: Assessment) -> Iterable[Change]:
    old = {m.tenet: m.value for m in before.maturity}
    for m in after.maturity:
        was = old.get(m.tenet, 0.0)
        if round(m.value - was, 2):
            yield Change(
                kind="maturity",
                subject=m.tenet.value,
                title=f"{_tenet(m.tenet)} maturity",
                before=f"{was:g}",
                after=f"{m.value:g}",
                direction="improved" if m.value > was else "regressed",
                horizons=[],
            )


def _importance(before: Assessment, after: Assessment) -> Iterable[Change]:
    """Importance follows the business, so a change is neither better nor worse: it is news."""
    per: dict[tuple[Tenet, int, int], list[Horizon]] = {}
    for h in HORIZONS:
        old = {s.tenet: s.importance.value for s in before.at(h).tenets}
        for s in after.at(h).tenets:
            if s.tenet in old and old[s.tenet] != s.importance.value:
                per.setdefault((s.tenet, old[s.tenet], s.importance.value), []).append(h)
    for (tenet, was, now), horizons in per.items():
        yield Change(
            kind="importance",
            subject=tenet.value,
            title=f"{_tenet(tenet)} importance",
            before=str(was),
            after=str(now),
            direction="changed",
            horizons=horizons,
        )


def _findings(before: Assessment, after: Assessment) -> Iterable[Change]:
    """One change per practice and risk move, listing the horizons where it happened."""
    per: dict[tuple[str, Risk, Risk], list[Horizon]] = {}
    titles: dict[str, str] = {}
    for h in HORIZONS:
        old = {f.practice: f.risk for f in before.at(h).findings}
        for f in after.at(h).findings:
            if f.source == "scenario":  # told in the scenario's own words by _scenarios
                continue
            titles[f.practice] = f.title
            was = old.get(f.practice, Risk.NOT_APPLICABLE)
            if was != f.risk:
                per.setdefault((f.practice, was, f.risk), []).append(h)
        gone = {f.practice for f in after.at(h).findings}
        for f in before.at(h).findings:
            if f.practice not in gone and f.source != "scenario":
                titles[f.practice] = f.title
                per.setdefault((f.practice, f.risk, Risk.NOT_APPLICABLE), []).append(h)
    for (practice, was, now), horizons in per.items():
        if was.rank >= OPEN > now.rank:
            note = "resolved"
        elif now.rank >= OPEN > was.rank:
            note = "new finding"
        elif was == Risk.NOT_APPLICABLE:
            note = "applies now"
        else:
            note = ""
        yield Change(
            kind="finding",
            subject=practice,
            title=titles[practice],
            before=was.value,
            after=now.value,
            direction="improved" if now.rank < was.rank else "regressed",
            horizons=horizons,
            note=note,
        )


def _tensions(before: Assessment, after: Assessment) -> Iterable[Change]:
    def ids(a: Assessment) -> dict[str, str]:
        return {t.id: t.title for v in a.horizons for t in v.tensions}

    old, new = ids(before), ids(after)
    moves: tuple[tuple[set[str], dict[str, str], tuple[str, str], Direction], ...] = (
        (old.keys() - new.keys(), old, ("open", "settled"), "improved"),
        (new.keys() - old.keys(), new, ("none", "open"), "regressed"),
    )
    for changed, titles, (was, now), direction in moves:
        for id in sorted(changed):
            yield Change(
                kind="tension",
                subject=id,
                title=titles[id],
                before=was,
                after=now,
                direction=direction,
                horizons=[],
            )


NOT_RUN = "not run"


def _scenarios(before: Assessment, after: Assessment) -> Iterable[Change]:
    """A catastrophe whose verdict moved, one change per move with the horizons it happened at;
    a side without an inventory did not run it."""

    def verdicts(a: Assessment, h: Horizon) -> dict[str, tuple[str, str, int]]:
        r = a.at(h).resilience
        return {o.scenario: (o.title, o.verdict.value, o.verdict.rank) for o in (r.scenarios if r else [])}

    per: dict[tuple[str, str, str], list[Horizon]] = {}
    titles: dict[str, str] = {}
    ranks: dict[str, int] = {NOT_RUN: 0}
    for h in HORIZONS:
        old, new = verdicts(before, h), verdicts(after, h)
        for sid in sorted(old.keys() | new.keys()):
            title = (new.get(sid) or old[sid])[0]
            _, was, was_rank = old.get(sid, (title, NOT_RUN, 0))
            _, now, now_rank = new.get(sid, (title, NOT_RUN, 0))
            if was != now:
                titles[sid] = title
                ranks |= {was: was_rank, now: now_rank}
                per.setdefault((sid, was, now), []).append(h)
    for (sid, was, now), horizons in per.items():
        yield Change(
            kind="scenario",
            subject=sid,
            title=titles[sid],
            before=was,
            after=now,
            direction=_direction(ranks[now], ranks[was]),
            horizons=horizons,
        )


STATUS_RANK = {Status.ERROR: 0, Status.FAIL: 1, Status.UNKNOWN: 2, Status.SKIPPED: 2, Status.PASS: 3}


def _probes(before: Assessment, after: Assessment) -> Iterable[Change]:
    """A probe whose status moved, and each figure that crossed its target; a figure that
    merely wobbles inside or outside its target is noise, not news."""
    old = {r.name: r for r in before.evidence}
    for r in after.evidence:
        was = old.get(r.name)
        if was is None:
            continue
        if was.status != r.status:
            yield Change(
                kind="probe",
                subject=r.name,
                title=f"probe {r.name} ({r.kind})",
                before=was.status.value,
                after=r.status.value,
                direction=_direction(STATUS_RANK[was.status], STATUS_RANK[r.status]),
                horizons=[],
                note=r.evidence.summary,
            )
        figures = {m.name: m for m in was.evidence.measurements}
        for m in r.evidence.measurements:
            prior = figures.get(m.name)
            if prior is None or prior.ok is None or m.ok is None or prior.ok == m.ok:
                continue
            yield Change(
                kind="probe",
                subject=r.name,
                title=f"{r.name}: {m.name}",
                before=figure_value(prior),
                after=figure_value(m),
                direction="improved" if m.ok else "regressed",
                horizons=[],
                note="within its target now" if m.ok else "past its target now",
            )


def _direction(was: int, now: int) -> Direction:
    return "improved" if now > was else "regressed" if now < was else "changed"


def figure_value(m: Measurement) -> str:
    """A measured figure as reports and diffs show it."""
    return "unknown" if m.value is None else quantity(m.value, m.unit)


def _targets(before: Assessment, after: Assessment) -> Iterable[Change]:
    """A target that moved; noted when the new value is one the old assessment wanted only
    later (the 12-month target needed now) or the reverse."""

    def values(a: Assessment, h: Horizon) -> dict[str, str]:
        return target_values(a.at(h).targets) | dataset_values(a.at(h).targets)

    old = {h: values(before, h) for h in HORIZONS}
    new = {h: values(after, h) for h in HORIZONS}
    per: dict[tuple[str, str, str, str], list[Horizon]] = {}
    for i, h in enumerate(HORIZONS):
        for name, value in new[h].items():
            was = old[h].get(name, "none")
            if was == value:
                continue
            note = next(
                (
                    f"brought forward from {later.value}"
                    for later in HORIZONS[i + 1 :]
                    if old[later].get(name) == value
                ),
                "",
            ) or next(
                (
                    f"put back from {earlier.value}"
                    for earlier in HORIZONS[:i]
                    if old[earlier].get(name) == value
                ),
                "",
            )
            per.setdefault((name, was, value, note), []).append(h)
        for name in old[h].keys() - new[h].keys():
            per.setdefault((name, old[h][name], "none", ""), []).append(h)
    for (name, was, value, note), horizons in per.items():
        yield Change(
            kind="target",
            subject=name,
            title=name,
            before=was,
            after=value,
            direction="changed",
            horizons=horizons,
            note=note,
        )


def _tenet(t: Tenet) -> str:
    return t.value.replace("_", " ").capitalize()
