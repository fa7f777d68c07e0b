"""The improvement plan as CSV for issue-tracker importers: one row per plan item, in plan order.

Columns: `Summary`, `Description`, `Priority`, then `Labels` repeated once per label.

- Jira's CSV importer requires a `Summary` column, maps `Description` and `Priority` by name,
  and takes a multi-valued field such as labels as several columns with the same header,
  one value each. Labels cannot contain spaces, which tenet ids never do.
- GitHub has no CSV importer of its own; the scripts and tools that create issues from CSV
  (with `gh` or the API) let you name the columns for title, body and labels, so they read
  this file as well. A single comma-joined labels cell would suit some of them but import
  into Jira as one label, so the repeated columns stay.

Priority follows the risk: HIGH is High, MEDIUM is Medium, and UNKNOWN is Medium too, since
an unanswered practice the lens requires may hide a HIGH and the plan already weighs it like
a MEDIUM. The description carries the reason, the numbered steps and when, how much work and
what it costs, as plain text that reads the same in Jira and in Markdown. Newlines inside a
field are quoted, as both importers expect; every field is quoted, so a lone carriage return
is too.

Text from a lens file is not ours: a cell that begins with `=`, `+`, `-`, `@`, a tab or a
carriage return is a formula to a spreadsheet, so it gets a leading `'` (OWASP's rule for
CSV injection).
"""

from __future__ import annotations

import csv
import io

from ..model.assessment import Assessment
from ..model.common import Risk
from ..model.findings import PlanItem
from .registry import Page, Renderer
from .sections import HORIZON_TITLES, cost_band

PRIORITIES = {Risk.HIGH: "High", Risk.MEDIUM: "Medium", Risk.UNKNOWN: "Medium"}
EFFORTS = {"S": "S (small)", "M": "M (medium)", "L": "L (large)"}
FORMULA = ("=", "+", "-", "@", "\t", "\r")


def render(a: Assessment) -> str:
    labels = max((len(i.tenets) for i in a.plan), default=1)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n", quoting=csv.QUOTE_ALL)
    writer.writerow(["Summary", "Description", "Priority", *["Labels"] * labels])
    for item in a.plan:
        tenets = [t.value for t in item.tenets]
        row = [item.title, description(item), PRIORITIES[item.risk], *tenets, *[""] * (labels - len(tenets))]
        writer.writerow([inert(cell) for cell in row])
    return out.getvalue()


class PlanCsv(Renderer[Assessment]):
    format = "csv"
    media_type = "text/csv"

    def render(self, subject: Assessment, page: Page) -> str:
        return render(subject)


def inert(cell: str) -> str:
    """The cell as text a spreadsheet will not run."""
    return f"'{cell}" if cell.startswith(FORMULA) else cell


def description(item: PlanItem) -> str:
    steps = [f"{n}. {step}" for n, step in enumerate(item.steps, 1)]
    facts = [
        f"Practice: {item.practice} (devoops plan #{item.rank})",
        f"Risk: {item.risk.value}",
        f"Horizon: {HORIZON_TITLES[item.horizon]}",
        f"Effort: {EFFORTS[item.effort]}",
        f"Cost: {cost_band(item.monthly_cost)} a month (typical for a small company)",
    ]
    return "\n".join([item.reason, "", "Steps:", *steps, "", *facts])
