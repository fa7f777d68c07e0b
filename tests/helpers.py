"""Running the real `devoops` command in a subprocess, as a user would."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

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


def apart(script: str, *args: str, timeout: float = 120) -> dict[str, Any]:
    """`script` in a fresh interpreter that can import the tests; the JSON its last line prints.
    Peak memory measured there is the script's own: in pytest it would carry every earlier test's."""
    root = Path(__file__).resolve().parents[1]
    ran = subprocess.run(
        [sys.executable, "-c", script, *args],
        capture_output=True,
        text=True,
        cwd=root,
        env=os.environ | {"PYTHONPATH": f"{root}:{SRC}"},
        timeout=timeout,
    )
    assert ran.returncode == 0, ran.stderr
    return dict(json.loads(ran.stdout.splitlines()[-1]))
