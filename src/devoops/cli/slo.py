"""Generate SLO documents, Prometheus recording rules, burn-rate alerts and their unit tests from the targets."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from .common import Lens, SloFormat, Workload, emit

app = typer.Typer(
    help="Generate SLO documents, Prometheus recording rules, burn-rate alerts and their unit tests from the targets.",
    no_args_is_help=True,
    rich_markup_mode=None,
)


class HorizonChoice(StrEnum):
    NOW = "now"
    SIX_MONTHS = "6mo"
    TWELVE_MONTHS = "12mo"


@app.command(
    "generate",
    epilog="Example: devoops slo generate devoops.yaml -o slo/ && promtool test rules slo/rules_test.yaml",
)
def generate(
    workload: Workload,
    horizon: Annotated[
        HorizonChoice | None,
        typer.Option("--horizon", help="whose targets become objectives; default slo.horizon, else now"),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="write every file into this directory (created when missing)"),
    ] = None,
    with_sloth: Annotated[
        bool, typer.Option("--sloth", help="also write a Sloth prometheus/v1 spec")
    ] = False,
    format: Annotated[
        SloFormat, typer.Option("--format", "-f", help="the document to print when there is no --output")
    ] = "rules",
    lens: Lens = None,
) -> None:
    """Rules (rules.yaml), their promtool unit tests (rules_test.yaml), OpenSLO (openslo.yaml)
    and optionally a Sloth spec (sloth.yaml) for the availability and latency targets."""
    from ..api import assess_file
    from ..generate import generate as build
    from ..generate.slo import sli_config
    from ..model.common import Horizon

    result = assess_file(workload, lens or ())
    config = sli_config(result.loaded.workload)
    chosen = Horizon(horizon.value) if horizon is not None else config.horizon
    targets = result.assessment.at(chosen).targets
    generated = build(
        result.loaded.workload.app.name,
        config,
        targets,
        f"{workload.name} (horizon {chosen.value})",
        with_sloth or (output is None and format == "sloth"),
    )
    for warning in generated.warnings:
        typer.echo(f"warning: {warning}", err=True)
    if output is None:
        from ..report.registry import Page, formats

        emit(formats("slo").get(format).render(generated, Page()), None)
        return
    write_all(output, generated.files)
    typer.echo(f"wrote {', '.join(generated.files)} to {output}", err=True)


def write_all(folder: Path, files: dict[str, str]) -> None:
    """Every file into a temporary folder beside the target first, then each renamed into place:
    a failure before the renames leaves nothing behind."""
    import os
    import shutil
    import tempfile

    from ..base.errors import UsageError

    try:
        folder.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(dir=folder, prefix=".slo-"))
        try:
            for name, text in files.items():
                (staging / name).write_text(text, encoding="utf-8")
            for name in files:
                os.replace(staging / name, folder / name)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    except OSError as exc:
        raise UsageError(f"cannot write into {folder}: {exc.strerror or exc}") from None
