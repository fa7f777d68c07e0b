"""The library API the CLI (and later the web app) call: files in, Assessment out."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from pathlib import Path

from .errors import UsageError
from .evaluate import assess
from .lens import load_lens
from .load import LoadedWorkload, load_workload
from .model.assessment import Assessment
from .model.evidence import ProbeResult
from .model.lens import Lens
from .model.workload import ProbeConfig
from .source import did_you_mean


@dataclass(frozen=True)
class Result:
    loaded: LoadedWorkload
    lens: Lens
    assessment: Assessment


def assess_file(path: Path, lens_paths: Sequence[Path] = (), now: dt.datetime | None = None) -> Result:
    """Load the lens and the workload, and assess it as of `now` (default: this moment, UTC)."""
    lens = load_lens(lens_paths)
    loaded = load_workload(path, lens)
    return Result(loaded, lens, assess(loaded.workload, lens, now or dt.datetime.now(dt.UTC), str(path)))


def audit_file(
    path: Path,
    lens_paths: Sequence[Path] = (),
    only: Collection[str] = (),
    started: Callable[[str, ProbeConfig], None] = lambda name, config: None,
    finished: Callable[[ProbeResult], None] = lambda result: None,
) -> Result:
    """Run the workload's probes (or only the named ones) against the targets its answers imply,
    and assess it again with what they measured; evidence outranks the answers."""
    from .probes.run import run

    lens = load_lens(lens_paths)
    loaded = load_workload(path, lens)
    w = loaded.workload
    if not w.probes:
        raise UsageError(f"{path} configures no probes; add a `probes:` section (see docs/probes.md)")
    for name in only:
        if name not in w.probes:
            raise UsageError(f"no probe named {name!r} in {path}" + did_you_mean(name, w.probes))
    now = dt.datetime.now(dt.UTC)
    targets = {v.horizon: v.targets for v in assess(w, lens, now, str(path)).horizons}
    results = run(w, targets, lens, now, only, started, finished, root=path.parent)
    return Result(loaded, lens, assess(w, lens, now, str(path), results))
