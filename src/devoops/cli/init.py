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
    """Ask every question on the terminal; an answer the workload model would reject is
    refused at its prompt, and Ctrl-C aborts without writing anything."""
    import copy
    from functools import partial

    import questionary
    from pydantic import ValidationError

    from ..api.interview import DATASET_DEFAULT, get_path, horizon_value, set_path
    from ..model.workload import Workload

    def required(reply: Any) -> Any:
        if reply is None:  # questionary's Ctrl-C
            raise KeyboardInterrupt
        return reply

    def problem(path: str, value: Any) -> str | None:
        """Why the document would be invalid with `value` at `path`; None if it would not."""
        trial = copy.deepcopy(document)
        set_path(trial, path, value)
        try:
            Workload.model_validate(trial)
        except ValidationError as exc:
            return str(exc.errors()[0]["msg"]).removeprefix("Value error, ")
        return None

    def answer(prompt: str, path: str, parse: Callable[[str], Any], default: Any = None) -> Any:
        """Ask until `parse` and the model accept the text; store the value unless it is None."""

        def check(text: str) -> bool | str:
            try:
                return problem(path, parse(text)) or True
            except ValueError as exc:
                return str(exc)

        shown = "" if default is None else str(default)
        value = parse(required(questionary.text(prompt, default=shown, validate=check).ask()))
        if value is not None:
            set_path(document, path, value)
        return value

    def choose(f: Any, default: Any, prompt: str) -> Any:
        if f.kind == "choice":
            return required(questionary.select(prompt, choices=f.choices, default=default).ask())
        if f.kind == "choices":
            return required(
                questionary.checkbox(
                    prompt, choices=[questionary.Choice(c, checked=c in (default or [])) for c in f.choices]
                ).ask()
            )
        return required(questionary.confirm(prompt, default=bool(default)).ask())

    def field(f: Any, path: str, default: Any, prompt: str, store: Callable[[Any], Any]) -> Any:
        if f.kind in ("choice", "choices", "boolean"):
            value = choose(f, default, prompt)
            set_path(document, path, store(value))
            return value
        parse = _number(f.kind)
        return answer(prompt, path, lambda text: store(parse(text)), default)

    def named(datasets: list[dict[str, Any]], text: str) -> list[dict[str, Any]]:
        return [*datasets, dict(DATASET_DEFAULT, name=text.strip())] if text.strip() else datasets

    def ask_datasets() -> None:
        path = "answers.data.datasets"
        datasets: list[dict[str, Any]] = []
        while True:
            prompt = "Dataset name (e.g. accounts, payments; empty when done)"
            given = answer(prompt, path, partial(named, datasets))
            if len(given) == len(datasets):  # an empty name: done
                break
            datasets = given
            datasets[-1]["criticality"] = required(
                questionary.select("Criticality", choices=["lifeblood", "important", "expendable"]).ask()
            )
            datasets[-1]["regulated"] = required(
                questionary.select("Regulated data", choices=["none", "pii", "financial", "health"]).ask()
            )
        set_path(document, path, datasets or [dict(DATASET_DEFAULT)])

    app = document["app"]
    answer("Application name", "app.name", str.strip, app["name"])
    answer("Owner (a person or team email)", "app.owner", lambda s: s.strip() or None)
    app["stage"] = required(
        questionary.select("Stage", choices=["idea", "mvp", "growth", "scale"], default=app["stage"]).ask()
    )
    answer("Currency (ISO code)", "app.currency", _currency, app["currency"])
    app["audience"] = required(
        questionary.select(
            "Where are the users?", choices=["local", "continental", "global"], default=app["audience"]
        ).ask()
    )
    for q in lens.questions:
        questionary.print(f"\n{q.number}. {q.title}", style="bold")
        questionary.print(q.help, style="italic")
        if q.id == "data":
            ask_datasets()
            continue
        for f in q.fields:
            path = f"answers.{q.id}.{f.key}"
            label = f"{f.prompt} (now)" if f.per_horizon else f.prompt
            now = field(f, path, get_path(document, path), label, lambda v: v)
            if f.per_horizon and now is not None:
                later = f"{f.prompt} (in 12 months)"
                field(f, path, now, later, partial(horizon_value, now))
    return document


def _currency(text: str) -> str:
    code = text.strip().upper()
    if len(code) != 3 or not code.isascii() or not code.isalpha():
        raise ValueError("a three-letter ISO code, e.g. EUR")
    return code


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
