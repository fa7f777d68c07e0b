"""Browse the probe kinds installed: `devoops probes list`, `devoops probes show KIND`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from .common import Output, TextFormatOption, emit_report

if TYPE_CHECKING:
    from ..probes.base import Probe
    from ..probes.catalogue import Kind
    from ..report.sections import Section

app = typer.Typer(
    help=__doc__,
    epilog="Example: devoops probes show http",
    no_args_is_help=True,
    rich_markup_mode=None,
)


@app.command("list", epilog="Example: devoops probes list -f md")
def list_(format: TextFormatOption = "terminal", output: Output = None) -> None:
    """List the probe kinds: what each measures, what it decides, and who provides it."""
    from ..lens import load_lens
    from ..probes.catalogue import catalogue
    from ..report.registry import Document

    emit_report("text", format, Document("devoops probes", _listing(catalogue(), load_lens())), output)


@app.command("show", epilog="Example: devoops probes show access_log")
def show(
    kind: Annotated[str, typer.Argument(help="a probe kind, as `type:` names it: http, tls, ...")],
    format: TextFormatOption = "terminal",
    output: Output = None,
) -> None:
    """Show one probe kind: its options with their types and defaults, and what it decides."""
    from ..base.errors import UsageError, did_you_mean
    from ..probes.catalogue import catalogue
    from ..report.registry import Document

    kinds = {k.entry.kind: k for k in catalogue()}
    chosen = kinds.get(kind)
    if chosen is None:
        raise UsageError(f"unknown probe type {kind!r}" + did_you_mean(kind, kinds))
    if chosen.cls is None:
        raise UsageError(f"probe type {kind!r} cannot be loaded: {chosen.problem}")
    emit_report("text", format, Document(f"devoops probes show {kind}", _detail(chosen, chosen.cls)), output)


def _listing(kinds: list[Kind], lens: Any) -> list[Section]:
    from ..probes.catalogue import about, decisions
    from ..report.sections import Section, Table

    rows = [
        [
            k.entry.kind,
            about(k.cls) if k.cls else f"cannot be loaded: {k.problem}",
            ", ".join(k.cls.decides) if k.cls else "",
            "devoops" if k.entry.builtin else k.entry.package,
        ]
        for k in kinds
    ]
    decided = [
        [
            d.practice,
            ", ".join(d.choices),
            ", ".join(f"{kind} ({when})" if when else kind for kind, when in d.probes),
        ]
        for d in decisions([k.cls for k in kinds if k.cls], lens)
    ]
    return [
        Section(
            f"{len(kinds)} probe kinds",
            paragraphs=["`devoops probes show KIND` gives a kind's options; `type: KIND` configures one."],
            tables=[Table(["kind", "measures", "decides", "from"], rows)],
        ),
        Section(
            "What evidence decides",
            paragraphs=[
                "A verdict outranks the answer to its practice; when probes disagree the weakest choice stands."
            ],
            tables=[Table(["practice", "choices a probe can show", "probes"], decided)],
        ),
    ]


def _detail(k: Kind, cls: type[Probe[Any]]) -> list[Section]:
    from ..probes.catalogue import about, settings
    from ..report.sections import Section, Table

    running = f"Stopped after {cls.default_timeout:g} s, unless devoops.yaml gives the probe a `timeout`."
    if cls.drill:
        running += (
            " A drill: it changes the system it measures, so it runs only when named (`devoops drill`, "
            "`devoops audit --probe NAME`)"
            + (f"; a result counts in other audits for {cls.carry_days:g} days." if cls.carry_days else ".")
        )
    about_it = Section(
        f"{k.entry.kind}: {about(cls)}",
        paragraphs=[f"Page: {cls.docs}", running, f"Registered by {k.entry.package} as {k.entry.where}."],
    )
    options = [[s.name, s.type, s.default, s.meaning] for s in settings(cls)]
    decided = [[p, ", ".join(d.choices), d.when or ""] for p, d in cls.decides.items()]
    return [
        about_it,
        Section(
            "Options",
            paragraphs=[] if options else ["None."],
            tables=[Table(["option", "type", "default", "meaning"], options)] if options else [],
        ),
        Section(
            "Decides",
            paragraphs=[]
            if decided
            else ["No practice: its figures inform the report, its verdicts decide nothing."],
            tables=[Table(["practice", "choices", "when"], decided)] if decided else [],
        ),
    ]
