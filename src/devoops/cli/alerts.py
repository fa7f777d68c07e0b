"""Analyse alert history: noise, flapping, off-hours pages, causes vs symptoms."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from .common import AnalysisFormatOption, AssumeTz, Output, SkipBadRows, emit_report

if TYPE_CHECKING:
    from ..model.app import BusinessHours

app = typer.Typer(help=__doc__, no_args_is_help=True, rich_markup_mode=None)


class ExportFormat(StrEnum):
    AUTO = "auto"
    ALERTMANAGER = "alertmanager"
    PAGERDUTY = "pagerduty"
    OPSGENIE = "opsgenie"


@app.command(
    "analyze",
    epilog="Example: devoops alerts analyze incidents.csv --workload devoops.yaml -f md -o alerts.md",
)
def analyze(
    exports: Annotated[
        list[str],
        typer.Argument(
            metavar="EXPORT",
            help="Alertmanager JSON (API or webhook payloads), PagerDuty incidents CSV or Opsgenie alerts CSV; "
            "paths or globs",
            show_default=False,
        ),
    ],
    export_format: Annotated[
        ExportFormat,
        typer.Option("--input-format", help="the exports' format; auto reads it from the content"),
    ] = ExportFormat.AUTO,
    workload: Annotated[
        Path | None,
        typer.Option(
            "--workload", metavar="PATH", help="devoops.yaml, for business hours and their time zone"
        ),
    ] = None,
    skip_bad_rows: SkipBadRows = False,
    assume_tz: AssumeTz = None,
    flap_minutes: Annotated[
        float, typer.Option(min=0, help="a re-fire within this many minutes of resolving is a flap")
    ] = 30.0,
    quick_minutes: Annotated[
        float,
        typer.Option(min=0, help="resolved within this many minutes, unacknowledged: no one needed to act"),
    ] = 5.0,
    top: Annotated[int, typer.Option(min=1, max=1000, help="alert names in each table")] = 10,
    format: AnalysisFormatOption = "terminal",
    output: Output = None,
) -> None:
    """Alerts per week, off-hours pages, flaps, duplicates, time to resolve, causes vs symptoms,
    the noisiest alerts and which an SLO burn-rate alert would replace."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    from ..alerts import Format, Settings, analyse, expand, read
    from ..base.errors import UsageError
    from ..report.alerts import sections
    from ..report.registry import Document

    zone = None
    if assume_tz is not None:
        try:
            zone = ZoneInfo(assume_tz)
        except (ZoneInfoNotFoundError, ValueError):
            raise UsageError(f"unknown time zone {assume_tz!r} (an IANA name like Europe/Berlin)") from None
    hours: BusinessHours | str = "24x7"
    if workload is not None:
        from ..api.workload import load_workload
        from ..lens import load_lens

        hours = load_workload(workload, load_lens()).workload.app.business_hours
    chosen = None if export_format == ExportFormat.AUTO else Format(export_format.value)
    history = read(expand(exports), chosen, zone, skip_bad_rows)
    analysis = analyse(
        history, hours, Settings(flap_minutes=flap_minutes, quick_minutes=quick_minutes, top=top)
    )
    emit_report("analysis", format, Document("devoops alerts analyze", sections(analysis), analysis), output)
