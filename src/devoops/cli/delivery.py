"""Measure delivery: DORA figures and deploy durations from deployment, git and incident history."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from .common import AnalysisFormatOption, AssumeTz, Output, SkipBadRows, emit_report

if TYPE_CHECKING:
    import datetime as dt

app = typer.Typer(help=__doc__, no_args_is_help=True, rich_markup_mode=None)
_SPAN = re.compile(r"^(\d+(?:\.\d+)?)([hdw])$")


def _moment(option: str, text: str | None, now: dt.datetime, assume: dt.tzinfo | None) -> dt.datetime | None:
    """An ISO 8601 time, or a span before now such as 90d, 12w or 36h."""
    import datetime as dt

    from ..base.errors import UsageError
    from ..delivery.records import parse_time

    if text is None:
        return None
    if m := _SPAN.match(text.strip()):
        return now - dt.timedelta(hours=float(m[1]) * {"h": 1, "d": 24, "w": 168}[m[2]])
    try:
        return parse_time(text, assume)
    except ValueError as exc:
        raise UsageError(f"{option}: {exc}, or a span before now such as 90d") from None


@app.command(
    "analyze",
    epilog="Example: devoops delivery analyze --deployments deploys.csv --repo . --incidents incidents.csv "
    "--workload devoops.yaml -f md -o delivery.md",
)
def analyze(
    deployments: Annotated[
        Path,
        typer.Option(
            "--deployments",
            metavar="FILE",
            help="deployments CSV or JSON: time, commit, version, environment, status, duration",
            show_default=False,
        ),
    ],
    repo: Annotated[
        Path | None, typer.Option("--repo", metavar="DIR", help="the git repository, for lead time")
    ] = None,
    incidents: Annotated[
        Path | None,
        typer.Option(
            "--incidents", metavar="FILE", help="incidents CSV or JSON: start, end, title, deployment"
        ),
    ] = None,
    alerts: Annotated[
        list[Path] | None,
        typer.Option(
            "--alerts",
            metavar="EXPORT",
            help="an alert export (Alertmanager, PagerDuty, Opsgenie) whose pages count as incidents; repeatable",
        ),
    ] = None,
    scale_outs: Annotated[
        Path | None,
        typer.Option("--scale-outs", metavar="FILE", help="servers added, CSV or JSON: requested, ready"),
    ] = None,
    environment: Annotated[
        str, typer.Option("--environment", help="the environment analysed")
    ] = "production",
    since: Annotated[
        str | None,
        typer.Option("--since", help="from this ISO time or span before now (90d); default: first record"),
    ] = None,
    until: Annotated[
        str | None, typer.Option("--until", help="until this ISO time or span; default: now")
    ] = None,
    failure_hours: Annotated[
        float,
        typer.Option(min=0, help="an incident starting this many hours after a deployment makes it failed"),
    ] = 24.0,
    workload: Annotated[
        Path | None,
        typer.Option(
            "--workload", metavar="PATH", help="devoops.yaml, whose targets the figures are held against"
        ),
    ] = None,
    skip_bad_rows: SkipBadRows = False,
    assume_tz: AssumeTz = None,
    format: AnalysisFormatOption = "terminal",
    output: Output = None,
) -> None:
    """Deployment frequency, lead time for changes, change failure rate and failed-deployment
    recovery time, classified by DORA's 2024 clusters; deploy durations and time to add a server."""
    import datetime as dt

    from ..base.errors import UsageError
    from ..delivery.inputs import load
    from ..delivery.records import zone
    from ..model.common import Horizon
    from ..probes.delivery import evidence
    from ..report.delivery import data, sections
    from ..report.registry import Document

    now = dt.datetime.now(dt.UTC)
    try:
        assume = zone(assume_tz)
    except ValueError as exc:
        raise UsageError(f"--assume-tz: {exc}") from None
    start, end = _moment("--since", since, now, assume), _moment("--until", until, now, assume)
    if start is not None and end is not None and start >= end:
        raise UsageError("--since must be before --until")
    targets = None
    if workload is not None:
        from ..api import assess_file

        targets = assess_file(workload).assessment.at(Horizon.NOW).targets
    history = load(
        deployments,
        repo=repo,
        incidents=incidents,
        alerts=alerts or (),
        scale_outs=scale_outs,
        assume=assume,
        skip_bad_rows=skip_bad_rows,
    )
    d = history.analyze(
        environment=environment.lower(), now=now, since=start, until=end, failure_hours=failure_hours
    )
    e = evidence(d, targets)
    title = f"devoops delivery · {d.environment}"
    report = Document(title, sections(d, e, history.skipped), data(d, e, history.skipped))
    emit_report("analysis", format, report, output)
