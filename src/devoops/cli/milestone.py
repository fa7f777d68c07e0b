"""Milestones: name an assessment as a review baseline, then diff against it by name."""

from __future__ import annotations

from typing import Annotated

import typer

from .store import AppName, Db

app = typer.Typer(help="Name assessments as review baselines.", no_args_is_help=True, rich_markup_mode=None)


@app.command("create", epilog="Example: devoops milestone create q4-review")
def create(
    name: Annotated[str, typer.Argument(help="the milestone's name, unique per application")],
    ref: Annotated[
        str, typer.Option("--ref", help="the assessment to tag: id, latest or milestone")
    ] = "latest",
    app_name: AppName = None,
    db: Db = None,
) -> None:
    """Tag the latest assessment (or --ref) of the application with NAME."""
    from .store import open_store

    with open_store(db) as store:
        entry = store.create_milestone(name, app_name, ref)
    typer.echo(
        f"milestone {name} is assessment {entry.id} of {entry.app} ({entry.generated_at:%Y-%m-%d %H:%M} UTC)"
    )


@app.command("list")
def list_(
    app_name: Annotated[str | None, typer.Argument(metavar="[APP]", help="only this application")] = None,
    db: Db = None,
) -> None:
    """List milestones with the assessment each names."""
    from .store import open_store

    with open_store(db) as store:
        tagged = [(m, e) for e in store.history(app_name) for m in e.milestones]
    for name, e in tagged:
        typer.echo(f"{name}\t{e.app}\tassessment {e.id}\t{e.generated_at:%Y-%m-%d %H:%M} UTC")
    if not tagged:
        typer.echo("no milestones yet: `devoops milestone create NAME` tags the latest assessment", err=True)
