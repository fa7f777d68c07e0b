"""Build the `inventory:` section of devoops.yaml from what already describes the infrastructure:
a Terraform state, the live AWS account, or a domain's registration and nameservers."""

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
    _say_missing(imported)
    if not imported.inventory["components"]:
        raise InputError.at(Location(str(state)), "no resource in the state could be mapped to a component")
    emit(render(imported), output)


@importer.command(
    "aws",
    epilog="Example: devoops inventory import aws --profile prod --region eu-west-1 -o inventory.yaml",
)
def aws(
    profile: Annotated[
        str | None,
        typer.Option(
            "--profile", metavar="NAME", help="a profile of the AWS config [default: the standard chain]"
        ),
    ] = None,
    region: Annotated[
        list[str] | None,
        typer.Option(
            "--region", metavar="REGION", help="a region to read (repeatable) [default: every enabled region]"
        ),
    ] = None,
    endpoint_url: Annotated[
        str | None,
        typer.Option(
            "--endpoint-url", metavar="URL", help="an emulator or a private endpoint for every service"
        ),
    ] = None,
    output: Output = None,
) -> None:
    """Map the resources of the live AWS account the credentials reach, read only, to components,
    by the rules of the Terraform import; what cannot be read or mapped is listed on stderr and
    as comments. Credentials come from AWS's standard chain (environment, profile, role)."""
    from ..base.errors import DevoopsError
    from ..importers.aws_live import import_account
    from ..importers.aws_session import Session, Settings

    home = region[0] if region else None
    imported = import_account(Session(Settings(profile, home, endpoint_url)), list(region or []))
    _say_missing(imported)
    if not imported.inventory["components"]:
        raise DevoopsError("no resource in the account could be mapped to a component")
    emit(render(imported), output)


@importer.command("dns", epilog="Example: devoops inventory import dns linkpile.com -o inventory.yaml")
def dns(
    domain: Annotated[
        str,
        typer.Argument(metavar="DOMAIN", help="the registered domain, e.g. linkpile.com", show_default=False),
    ],
    resolver: Annotated[
        str | None,
        typer.Option(
            "--resolver", metavar="IP[:PORT]", help="the recursive resolver to ask [default: the system's]"
        ),
    ] = None,
    rdap: Annotated[
        str | None,
        typer.Option(
            "--rdap", metavar="URL", help="the registry's RDAP base URL [default: from IANA's bootstrap]"
        ),
    ] = None,
    parent: Annotated[
        str | None,
        typer.Option(
            "--parent",
            metavar="IP[:PORT]",
            help="a server of the parent zone [default: found through the resolver]",
        ),
    ] = None,
    nameserver: Annotated[
        list[str] | None,
        typer.Option(
            "--nameserver",
            metavar="NAME=IP[:PORT]",
            help="where to reach a nameserver, like curl --resolve (repeatable): a zone before its delegation",
        ),
    ] = None,
    output: Output = None,
) -> None:
    """The registrar and DNS providers of a domain, from its registration (RDAP) and its
    nameservers, as the inventory's `registrar` and `dns` components; what could not be read
    is said on stderr and as comments."""
    from ..base.errors import DevoopsError, UsageError
    from ..probes.dns.probe import discover

    given = {"resolver": resolver, "rdap": rdap, "parent": parent}
    settings: dict[str, Any] = {name: value for name, value in given.items() if value is not None}
    pairs = [entry.partition("=") for entry in nameserver or []]
    if any(not sep for _, sep, _ in pairs):
        raise UsageError("--nameserver takes NAME=IP[:PORT], e.g. ns1.linkpile.com=192.0.2.53")
    settings["nameservers"] = {name: where for name, _, where in pairs}
    try:
        imported = discover(domain, settings)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    _say_missing(imported)
    if not imported.inventory["components"]:
        raise DevoopsError(f"nothing about {domain} could be read, so there is no component to write")
    emit(render(imported), output)


def _say_missing(imported: Imported) -> None:
    """On stderr: what could not be read, and the resources no component stands for."""
    for note in imported.notes:
        if note.startswith("not read: "):
            typer.echo(f"  {note}", err=True)
    if imported.unmapped:
        typer.echo(f"{len(imported.unmapped)} resource(s) not mapped:", err=True)
        for address in imported.unmapped:
            typer.echo(f"  {address}: {imported.reasons[address]}", err=True)


def read_state(path: Path) -> Imported:
    """Parse and map a state file; bad JSON or a wrong shape is an InputError naming file:line:column."""
    from ..base.located import export_text
    from ..importers.terraform import parse_state

    return parse_state(export_text(path), str(path))


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
