"""Every input of one analysis read at once: a problem in any file is reported with all the
others, before anything is computed or written."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from ..base.errors import InputError, Location
from .dora import FAILURE_HOURS, Delivery, analyze
from .git import Shipped, commit_times
from .records import Deployment, Incident, ScaleOut, read_deployments, read_incidents, read_scale_outs


@dataclass(frozen=True)
class History:
    deployments: list[Deployment]
    incidents: list[Incident]
    scale_outs: list[ScaleOut]
    shipped: Shipped | None
    skipped: list[tuple[Location, str]]

    def analyze(
        self,
        *,
        environment: str,
        now: dt.datetime,
        since: dt.datetime | None = None,
        until: dt.datetime | None = None,
        failure_hours: float = FAILURE_HOURS,
    ) -> Delivery:
        return analyze(
            self.deployments,
            self.incidents,
            self.scale_outs,
            None if self.shipped is None else self.shipped.get(environment, self.shipped[None]),
            environment=environment,
            since=since,
            until=until,
            now=now,
            failure_hours=failure_hours,
            skipped_rows=len(self.skipped),
        )


def load(
    deployments: Path,
    *,
    repo: Path | None = None,
    incidents: Path | None = None,
    alerts: Sequence[Path] = (),
    scale_outs: Path | None = None,
    assume: dt.tzinfo | None = None,
    skip_bad_rows: bool = False,
) -> History:
    """Raises InputError naming every bad row of every file, unless they are to be skipped."""
    d = read_deployments(deployments, assume, skip_bad_rows=True)
    i = read_incidents(incidents, assume, skip_bad_rows=True) if incidents else None
    s = read_scale_outs(scale_outs, assume, skip_bad_rows=True) if scale_outs else None
    paged, bad_alerts = _pages(alerts, assume) if alerts else ([], [])
    shipped, unknown = (
        commit_times(repo, d.rows, str(deployments), skip_bad_rows=True) if repo else (None, [])
    )
    problems = d.skipped + unknown + (i.skipped if i else []) + bad_alerts + (s.skipped if s else [])
    if problems and not skip_bad_rows:
        raise InputError(problems)
    return History(d.rows, (i.rows if i else []) + paged, s.rows if s else [], shipped, problems)


def _pages(
    exports: Sequence[Path], assume: dt.tzinfo | None
) -> tuple[list[Incident], list[tuple[Location, str]]]:
    """The pages in alert exports (Alertmanager, PagerDuty, Opsgenie; see docs/alerts.md) as
    incidents: what woke someone is how a failed change shows from the outside."""
    from ..alerts.formats import read

    history = read([str(p) for p in exports], zone=cast(Any, assume), skip_bad=True)
    names = {number: name for name, number in history.names.items()}
    firings = zip(history.name, history.starts, history.ends, history.pages, strict=True)
    incidents = [
        Incident(f"page {n}", _utc(start), None if math.isnan(end) else _utc(end), names[name])
        for n, (name, start, end, page) in enumerate(firings, 1)
        if page
    ]
    return incidents, list(history.skipped)


def _utc(epoch: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(epoch, dt.UTC)
