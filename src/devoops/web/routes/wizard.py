"""The founder's wizard in the browser: the six questions one step a page, in the lens's words
(`derive.founder.steps`), each answer put into the application's devoops.yaml by
`api.founder.apply` and saved as a new version with its audit row (`workspace.save`), then
shown with its consequence (`api.founder.consequence_of`, which is `derive()` itself). A
consequence can be shown without saving (htmx on change, a plain button without it). After
the sixth step the document is assessed and saved as `devoops assess --save` does, and the
one-page verdict shown. Founders and up answer; viewers read."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from starlette.responses import Response

from ...api.documents import FILE
from ...api.founder import consequence_of
from ...base.errors import InputError
from ...base.fmt import minutes, money, percent
from ...base.located import Source
from ...derive.founder import Ask, Step, steps, traffic_line
from ...model.common import Horizon
from ...store.people import Conflict
from ...store.workloads import Version
from ..access import Ctx, Pages, Role, member
from ..render import redirect, render
from . import wizard_form as wf
from .workspace import APP, VIEWER, Document, assess_and_save, document, no_app, save, workloads

pages = Pages()
FOUNDER = member(Role.founder)
WIZARD = APP + "/wizard"
SUMMARY = "the founder's answers, step {number} of {total}: {title}"
ANSWERED = re.compile(r"^the founder's answers, step (\d+) of \d+")
"""The saved assessment's full report (routes/verdict.py), one click from the verdict."""


@dataclass(frozen=True)
class TierShown:
    title: str
    availability: str
    down: str
    downtime: str
    running: str
    total: str
    cheapest: bool


@dataclass(frozen=True)
class Shown:
    """One horizon's consequence as the page shows it."""

    horizon: str
    lines: tuple[str, ...]
    tiers: tuple[TierShown, ...]


def answered(ctx: Ctx, doc: Document) -> dict[int, Version]:
    """Each step's newest saved answers, from the document's versions."""
    found: dict[int, Version] = {}
    for v in workloads(ctx).versions(ctx.org_id, doc.app.id, limit=10_000):
        match = ANSWERED.match(v.summary)
        if match and int(match[1]) not in found:
            found[int(match[1])] = v
    return found


def consequences(data: Any, doc: Document, step: Step) -> list[Shown]:
    """The step's consequence now, and in 12 months where it differs."""
    out: list[Shown] = []
    for h, title in ((Horizon.NOW, "Now"), (Horizon.TWELVE_MONTHS, "In 12 months")):
        c = consequence_of(data, doc.lens, step.id, h)
        if c is None or (out and c.lines == out[0].lines):
            continue
        cur = data["app"]["currency"]
        tiers = tuple(
            TierShown(
                r.title,
                percent(r.availability),
                minutes(r.down_minutes_per_month),
                money(r.downtime_cost_per_year, cur),
                money(r.run_cost_per_year, cur),
                money(r.total_cost_per_year, cur),
                r.cheapest,
            )
            for r in c.tiers
        )
        out.append(Shown(title, c.lines, tiers))
    return out


def conditions(step: Step) -> dict[str, str]:
    """For an ask asked only after some answers, when it counts, in the founder's words."""
    asks = {a.key: a for a in step.asks}
    out = {}
    for a in step.asks:
        said = []
        for key, values in a.when.items():
            labels = [o.label for o in asks[key].options if o.value in values] if key in asks else []
            said.append(" or ".join(f"“{label}”" for label in labels))
        if said:
            out[a.key] = "Counts when you answered " + " and ".join(said) + "."
    return out


def _located(ctx: Ctx) -> tuple[Document, Step] | Response:
    """The application's document and the step its path names, or the page saying neither is."""
    doc = document(ctx)
    if doc is None:
        return no_app(ctx)
    step = next((s for s in steps(doc.lens) if s.number == ctx.param("step")), None)
    if step is None:
        return render(ctx, "error.html", 404, message="There is no such step: the steps are 1 to 6.")
    return doc, step


def _page(
    ctx: Ctx,
    doc: Document,
    step: Step,
    status: int = 200,
    text: str | None = None,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    preview: bool = False,
) -> Response:
    data = Source.parse(Path(FILE), text if text is not None else doc.text).data
    rows = wf.dataset_rows(Source.parse(Path(FILE), doc.text).data)
    shown = wf.shown(step, data) if values is None else values
    total = len(steps(doc.lens))
    return render(
        ctx,
        "wizard_step.html",
        status,
        doc=doc,
        step=step,
        total=total,
        all_steps=steps(doc.lens),
        asks=wf.shown_asks(step),
        rows=rows,
        values=shown,
        errors=errors or {},
        conditions=conditions(step),
        consequences=[] if errors else consequences(data, doc, step),
        traffic=_traffic(step, shown),
        preview=preview,
        saved=ctx.request.query_params.get("saved"),
        answered=answered(ctx, doc),
        name=wf.name,
        later=wf.LATER,
        label=ask_label,
        options_of=options_of,
    )


def _traffic(step: Step, values: dict[str, str]) -> str:
    """The usual traffic in requests a second, converted from what the founder counts."""
    unit, figure = values.get("traffic.unit"), values.get("traffic.figure", "")
    if step.id != "traffic" or unit not in ("visitors", "concurrent"):
        return ""
    try:
        return traffic_line(float(figure.replace(",", "")), unit)  # type: ignore[arg-type]
    except ValueError:
        return ""


@pages.get(WIZARD, VIEWER)
def overview(ctx: Ctx) -> Response:
    """The six steps, which are answered (by whom, when), and where to carry on."""
    doc = document(ctx)
    if doc is None:
        return no_app(ctx)
    done = answered(ctx, doc)
    all_steps = steps(doc.lens)
    following = next((s for s in all_steps if s.number not in done), None)
    return render(ctx, "wizard.html", doc=doc, steps=all_steps, answered=done, following=following)


@pages.get(WIZARD + "/{step:int}", VIEWER)
def show(ctx: Ctx) -> Response:
    found = _located(ctx)
    return found if isinstance(found, Response) else _page(ctx, *found)


def _answer(ctx: Ctx, keep: bool) -> Response:
    """Read the step's form and put the answers into the document: saved when `keep`, else
    only shown with their consequence. A refused answer is shown beside its field, and
    nothing is saved."""
    located = _located(ctx)
    if isinstance(located, Response):
        return located
    doc, step = located
    rows = wf.dataset_rows(Source.parse(Path(FILE), doc.text).data)
    found = wf.read(step, ctx.form, rows)
    values = dict(ctx.form)
    if found.errors:
        return _page(ctx, doc, step, 400, values=values, errors=found.errors, preview=not keep)
    total = len(steps(doc.lens))
    summary = SUMMARY.format(number=step.number, total=total, title=step.title.rstrip("?").lower())
    try:
        change = wf.change(doc.text, doc.lens, step, found, summary)
        if not keep:
            return _page(ctx, doc, step, text=change.text, values=values, preview=True)
        saved = save(ctx, doc, change, "answer.changed")
    except InputError as e:
        return _page(ctx, doc, step, 400, values=values, errors=wf.located(e, step, found), preview=not keep)
    except Conflict as e:
        return _page(ctx, doc, step, 409, values=values, errors={"form": str(e)})
    return redirect(doc.path(ctx, f"wizard/{step.number}") + f"?saved={saved.number}#consequence")


@pages.post(WIZARD + "/{step:int}", FOUNDER)
def answer(ctx: Ctx) -> Response:
    return _answer(ctx, keep=True)


@pages.post(WIZARD + "/{step:int}/consequence", FOUNDER)
def preview(ctx: Ctx) -> Response:
    """What the answers would mean, saving nothing."""
    return _answer(ctx, keep=False)


@pages.post(WIZARD + "/finish", FOUNDER)
def finish(ctx: Ctx) -> Response:
    """Assess the answers and save the assessment as `devoops assess --save` does."""
    doc = document(ctx)
    if doc is None:
        return no_app(ctx)
    assess_and_save(ctx, doc)
    return redirect(doc.path(ctx, "verdict"))


def ask_label(a: Ask, value: Any) -> str:
    """An answer in the founder's words (a choice's label, never its id)."""
    return next((o.label for o in a.options if str(o.value) == str(value)), str(value))


def options_of(a: Ask) -> list[tuple[str, str]]:
    """A choice's answers as the form sends them and as the founder reads them."""
    if a.kind == "boolean":
        return [("yes", "Yes"), ("no", "No")]
    return [(str(o.value), o.label) for o in a.options]
