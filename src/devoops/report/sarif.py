"""Findings as a SARIF 2.1.0 log, for code scanning (GitHub, GitLab, IDE viewers).

Each result points at the practice's entry under `practices:` in the workload file, so a
reviewer lands on the line to change; a practice nobody recorded points at line 1. A practice
the inventory decided points at the inventory entry that overruled the answer, else at the
`inventory:` section. A catastrophe's finding (`scenario.<id>`) points at the `inventory:`
section, whose changes prevent it, and its rule carries the scenario's summary and the practices that defend. The
partial fingerprint hashes app, practice and horizon only, so a finding keeps its identity
across runs even when lines move or the reason's wording changes.
"""

from __future__ import annotations

import hashlib
import json
import posixpath
from pathlib import PurePath
from typing import Any
from urllib.parse import quote

from ..base.errors import DevoopsError
from ..base.located import Source
from ..model.assessment import Assessment
from ..model.common import Horizon, Risk
from ..model.findings import Finding
from ..model.lens import SCENARIO_PREFIX as SCENARIO
from ..model.lens import Lens, ScenarioDef
from .assessment import reason
from .registry import Checked, Page, Renderer
from .sections import TENET_TITLES

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INVENTORY = "inventory"
"""Where scenario findings point: the section whose changes prevent them."""
LEVELS = {Risk.HIGH: "error", Risk.MEDIUM: "warning", Risk.UNKNOWN: "note"}
FINGERPRINT = "devoopsFinding/v1"


def render(
    a: Assessment,
    horizon: Horizon = Horizon.NOW,
    minimum: Risk = Risk.UNKNOWN,
    source: Source | None = None,
    base: PurePath | None = None,
    lens: Lens | None = None,
) -> str:
    """The findings at `horizon` whose risk ranks at least `minimum`.

    `source` is the workload as it was assessed (its path and text, from the result), which the
    locations point into; without it they point at line 1 of the assessment's source. The path
    is given as a URI relative to `base`, the checkout (code scanning's %SRCROOT%), when it lies
    under it. `lens`, when given, adds each practice's summary to its rule. Nothing is read here.
    """
    shown = [f for f in a.at(horizon).findings if at_least(f.risk, minimum)]
    positions = _entries(source) if shown and source is not None else None
    artifact = _artifact(PurePath(source.file if source is not None else a.source), base)
    steps = {i.practice: i.steps for i in a.plan}
    rules: list[dict[str, Any]] = []
    index: dict[str, int] = {}
    results = []
    for f in shown:
        if f.practice not in index:
            index[f.practice] = len(rules)
            rules.append(_rule(f, steps.get(f.practice) or _lens_steps(lens, f.practice), lens))
        place = INVENTORY if f.source in ("scenario", "inventory") else f.practice
        line, column = _inventory_entry(f) or (positions or {}).get(place, (1, 1))
        results.append(
            {
                "ruleId": f.practice,
                "ruleIndex": index[f.practice],
                "level": LEVELS[f.risk],
                "message": {"text": reason(f)},
                "locations": [
                    {
                        "physicalLocation": {
                            "artifactLocation": artifact,
                            "region": {"startLine": line, "startColumn": column},
                        }
                    }
                ],
                "partialFingerprints": {FINGERPRINT: fingerprint(a.app.name, f.practice, horizon)},
                "properties": {
                    "horizon": horizon.value,
                    "risk": f.risk.value,
                    "tenets": [t.value for t in f.tenets],
                    "source": f.source,
                },
            }
        )
    log = {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": {"name": "devoops", "version": a.devoops_version, "rules": rules}},
                # Code scanning keeps one set of alerts per category: one per app and horizon.
                "automationDetails": {"id": f"devoops/{a.app.name}/{horizon.value}/"},
                "columnKind": "unicodeCodePoints",
                "results": results,
                "properties": {
                    "app": a.app.name,
                    "horizon": horizon.value,
                    "minimumRisk": minimum.value,
                    "lensVersion": a.lens_version,
                    "generatedAt": a.generated_at.isoformat(),
                },
            }
        ],
    }
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"


class SarifReport(Renderer[Checked]):
    """The failing findings: those at or above the gate."""

    format = "sarif"
    media_type = "application/sarif+json"

    def render(self, subject: Checked, page: Page) -> str:
        s = subject
        return render(s.assessment, s.horizon, s.fail_on, s.source, s.base, s.lens)


def fingerprint(app: str, practice: str, horizon: Horizon) -> str:
    return hashlib.sha256("\0".join((app, practice, horizon.value)).encode()).hexdigest()


def _inventory_entry(f: Finding) -> tuple[int, int] | None:
    """Line and column of the inventory entry that overruled the answer (`file:line:column`)."""
    where = f.conflict.inventory_at if f.conflict is not None else None
    if where is None:
        return None
    *_, line, column = where.rsplit(":", 2)
    return int(line), int(column)


def at_least(risk: Risk, minimum: Risk) -> bool:
    """At risk and ranked at least `minimum`; NONE and NOT_APPLICABLE never are."""
    return risk in LEVELS and risk.rank >= minimum.rank


def _scenario(lens: Lens | None, rule_id: str) -> ScenarioDef | None:
    if lens is None or not rule_id.startswith(SCENARIO):
        return None
    return next((s for s in lens.scenarios if s.id == rule_id.removeprefix(SCENARIO)), None)


def _rule(f: Finding, steps: list[str], lens: Lens | None) -> dict[str, Any]:
    practice = lens.practice(f.practice) if lens else None
    scenario = _scenario(lens, f.practice) if f.source == "scenario" else None
    tenets = ", ".join(TENET_TITLES[t].lower() for t in f.tenets)
    summary = practice.summary if practice else scenario.summary if scenario else None
    rule: dict[str, Any] = {
        "id": f.practice,
        "name": f.practice,
        "shortDescription": {"text": f.title},
        "fullDescription": {"text": summary or f"{f.title} (threatens {tenets})."},
        "properties": {"tags": [t.value for t in f.tenets]},
    }
    if steps:
        numbered = [f"{n}. {s}" for n, s in enumerate(steps, 1)]
        rule["help"] = {"text": "\n".join(numbered), "markdown": "\n".join(numbered)}
    elif f.note:  # a scenario without the lens at hand: the practices that defend against it
        rule["help"] = {"text": f.note, "markdown": f.note}
    return rule


def _lens_steps(lens: Lens | None, practice_id: str) -> list[str]:
    """A practice's plan; for a scenario, the practices that defend against it."""
    practice = lens.practice(practice_id) if lens else None
    if practice is not None:
        return list(practice.plan)
    scenario = _scenario(lens, practice_id)
    if scenario is None or lens is None:
        return []
    defending = [p for pid in scenario.practices if (p := lens.practice(pid)) is not None]
    return [f"Adopt {p.id}: {p.title}." for p in defending]


def _entries(source: Source) -> dict[str, tuple[int, int]]:
    """Line and column of each practice recorded under `practices:`, and of the `inventory:`
    key; none if the text does not parse (results then point at line 1)."""
    try:
        data = source.data if isinstance(source.data, dict) else {}
        recorded = data.get("practices")
        recorded = recorded if isinstance(recorded, dict) else {}
        places = {pid: source.at(("practices", pid), key=True) for pid in recorded}
        if INVENTORY in data:
            places[INVENTORY] = source.at((INVENTORY,), key=True)
    except DevoopsError:
        return {}
    return {pid: (at.line or 1, at.column or 1) for pid, at in places.items()}


def _artifact(path: PurePath, base: PurePath | None) -> dict[str, str]:
    """A URI relative to %SRCROOT% when the file lies under `base` (or is relative itself),
    else an absolute file URI. The paths are as the caller resolved them."""
    if path.is_absolute() and base is not None and base.is_absolute():
        relative = posixpath.relpath(path.as_posix(), base.as_posix())
        if relative != posixpath.pardir and not relative.startswith(posixpath.pardir + "/"):
            path = PurePath(relative)
    if path.is_absolute():
        return {"uri": path.as_uri()}
    return {"uri": quote(path.as_posix()), "uriBaseId": "%SRCROOT%"}
