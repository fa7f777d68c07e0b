"""What if the inventory changed? Availability, scenario verdicts and the expected yearly cost of
downtime before and after each change and all together; without changes, every change that
saves money, each scored alone and ranked, and the plan of `scenarios run` built from them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from .check import When
from .common import AnalysisFormatOption, Lens, Output, Workload, emit_report
from .scenarios import HorizonOption

if TYPE_CHECKING:
    from ..model.resilience import Change

NAME = "whatif"
EXAMPLE = (
    "Example: devoops whatif devoops.yaml add-replica db second-dns-provider   (changes: "
    "add-replica C, multi-zone C, automatic-failover C, second-dns-provider, second-region, "
    "backups-to-separate-account, add-backups C, immutable-backups, restore-drills, monitor-backups, "
    "point-in-time-recovery C, delayed-replica C, mfa-and-locked-root, scope-ci-credentials, "
    "least-privilege, private-datastores, registrar-lock, soft-delete, out-of-band-access, "
    "deploy-pipeline, verified-deploys, infra-as-code)"
)


def run(
    workload: Workload,
    changes: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="CHANGE [COMPONENT]",
            help="changes to try, each followed by its component when it takes one",
            show_default=False,
        ),
    ] = None,
    horizon: HorizonOption = When.NOW,
    format: AnalysisFormatOption = "terminal",
    output: Output = None,
    lens: Lens = None,
) -> None:
    from ..api import whatif_file
    from ..model.common import Horizon
    from ..report.catastrophes import COSTS, changes_table
    from ..report.registry import Document
    from ..report.sections import Section

    when = Horizon(horizon.value)
    result = whatif_file(workload, changes or (), lens or (), when)
    loaded, currency, shown = result.loaded, result.currency, result.changes
    together, plan, paying = result.together, result.saving, result.plan
    data = {
        "horizon": when.value,
        "currency": currency,
        "changes": [c.model_dump(mode="json") for c in shown],
        "together": together.model_dump(mode="json") if together else None,
        "improvements": [c.model_dump(mode="json") for c in paying],
        "saving": [c.model_dump(mode="json") for c in plan],
    }
    if shown:
        rows = [*shown, *([together] if together else [])]
        section = Section("Changes", paragraphs=[COSTS], tables=[changes_table(rows, currency)])
    elif plan:
        section = Section(
            "Changes that save money, each alone on the inventory as it is: free ones first, then by "
            "money saved per money spent",
            paragraphs=[_paying(plan, paying), COSTS],
            tables=[changes_table(plan, currency)],
        )
    else:
        section = Section(
            "Changes that save money",
            paragraphs=["No single change of the catalogue saves money here.", COSTS],
        )
    title = f"devoops whatif · {loaded.workload.app.name} · {when.value}"
    emit_report("analysis", format, Document(title, [section], data), output)


def _paying(plan: list[Change], paying: list[Change]) -> str:
    """Which changes make the plan of `scenarios run` (each saves at least what it costs on top of
    the ones before it), which pay alone but not on top of those, and which never pay."""
    from ..scenarios.whatif import pays_for_itself

    text = "Each row is the change alone: two changes that fix the same catastrophe both show its saving."
    chosen = {c.change for c in paying}
    dropped = [c.change for c in plan if c.change not in chosen and pays_for_itself(c)]
    short = [c.change for c in plan if not pays_for_itself(c)]
    if paying:
        text += (
            " The plan of `scenarios run` (each saving at least its cost on top of the ones before it): "
            + ", ".join(c.change for c in paying)
            + "."
        )
    else:
        text += " None of them pays for itself: each saves less a year than it costs."
    if dropped:
        text += " Pay alone, but not once the plan's earlier changes are made: " + ", ".join(dropped) + "."
    if short and paying:
        text += " Save less than they cost: " + ", ".join(short) + "."
    return text
