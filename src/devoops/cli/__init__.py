"""The `devoops` command: a thin Typer shell over the library; heavy imports stay lazy."""

from __future__ import annotations

import sys
from typing import Any

import typer

from . import (
    alerts,
    assess,
    audit,
    backup,
    check,
    delivery,
    diff,
    drill,
    explain,
    export,
    history,
    import_,
    init,
    inventory,
    lens,
    milestone,
    plan,
    probes,
    quiz,
    scenarios,
    schema,
    serve,
    show,
    slo,
    whatif,
)

app = typer.Typer(
    name="devoops",
    help="Stop practising DevOops: turn the six founder questions into targets, findings and a plan.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(asked: bool) -> None:
    if asked:
        from .. import __version__

        typer.echo(f"devoops {__version__}")
        raise typer.Exit()


@app.callback()
def _options(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="print the version"
    ),
) -> None:
    """Stop practising DevOops: turn the six founder questions into targets, findings and a plan."""


for module in (
    assess,
    audit,
    check,
    explain,
    init,
    quiz,
    schema,
    history,
    show,
    diff,
    export,
    import_,
    whatif,
    serve,
):
    app.command(module.NAME, help=module.__doc__, epilog=module.EXAMPLE)(module.run)
app.add_typer(lens.app, name="lens")
app.add_typer(plan.app, name="plan")
app.add_typer(milestone.app, name="milestone")
app.add_typer(slo.app, name="slo")
app.add_typer(alerts.app, name="alerts")
app.add_typer(delivery.app, name="delivery")
app.add_typer(inventory.app, name="inventory")
app.add_typer(scenarios.app, name="scenarios")
app.add_typer(drill.app, name="drill")
app.add_typer(backup.app, name="backup")
app.add_typer(probes.app, name="probes")


USAGE: type[Any] = next(c for c in typer.BadParameter.__mro__ if c.__name__ == "ClickException")
"""Click's error for a wrong command line (Typer's own copy of Click has its own class)."""


def main() -> None:
    """Entry point: DevoopsError exits 2 (or its own code) with one line per problem."""
    from ..base.errors import DevoopsError
    from ..base.fmt import printable
    from ..base.streams import whole

    whole()
    try:
        code = app(standalone_mode=False)
    except USAGE as exc:  # a wrong option or argument: Click's words, without pydantic's prefix
        exc.message = exc.message.removeprefix("Value error, ")
        exc.show()
        sys.exit(exc.exit_code)
    except typer.Abort:  # Ctrl-C or end of input at a prompt
        sys.exit(130)
    except DevoopsError as exc:
        for line in str(exc).split("\n"):  # escape sequences from input never reach the terminal
            print(f"error: {printable(line)}", file=sys.stderr)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as exc:  # a runtime fault, never a traceback for the user
        print(f"error: internal fault: {exc.__class__.__name__}: {exc}", file=sys.stderr)
        sys.exit(3)
    sys.exit(code if isinstance(code, int) else 0)
