"""The founder interview: ask the six questions and write a commented devoops.yaml.

Interactive on a terminal; `--answers FILE` (a partial devoops.yaml with app: and answers:)
or `--defaults` run it without questions, for scripts and tests."""

from __future__ import annotations

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
    from ..errors import InputError, Location, UsageError
    from ..interview import defaults, merge, to_yaml
    from ..lens import load_lens
    from ..model.workload import Workload
    from ..source import Source, read
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
    source.validate(Workload, document)
    write_atomically(output, to_yaml(document, lens))
    typer.echo(f"wrote {output}; next: devoops assess {output}")


def ask(lens: Any, document: dict[str, Any]) -> dict[str, Any]:
    """Ask every question on the terminal; Ctrl-C aborts without writing anything."""
    import questionary

    from ..interview import get_path, horizon_value, set_path

    def required(answer: Any) -> Any:
        if answer is None:
            raise KeyboardInterrupt
        return answer

    def number(prompt: str, default: Any, kind: str) -> Any:
        cast = int if kind == "integer" else float
        text = required(
            questionary.text(
                prompt,
                default=""
                if default is None
                else f"{default:g}"
                if isinstance(default, float)
                else str(default),
                validate=lambda s: (
                    s == "" or _is_number(s, cast) or f"a {'whole ' if cast is int else ''}number, please"
                ),
            ).ask()
        )
        return None if text == "" else cast(text)

    def one(f: Any, default: Any, prompt: str) -> Any:
        if f.kind == "choice":
            return required(questionary.select(prompt, choices=f.choices, default=default).ask())
        if f.kind == "choices":
            return required(
                questionary.checkbox(
                    prompt, choices=[questionary.Choice(c, checked=c in (default or [])) for c in f.choices]
                ).ask()
            )
        if f.kind == "boolean":
            return required(questionary.confirm(prompt, default=bool(default)).ask())
        return number(prompt, default, f.kind)

    app = document["app"]
    app["name"] = required(questionary.text("Application name", default=app["name"]).ask())
    app["owner"] = required(questionary.text("Owner (a person or team email)", default="").ask()) or None
    app["stage"] = required(
        questionary.select("Stage", choices=["idea", "mvp", "growth", "scale"], default=app["stage"]).ask()
    )
    app["currency"] = required(questionary.text("Currency (ISO code)", default=app["currency"]).ask()).upper()
    app["audience"] = required(
        questionary.select(
            "Where are the users?", choices=["local", "continental", "global"], default=app["audience"]
        ).ask()
    )
    for q in lens.questions:
        questionary.print(f"\n{q.number}. {q.title}", style="bold")
        questionary.print(q.help, style="italic")
        section = document["answers"].setdefault(q.id, {})
        if q.id == "data":
            section["datasets"] = ask_datasets(questionary, required)
            continue
        for f in q.fields:
            default = get_path(section, f.key)
            now = one(f, default, f"{f.prompt} (now)" if f.per_horizon else f.prompt)
            later = one(f, now, f"{f.prompt} (in 12 months)") if f.per_horizon else None
            if now is None:
                continue
            set_path(section, f.key, horizon_value(now, later))
    return document


def ask_datasets(questionary: Any, required: Any) -> list[dict[str, Any]]:
    datasets: list[dict[str, Any]] = []
    while True:
        name = required(
            questionary.text(
                "Dataset name (e.g. accounts, payments; empty when done)",
                validate=lambda s: (
                    s == ""
                    or s.replace("_", "").replace("-", "").replace(".", "").isalnum()
                    or "letters, digits, _ . - only"
                ),
            ).ask()
        )
        if not name:
            return datasets or [{"name": "main", "criticality": "lifeblood", "regulated": "none"}]
        datasets.append(
            {
                "name": name,
                "criticality": required(
                    questionary.select("Criticality", choices=["lifeblood", "important", "expendable"]).ask()
                ),
                "regulated": required(
                    questionary.select("Regulated data", choices=["none", "pii", "financial", "health"]).ask()
                ),
            }
        )


def _is_number(text: str, cast: type[int] | type[float]) -> bool:
    try:
        return bool(cast(text) >= 0)
    except ValueError:
        return False
