"""The founder interview: ask the six questions and write a commented devoops.yaml.

Interactive on a terminal; `--answers FILE` (a partial devoops.yaml with app: and answers:)
or `--defaults` run it without questions, for scripts and tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

NAME = "init"
EXAMPLE = "Example: devoops init -o devoops.yaml   (or: devoops init --answers answers.yaml)"


def run(
    output: Annotated[Path, typer.Option("--output", "-o", help="where to write")] = Path("devoops.yaml"),
    answers: Annotated[Path | None, typer.Option(help="answers as YAML instead of questions")] = None,
    use_defaults: Annotated[
        bool, typer.Option("--defaults", help="write the defaults without asking")
    ] = False,
    force: Annotated[bool, typer.Option(help="overwrite an existing file")] = False,
) -> None:
    from ..api.interview import defaults, merge, to_yaml
    from ..api.workload import against_lens
    from ..base.errors import InputError, Location, UsageError
    from ..base.located import Source, read
    from ..lens import load_lens
    from ..model.workload import Workload
    from .common import is_terminal, write_atomically

    if output.exists() and not force:
        raise UsageError(f"{output} exists; pass --force to overwrite it")
    lens = load_lens()
    document = defaults(lens)
    source = Source(Path("<interview>"), "", None)
    if answers is not None:
        source = read(answers)
        if not isinstance(source.data, dict):
            raise InputError.at(Location(source.file, 1, 1), "expected a mapping with app: and answers:")
        document = merge(document, source.data)
    elif not use_defaults:
        if not is_terminal():
            raise UsageError("not a terminal: pass --answers FILE or --defaults")
        document = ask(lens, document)
    problems = against_lens(source.validate(Workload, document), source, lens)
    if problems:
        raise InputError(problems)
    write_atomically(output, to_yaml(document, lens))
    typer.echo(f"next: devoops assess {output}")


def ask(lens: Any, document: dict[str, Any]) -> dict[str, Any]:
    """The six questions in the founder's words, each answer followed by what it means; the
    engineer's details last, skippable. An answer the workload model would reject is refused
    at its prompt, and Ctrl-C aborts without writing anything."""
    import copy

    import questionary
    from pydantic import ValidationError

    from ..api.founder import apply, consequence_of
    from ..api.interview import DATASET_DEFAULT, get_path
    from ..derive.founder import Ask, clock, duration, steps, traffic_line
    from ..model.workload import Workload

    given: dict[str, Any] = {}
    shown: list[tuple[str, ...]] = []

    def required(reply: Any) -> Any:
        if reply is None:  # questionary's Ctrl-C
            raise KeyboardInterrupt
        return reply

    def problem(a: Ask, value: Any) -> str | None:
        """Why the document would be invalid with this answer; None if it would not."""
        trial = copy.deepcopy(document)
        apply(trial, a, value, dict(given))
        try:
            Workload.model_validate(trial)
        except ValidationError as exc:
            return str(exc.errors()[0]["msg"]).removeprefix("Value error, ")
        return None

    def text(a: Ask, prompt: str, default: Any) -> Any:
        parsers: dict[str, Callable[[str], Any]] = {"text": _text, "clock": clock, "duration": duration}
        parse = parsers.get(a.kind, _number(a.kind))

        def check(typed: str) -> bool | str:
            try:
                value = parse(typed)
                if value is None:
                    return True if a.optional else "an answer, please"
                return problem(a, value) or True
            except ValueError as exc:
                return str(exc)

        reply = required(
            questionary.text(prompt, default="" if default is None else str(default), validate=check).ask()
        )
        return parse(reply)

    def one(a: Ask, prompt: str, default: Any) -> Any:
        if a.kind in ("choice", "choices") or a.options:
            choices = [questionary.Choice(o.label, value=o.value) for o in a.options]
            if a.kind == "choices":
                for c in choices:
                    c.checked = c.value in (default or [])
                return required(questionary.checkbox(prompt, choices=choices).ask())
            chosen = next((c for c in choices if c.value == default), None)
            return required(questionary.select(prompt, choices=choices, default=chosen).ask())
        if a.kind == "boolean":
            return required(questionary.confirm(prompt, default=bool(default), auto_enter=False).ask())
        return text(a, prompt, default)

    def current(a: Ask) -> Any:
        if a.key == "traffic.figure" or a.key.startswith("dataset."):
            return a.default
        value = get_path(document, a.key)
        if isinstance(value, dict) and "now" in value:
            value = value["now"]
        return a.default if value is None or isinstance(value, dict) else value

    def put(a: Ask) -> None:
        if a.help:
            questionary.print(f"   {a.help}", style="italic")
        value = one(a, a.prompt, current(a))
        if a.also_12mo and value is not None:
            later = one(a, "And in 12 months? (Enter: the same)", value)
            value = value if later in (None, value) else {"now": value, "12mo": later}
        apply(document, a, value, given)
        if a.key == "traffic.figure":
            note(traffic_line(value["now"] if isinstance(value, dict) else value, given["traffic.unit"]))

    def note(line: str) -> None:
        questionary.print(f"  -> {line}", style="fg:ansigreen")

    def consequence(step_id: str) -> None:
        result = consequence_of(document, lens, step_id)
        if result is None or result.lines in shown:
            return
        shown.append(result.lines)
        for line in result.lines:
            note(line)
        for row in result.tiers:
            mark = "  <- cheapest" if row.cheapest else ""
            cur = document["app"]["currency"]
            questionary.print(
                f"     {row.availability * 100:g} %  {row.down_minutes_per_month:7.0f} min down a month   "
                f"downtime {row.downtime_cost_per_year:>10,.0f} {cur}  running {row.run_cost_per_year:>10,.0f} {cur}"
                f"  total {row.total_cost_per_year:>10,.0f} {cur}{mark}"
            )

    later: list[Ask] = []
    for step in steps(lens):
        questionary.print(f"\n{step.number}. {step.title}", style="bold")
        questionary.print(step.explanation, style="italic")
        for example in step.examples:
            questionary.print(f"   e.g. {example.who}: {example.answer}", style="italic")
        if step.id == "data":
            document["answers"]["data"] = {"datasets": []}
            while True:
                for a in step.asks:
                    if a.key == "dataset.name":
                        name = one(a, a.prompt, None)
                        if not name:
                            break
                        apply(document, a, name, given)
                    else:
                        put(a)
                else:
                    consequence(step.id)
                    continue
                break
            if not document["answers"]["data"]["datasets"]:
                document["answers"]["data"]["datasets"] = [dict(DATASET_DEFAULT)]
            continue
        for a in step.asks:
            if a.engineer:
                later.append(a)
            elif a.wanted(given):
                put(a)
                if not a.before:  # the answers it frames come next
                    consequence(step.id)
    if later and required(
        questionary.confirm(
            "Add the engineer's details now? (Enter: later, in the file)", default=False, auto_enter=False
        ).ask()
    ):
        for a in later:
            put(a)
    return document


def _text(text: str) -> str | None:
    return text.strip() or None


def _number(kind: str) -> Callable[[str], int | float | None]:
    """A parser of the text typed for a number: None when empty, whole numbers as int."""

    def parse(text: str) -> int | float | None:
        if not text.strip():
            return None
        try:
            value = int(text) if kind == "integer" else float(text)
        except ValueError:
            raise ValueError(f"a {'whole ' if kind == 'integer' else ''}number, please") from None
        return int(value) if isinstance(value, float) and value.is_integer() else value

    return parse
