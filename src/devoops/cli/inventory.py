"""Build the `inventory:` section of devoops.yaml from what already describes the infrastructure."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from .common import Output, emit

if TYPE_CHECKING:
    from ..importers.inventory import Imported

app = typer.Typer(help=__doc__, no_args_is_help=True, rich_markup_mode=None)
importer = typer.Typer(
    help="Import an inventory from another tool's description.", no_args_is_help=True, rich_markup_mode=None
)
app.add_typer(importer, name="import")


@importer.command(
    "terraform",
    epilog="Example: terraform show -json > state.json && devoops inventory import terraform state.json",
)
def terraform(
    state: Annotated[
        Path,
        typer.Argument(metavar="STATE.json", help="the output of `terraform show -json`", show_default=False),
    ],
    output: Output = None,
) -> None:
    """Map the AWS and GCP resources of a Terraform state to components; what cannot be
    mapped is listed on stderr and as comments, for you to add by hand."""
    from ..base.errors import InputError, Location

    imported = read_state(state)
    if imported.unmapped:
        typer.echo(f"{len(imported.unmapped)} resource(s) not mapped:", err=True)
        for address in imported.unmapped:
            typer.echo(f"  {address}: {imported.reasons[address]}", err=True)
    if not imported.inventory["components"]:
        raise InputError.at(Location(str(state)), "no resource in the state could be mapped to a component")
    emit(render(imported), output)


def read_state(path: Path) -> Imported:
    """Parse and map a state file; bad JSON or a wrong shape is an InputError naming file:line:column."""
    import json

    from ..base.errors import InputError, Location
    from ..base.located import Source, export_text, loads_json
    from ..importers.terraform import import_state
    from ..importers.tfstate import StateError

    text = export_text(path)
    try:
        document = loads_json(text)
    except json.JSONDecodeError as exc:
        raise InputError.at(Location(str(path), exc.lineno, exc.colno), f"not JSON: {exc.msg}") from None
    try:
        return import_state(document)
    except StateError as exc:
        try:
            where = Source(path, text, document).at(exc.loc)
        except InputError:  # too deep to parse with positions: the file and the field, then
            where = Location(str(path), field=".".join(str(part) for part in exc.loc))
        raise InputError.at(where, str(exc)) from None


def render(imported: Imported) -> str:
    """The section as YAML, the notes and unmapped resources as comments above it."""
    import io

    from ruamel.yaml import YAML

    lines = [f"# {note}" for note in imported.notes]
    if imported.unmapped:
        lines.append("# not mapped:")
        lines += [f"#   {a}: {imported.reasons[a]}" for a in imported.unmapped]
    yaml = YAML(typ="rt")
    yaml.default_flow_style = False
    yaml.width = 4096
    buffer = io.StringIO()
    yaml.dump({"inventory": _flow_lists(imported.inventory)}, buffer)
    return "\n".join(lines) + "\n" + buffer.getvalue()


def _flow_lists(value: Any) -> Any:
    """Short lists of names (zones) read best on one line: `zones: [eu-west-1a, eu-west-1b]`."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    if isinstance(value, dict):
        out = CommentedMap()
        for k, v in value.items():
            out[k] = _flow_lists(v)
        return out
    if isinstance(value, list):
        seq = CommentedSeq(_flow_lists(v) for v in value)
        if all(isinstance(v, str) for v in value):
            seq.fa.set_flow_style()
        return seq
    return value
