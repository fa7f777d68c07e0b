"""The library API the CLI (and later the web app) call: files in, Assessment out."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .evaluate import assess
from .lens import load_lens
from .load import LoadedWorkload, load_workload
from .model.assessment import Assessment
from .model.lens import Lens


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
