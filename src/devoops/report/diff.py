"""The diff between two assessments as report sections: what improved, what regressed, what
moved. Terminal and Markdown skin it like any other report. A catastrophe whose verdict moved
is shown apart, in the words of its verdict."""

from __future__ import annotations

from ..evaluate.diff import Change, Diff
from .sections import Section, Table


def _scenario(c: Change) -> bool:
    return c.kind == "scenario"


def _verdicts(changes: list[Change]) -> Table:
    rows = [[c.title, f"{c.before} → {c.after}", c.direction, _when(c)] for c in changes]
    return Table(["scenario", "verdict", "", "horizons"], rows)


def _when(c: Change) -> str:
    return ", ".join(h.value for h in c.horizons) or "-"


def _table(changes: list[Change]) -> Table:
    rows = [[c.kind, c.title, f"{c.before} → {c.after}", _when(c), c.note] for c in changes]
    return Table(["what", "subject", "change", "horizons", "note"], rows)


def sections(d: Diff) -> list[Section]:
    scenarios = [c for c in d.changes if _scenario(c)]
    improved = [c for c in d.of("improved") if not _scenario(c)]
    regressed = [c for c in d.of("regressed") if not _scenario(c)]
    targets = [c for c in d.of("changed") if c.kind == "target"]
    importance = [c for c in d.of("changed") if c.kind == "importance"]
    new = sum(c.note == "new finding" for c in regressed)
    resolved = sum(c.note == "resolved" for c in improved)
    summary = (
        f"**{d.app}**: {d.before.label} ({d.before.generated_at}) → {d.after.label} ({d.after.generated_at}): "
        f"{len(improved)} improved, {len(regressed)} regressed (findings: {resolved} resolved, {new} new), "
        f"{len(targets)} targets moved, {len(importance)} importance changes"
        + (f", {len(scenarios)} catastrophe verdicts changed." if scenarios else ".")
    )
    paragraphs = [summary]
    if d.before.lens_version != d.after.lens_version:
        paragraphs.append(
            f"The lens changed from {d.before.lens_version} to {d.after.lens_version}: "
            "some changes may come from the catalogue, not from the system."
        )
    if not d.changes:
        paragraphs.append(
            "Nothing changed: the same findings, targets, importance and maturity. Record what you "
            "improved under `practices:` in the workload file and assess again to see it here."
        )
    if d.still_high:
        paragraphs.append(f"Still HIGH now in both: {', '.join(d.still_high)}.")
    out = [Section("Summary", paragraphs=paragraphs)]
    if improved:
        out.append(Section("Improved", tables=[_table(improved)]))
    if regressed:
        out.append(Section("Regressed", tables=[_table(regressed)]))
    if scenarios:
        out.append(
            Section(
                "Catastrophes",
                paragraphs=["Catastrophes whose verdict moved (worst occurrence of each)."],
                tables=[_verdicts(scenarios)],
            )
        )
    if targets:
        out.append(
            Section(
                "Targets that moved",
                paragraphs=["A target brought forward is one the earlier assessment wanted only later."],
                tables=[_table(targets)],
            )
        )
    if importance:
        out.append(
            Section(
                "Importance",
                paragraphs=["Importance follows the answers: the business changed, not the system."],
                tables=[_table(importance)],
            )
        )
    return out
