"""The report's content once: which sections an assessment's report holds, in reading order.
The terminal and Markdown renderers only give it a skin; the sections themselves live in
`assessment` (what was assessed) and `catastrophes` (what the inventory survives)."""

from __future__ import annotations

from ..model.assessment import Assessment
from ..model.common import HORIZONS, Horizon
from .assessment import availability, evidence, findings, plan, targets, tenets, tensions, verdict
from .catastrophes import catastrophes
from .sections import Section


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
