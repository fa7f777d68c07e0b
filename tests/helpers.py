"""Running the real `devoops` command in a subprocess, as a user would."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SRC = str(Path(__file__).resolve().parents[1] / "src")


def devoops(
    *args: str | Path, cwd: Path | None = None, stdin: str | None = None, columns: int = 160
) -> subprocess.CompletedProcess[str]:
    env = os.environ | {"PYTHONPATH": SRC, "COLUMNS": str(columns)}
    return subprocess.run(
        [sys.executable, "-m", "devoops", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        input=stdin,
        timeout=60,
    )
