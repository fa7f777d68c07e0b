"""The `devoops` command: a thin Typer shell over the library; heavy imports stay lazy."""

from __future__ import annotations

import sys

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
    quiz,
    scenarios,
    schema,
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
)
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


def main() -> None:
    """Entry point: DevoopsError exits 2 (or its own code) with one line per problem."""
    from ..errors import DevoopsError

    try:
        app()
    except DevoopsError as exc:
        print(f"error: {exc}".replace("\n", "\nerror: "), file=sys.stderr)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as exc:  # a runtime fault, never a traceback for the user
        print(f"error: internal fault: {exc.__class__.__name__}: {exc}", file=sys.stderr)
        sys.exit(3)
